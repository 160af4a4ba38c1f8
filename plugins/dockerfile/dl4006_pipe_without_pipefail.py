"""A RUN with a pipe while the shell lacks `-o pipefail`.

## What it does
Flags a RUN whose script has a pipe (`a | b`) when neither the stage's
`SHELL` (inherited through `FROM <stage>`) runs with `-o pipefail` nor the
script runs `set -o pipefail` before the pipe. A pipe inside a command
substitution counts (`arch="$(dpkg --print-architecture | cut -d- -f1)"`); the
`|` between `case` patterns (`x86_64|aarch64)`) and inside quotes is no pipe.

## Why is this bad?
A pipeline's status is that of its last command: in
`RUN wget -O - https://example.com/install.sh | sh` a failed download still
"succeeds", and the build goes on with a broken image.

## Example
```dockerfile
FROM debian:12-slim
RUN wget -qO- https://example.com/key.asc | gpg --dearmor > /usr/share/keyrings/example.gpg
```

## Use instead
```dockerfile
FROM debian:12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN wget -qO- https://example.com/key.asc | gpg --dearmor > /usr/share/keyrings/example.gpg
```

## Fix
Unsafe (applied with `imagepolicy fix --unsafe`): it inserts a `SHELL` with
`-o pipefail` before the stage's first such RUN (above its comment lines), for a
shell that has the option: the stage's own `SHELL` when it is bash, zsh, ksh or
ash (`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` for `SHELL ["/bin/bash", "-c"]`);
busybox's `/bin/sh` where that is the stage's `/bin/sh` (Alpine, BusyBox, Wolfi);
and bash where `/bin/sh` is bash (the Red Hat and SUSE families) or dash (Debian
and Ubuntu, which ship bash too; dash 0.5.12 refuses `-o pipefail`). Which
`/bin/sh` a stage has is decided as for the ShellCheck rule
(`imagepolicy.shells`); where it is unknown or absent, no fix is offered.
Unsafe because a pipeline then fails when any of its commands fails, which some
RUNs rely on not happening (`yes | sdkmanager --licenses` ends with `yes` killed
by SIGPIPE, status 141), and every later RUN of the stage runs under the new
shell.

## Differences from hadolint
- `set -o pipefail` (or `set -euo pipefail`) in the script before the pipe
  counts, in a heredoc too; hadolint ignores it and still fires.
- A `SHELL` with `-o pipefail` set in a stage that this stage is built `FROM`
  counts; hadolint forgets it at every `FROM`.
- Any shell run with `-o pipefail` counts here; hadolint accepts it only
  for bash, zsh and ash. Whether the shell *accepts* the option is SC3040's
  finding: dash 0.5.12 (`/bin/sh` on Debian 12 and Ubuntu 24.04) has no
  pipefail and exits with "Illegal option -o pipefail", so on those bases
  `SHELL ["/bin/sh", "-o", "pipefail", "-c"]` and `set -o pipefail` are
  SC3040 errors; busybox ash (Alpine) and bash accept both.
- PowerShell and cmd shells are not judged, as in hadolint.

## References
- [hadolint DL4006](https://github.com/hadolint/hadolint/wiki/DL4006)
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Iterator, Sequence

from imagepolicy.dockerfile import DEFAULT_SHELL, Dockerfile, Instruction
from imagepolicy.fixes import instruction_block
from imagepolicy.model import Edit, Fix, RuleContext, Violation, rule
from imagepolicy.shellcmd import SHELLS, instruction_script, parse_script
from imagepolicy.shells import BASH, BUSYBOX, DASH, bin_sh


UNSAFE_BECAUSE = ("a pipeline then fails when any of its commands fails (`yes | cmd` ends with status 141), "
                  "and the later RUNs of the stage run under this shell")
_PIPEFAIL_SHELLS = frozenset({"bash", "zsh", "ksh", "mksh", "ash"})


def _sets_pipefail(words: Sequence[str]) -> bool:
    """``-o pipefail`` among shell or ``set`` arguments (also ``-eo pipefail``, ``-euxo pipefail``)."""
    return any(w.startswith("-") and not w.startswith("--") and "o" in w for w in words) and "pipefail" in words


def _script_and_shell(run: Instruction) -> tuple[str | None, tuple[str, ...]]:
    if run.script is not None:
        return run.script, run.shell
    args = run.json_args or []
    if len(args) >= 3 and posixpath.basename(args[0]) in SHELLS and "-c" in args:
        at = args.index("-c")
        if at + 1 < len(args):
            return args[at + 1], tuple(args[: at + 1])
    return None, run.shell


@rule("DL4006", "pipe-without-pipefail", "warning", "dockerfile", "A RUN pipes commands while the shell lacks -o pipefail",
      autofix="unsafe")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    first: dict[int, Instruction] = {}  # stage index -> its first flagged RUN: one SHELL above it serves them all
    for run, shell in _flagged(dockerfile):
        target = first.setdefault(run.stage.index if run.stage is not None else -1, run)
        yield Violation(
            f"a pipe in this RUN runs under {' '.join(shell)} without -o pipefail: a failing command before the pipe goes unnoticed",
            line=run.line,
            fix='Add SHELL ["/bin/bash", "-o", "pipefail", "-c"] before it (where /bin/sh is busybox ash or bash, '
                '`set -o pipefail` at the start of the script works too; dash has no pipefail).',
            autofix=_shell_fix(dockerfile, target),
        )


def _flagged(dockerfile: Dockerfile) -> Iterator[tuple[Instruction, tuple[str, ...]]]:
    """Each RUN with a pipe and no pipefail, and the shell its script runs under."""
    for run in dockerfile.instructions:
        if run.keyword != "RUN":
            continue
        script, shell = _script_and_shell(run)
        if script is None or not shell or posixpath.basename(shell[0]).lower() not in SHELLS:
            continue
        parsed = instruction_script(run) if run.script is not None else parse_script(script)
        if parsed is None or not parsed.pipes or _sets_pipefail(shell[1:]):
            continue
        before = parsed.commands[: parsed.pipes[0].before]
        if any(cmd.name == "set" and cmd.depth == 0 and _sets_pipefail(cmd.args) for cmd in before):
            continue
        yield run, shell


def pipefail_shell(run: Instruction) -> list[str] | None:
    """The SHELL argv with ``-o pipefail`` for the stage of ``run`` (see the docs' Fix section), or None."""
    shell = list(run.shell)
    name = posixpath.basename(shell[0]).lower() if shell else ""
    if tuple(shell) == DEFAULT_SHELL or name in ("sh", "dash"):
        sh = bin_sh(run.stage).name if run.stage is not None and name != "dash" else None
        if sh == BUSYBOX:
            return ["/bin/sh", "-o", "pipefail", "-c"]
        if sh in (DASH, BASH):  # Debian and Ubuntu (dash) ship bash too; elsewhere /bin/sh is bash
            return ["/bin/bash", "-o", "pipefail", "-c"]
        return None
    if name in _PIPEFAIL_SHELLS and len(shell) >= 2 and shell[-1] == "-c":
        return [*shell[:-1], "-o", "pipefail", "-c"]
    return None


def _shell_fix(dockerfile: Dockerfile, run: Instruction) -> Fix | None:
    argv = pipefail_shell(run)
    if argv is None:
        return None
    shell = f"SHELL {json.dumps(argv)}"
    lines = dockerfile.text.split("\n")
    own = [i for i in run.stage.instructions if i.keyword == "SHELL" and i.index < run.index] if run.stage else []
    if own and own[-1].line == own[-1].end_line:
        # The stage's own SHELL is in force: give it the option (the RUNs between have no pipe).
        m = re.match(r"^\s*SHELL\s+", lines[own[-1].line - 1], re.I)
        if m is not None:
            edit = Edit(own[-1].line, m.end() + 1, own[-1].line, len(lines[own[-1].line - 1].rstrip()) + 1, json.dumps(argv))
            return Fix((edit,), f"change the SHELL at line {own[-1].line} to {shell}", safe=False,
                       unsafe_because=UNSAFE_BECAUSE)
    first, _ = instruction_block(dockerfile, run)
    indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
    return Fix((Edit.insert(first, 1, f"{indent}{shell}\n"),), f"add {shell} before the RUN", safe=False,
               unsafe_because=UNSAFE_BECAUSE)
