"""## What it does
Flags a `RUN` that runs `apt-get update` without deleting `/var/lib/apt/lists` in
the same `RUN`, when those lists end up in the final image: in the final stage, a
stage it is built `FROM`, or a stage whose lists are copied into it.

## Why is this bad?
The package lists are tens of megabytes that nothing needs at run time, and a
later `RUN rm` cannot shrink the layer that already holds them.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \
 && rm -rf /var/lib/apt/lists/*
```

## Fix
`imagepolicy fix` ends the RUN with `&& rm -rf /var/lib/apt/lists/*`: on the same
line for a one-line RUN, else on a continuation line in the style of the RUN's
others (`&& \\` at line ends, or `&&` leading the line); a `RUN <<EOF` heredoc gets
an `rm -rf /var/lib/apt/lists/*` line before its end. Safe, unless a later RUN of
the stage (or of a stage built `FROM` it) installs with apt without its own
`apt-get update`: then that install would find no lists and fail, so the fix is
unsafe there (applied with `--unsafe`; add `apt-get update` to that RUN).

## Differences from hadolint
- Stage-aware (hadolint #405, #929, #1068): a builder stage from which only build outputs
  are copied is not judged; hadolint judges every stage used by a later `FROM`.
- Cache and tmpfs mounts on `/var/lib/apt/lists` or a folder above it (`/var/lib/apt`)
  are enough; hadolint also wants `/var/cache/apt` mounted in that case.
- The cleanup must delete the lists (`rm -rf /var/lib/apt/lists/*`, `/var/lib/apt/lists`,
  `/var/lib/apt`, the glob `/var/lib/apt/lists*`) or run `apt-get dist-clean` (`distclean`,
  apt 2.7+, as in the official trixie images), after the last `update`; hadolint accepts any
  `rm -rf`, even of another folder or before the update, and does not know `dist-clean`.

## References
- https://github.com/hadolint/hadolint/wiki/DL3009
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.fixes import script_edit
from imagepolicy.model import Edit, Fix, Violation, rule
from imagepolicy.shellcmd import instruction_commands, mounted_over, parse_script, removes

from ._stages import final_image_runs

APT_LISTS = "/var/lib/apt/lists"
APT_TOOLS = ("apt-get", "apt", "aptitude")


def _cleans(cmd) -> bool:
    """``rm`` of the lists (or a folder above, or a glob naming them), or ``apt-get dist-clean``."""
    return removes(cmd, APT_LISTS) or (cmd.name in ("apt-get", "apt") and bool({"dist-clean", "distclean"} & set(cmd.args)))


CLEANUP = "rm -rf /var/lib/apt/lists/*"


@rule("DL3009", "apt-lists-not-deleted", "info", "dockerfile", "apt-get update without deleting /var/lib/apt/lists",
      autofix="sometimes",
      needs=tuple(f"RUN {tool}" for tool in APT_TOOLS))
def check(dockerfile, ctx):
    for instr, commands in final_image_runs(dockerfile, APT_LISTS):
        # hadolint counts `apt update` and `aptitude update` as well as `apt-get update`
        updates = [i for i, c in enumerate(commands) if c.name in APT_TOOLS and "update" in c.args]
        if not updates:
            continue
        # Only a cleanup after the last update leaves no lists behind.
        if any(_cleans(c) for c in commands[updates[-1] + 1 :]):
            continue
        if mounted_over(instr, APT_LISTS):
            continue
        yield Violation(
            f"RUN runs {commands[updates[0]].name} update but leaves {APT_LISTS} in the final image",
            line=instr.line,
            fix="End the same RUN with && rm -rf /var/lib/apt/lists/* (or mount a cache on /var/lib/apt/lists)",
            autofix=_cleanup_fix(dockerfile, instr),
        )


def _cleanup_fix(dockerfile, instr) -> Fix | None:
    """Append the cleanup to the RUN's script (see the docs' Fix section); None when it cannot go there."""
    script = instr.script
    if script is None or dockerfile.directives.get("escape", "\\") != "\\":
        return None
    lines = instr.original.split("\n")
    if instr.heredocs:
        heredoc = instr.heredocs[0]
        if instr.script_line != heredoc.line or len(instr.heredocs) != 1:
            return None  # a command line with heredocs: where the script ends is not plain
        written = [line for line in lines[heredoc.line - instr.line : heredoc.end_line - instr.line] if line.strip()]
        indent = written[-1][: len(written[-1]) - len(written[-1].lstrip())] if written else ""
        if not _ends_with_cleanup(script, script + CLEANUP + "\n", heredoc_body=True):
            return None
        return _fix(dockerfile, instr, Edit.insert(heredoc.end_line, 1, indent + CLEANUP + "\n"))
    last = lines[instr.end_line - instr.line].rstrip()
    content_end = script.rstrip()
    if instr.end_line == instr.line:
        addition = f" && {CLEANUP}"
    else:
        indent = last[: len(last) - len(last.lstrip())]
        continued = [line.rstrip()[:-1].rstrip() for line in lines[: instr.end_line - instr.line] if line.rstrip().endswith("\\")]
        trailing = sum(line.endswith("&&") for line in continued) > len(continued) / 2
        addition = f" && \\\n{indent}{CLEANUP}" if trailing else f" \\\n{indent}&& {CLEANUP}"
    if not _ends_with_cleanup(script, content_end + f" && {CLEANUP}"):
        return None
    edit = script_edit(instr, len(content_end), len(content_end), addition)
    return _fix(dockerfile, instr, edit) if edit is not None else None


def _ends_with_cleanup(script: str, fixed: str, heredoc_body: bool = False) -> bool:
    """True when ``fixed`` runs every command of ``script`` and then the cleanup (no comment swallowed it)."""
    before = [c for c in parse_script(script, heredoc_body).commands if c.depth == 0]
    after = [c for c in parse_script(fixed, heredoc_body).commands if c.depth == 0]
    return len(after) == len(before) + 1 and after[-1].words == tuple(CLEANUP.split())


def _fix(dockerfile, instr, edit: Edit) -> Fix:
    blocked = _later_install(dockerfile, instr)
    if blocked is None:
        return Fix((edit,), "delete /var/lib/apt/lists at the end of the RUN")
    return Fix((edit,), "delete /var/lib/apt/lists at the end of the RUN", safe=False,
               unsafe_because=f"the RUN at line {blocked.line} installs with apt without its own apt-get update")


def _later_install(dockerfile, instr):
    """A later RUN of this stage (or a stage built FROM it) that installs with apt without updating first, or None."""
    stage = instr.stage
    for later in iter_run_instructions(dockerfile):
        if later.stage is None or later.index <= instr.index or not any(s is stage for s in later.stage.lineage()):
            continue
        for cmd, _ in instruction_commands(later):
            if cmd.name in APT_TOOLS and "update" in cmd.args:
                break
            if cmd.name in APT_TOOLS and {"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source"} & set(cmd.args):
                return later
    return None
