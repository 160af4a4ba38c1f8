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

from imagepolicy.dockerfile import Dockerfile, Instruction, Stage
from imagepolicy.model import RuleContext, Violation, rule

_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]")


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
        words = instr.words()
        if not words:
            continue
        dest = words[-1].strip("\"'")
        if dest.startswith(("/", "$")) or _WINDOWS_ABSOLUTE.match(dest):
            continue
        if not _workdir_before(instr.stage, instr):
            yield Violation(
                f"COPY to the relative destination {dest!r} with no WORKDIR set in {instr.stage.label}",
                line=instr.line,
                fix=f"Set WORKDIR first (e.g. WORKDIR /app) or copy to an absolute path (/app/{dest.lstrip('./')}).",
            )
