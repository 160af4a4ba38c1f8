"""## What it does
Flags `COPY` or `ADD` with several sources (or a glob matching several files in
the build context) whose destination does not end with `/`.

## Why is this bad?
The classic builder refuses it ("When using COPY with more than one source
file, the destination must be a directory and end with a /"), and BuildKit
copies each source onto the same path when it does not exist as a folder, so
only the last one is left there.

## Example
```dockerfile
FROM python:3.12-slim
COPY pyproject.toml README.md /app
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY pyproject.toml README.md /app/
```

## Differences from hadolint
- ARG/ENV in the destination are resolved: `ENV D=/app/` + `COPY a b $D` is fine (hadolint
  flags it).
- `ADD` is held to the same rule (the classic builder rejects both), and a glob that matches
  several files of the build context counts as several sources.
- `.` as the destination stays silent (`WORKDIR /app` + `COPY go.mod go.sum .`): BuildKit reads
  it as the working folder (`./`) and copies every source into it, as real projects rely on
  (hadolint flags it, as the classic builder refused it). In a Windows stage a destination
  ending with a backslash (`C:\\Windows\\System32\\`) is a folder too.

## References
- https://github.com/hadolint/hadolint/wiki/DL3021
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule


def _destination(instr) -> str | None:
    """The destination as written, variables resolved (None when a variable is unknown)."""
    from imagepolicy.dockerfile import expand_variables

    words = instr.words()
    if len(words) < 2:
        return None
    missing: list[str] = []
    dest = expand_variables(words[-1], instr.variables, missing)
    return None if missing else dest


def _source_count(instr, dockerfile) -> int:
    count = len(instr.heredocs)
    for source in instr.sources:
        if any(ch in source for ch in "*?[") and instr.from_stage is None and instr.from_image is None and dockerfile.context.available:
            count += max(1, len(dockerfile.context.glob(source)))
        else:
            count += 1
    return count


def _windows(instr) -> bool:
    from imagepolicy.shells import CMD, bin_sh

    return instr.stage is not None and bin_sh(instr.stage).name == CMD


@rule("DL3021", "copy-dest-not-dir", "error", "dockerfile", "COPY/ADD of several sources to a destination without a trailing /")
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword not in ("COPY", "ADD"):
            continue
        count = _source_count(instr, dockerfile)
        if count < 2:
            continue
        dest = _destination(instr)
        if dest is None or dest.endswith("/") or dest == "." or (dest.endswith("\\") and _windows(instr)):
            continue  # BuildKit takes `.` as the working folder (`./`); `\` ends a Windows folder
        yield Violation(
            f"{instr.keyword} of {count} sources to {dest!r}: the destination must be a folder ending with /",
            line=instr.line,
            fix=f"End the destination with a slash: {dest}/",
        )
