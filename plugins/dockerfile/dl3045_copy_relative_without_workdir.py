"""`COPY` to a relative destination before any `WORKDIR`.

## What it does
Flags a `COPY` whose destination is a relative path when no `WORKDIR` was set
in its stage or in the stages it is built `FROM`.

## Why is this bad?
A relative destination is resolved against the working directory, which then
comes from the base image and may change with it. Files land somewhere the
Dockerfile does not say.

## Example
```dockerfile
FROM python:3.12-slim
COPY app.py app/
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /srv
COPY app.py app/
```

## Differences from hadolint
`WORKDIR` in a stage this stage is built `FROM` counts through any number of
generations, by the stage's resolved name; hadolint follows the parent by its
literal image name only.

## References
- [hadolint DL3045](https://github.com/hadolint/hadolint/wiki/DL3045)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction, Stage, process_word
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import escape_of

_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")


def _destination(instr: Instruction, escape: str) -> str | None:
    """The COPY destination as the builder reads it: the last blank-separated word, unquoted
    with the file's escape token (``C:\\app`` stays intact under ``# escape=```).

    A destination starting with a variable keeps its ``$`` (it may expand to an absolute path).
    """
    words = instr.json_args if instr.json_args is not None else instr.args.split()
    if not words:
        return None
    raw = words[-1]
    if instr.json_args is not None or raw.strip("\"'").startswith("$"):
        return raw.strip("\"'")
    try:
        return process_word(raw, {}, escape=escape)
    except ValueError:
        return raw.strip("\"'")


def _workdir_before(stage: Stage, instr: Instruction) -> bool:
    for st in stage.lineage():
        for other in st.instructions:
            if st is stage and other.index >= instr.index:
                break
            if other.keyword == "WORKDIR":
                return True
    return False


@rule("DL3045", "copy-relative-without-workdir", "warning", "dockerfile", "COPY to a relative destination before any WORKDIR")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr in dockerfile.instructions:
        if instr.keyword != "COPY" or instr.stage is None:
            continue
        dest = _destination(instr, escape_of(dockerfile))
        if dest is None or dest.startswith(("/", "$")) or _WINDOWS_ABSOLUTE.match(dest):
            continue
        if not _workdir_before(instr.stage, instr):
            yield Violation(
                f"COPY to the relative destination {dest!r} with no WORKDIR set in {instr.stage.label}",
                line=instr.line,
                fix=f"Set WORKDIR first (e.g. WORKDIR /app) or copy to an absolute path (/app/{dest.lstrip('./')}).",
            )
