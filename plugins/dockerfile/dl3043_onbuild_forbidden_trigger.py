"""`ONBUILD` triggering `FROM`, `MAINTAINER` or another `ONBUILD`.

## What it does
Flags `ONBUILD ONBUILD ...`, `ONBUILD FROM ...` and `ONBUILD MAINTAINER ...`.

## Why is this bad?
The builder refuses these triggers: the image that uses this one as its base
fails to build.

## Example
```dockerfile
FROM python:3.12-slim
ONBUILD ONBUILD RUN make
```

## Use instead
```dockerfile
FROM python:3.12-slim
ONBUILD RUN make
```

## Differences from hadolint
imagepolicy reads the Dockerfile the way BuildKit does, and BuildKit refuses
such a file outright: the check stops with an input error naming the line
("ONBUILD isn't allowed as an ONBUILD trigger", exit code 2) instead of a
DL3043 finding. The code exists so that ignore lists naming it stay valid.

## References
- [hadolint DL3043](https://github.com/hadolint/hadolint/wiki/DL3043)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

FORBIDDEN = ("ONBUILD", "FROM", "MAINTAINER")


@rule("DL3043", "onbuild-forbidden-trigger", "error", "dockerfile", "ONBUILD triggers FROM, MAINTAINER or ONBUILD, which the builder refuses",
      needs=("ONBUILD",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    # The model refuses these triggers while parsing; this stays as a guard
    # should it ever accept them.
    for instr in dockerfile.instructions:
        if instr.onbuild is not None and instr.onbuild.keyword in FORBIDDEN:
            yield Violation(
                f"ONBUILD {instr.onbuild.keyword} is not allowed as a trigger",
                line=instr.line,
                fix="Remove the trigger; put FROM/MAINTAINER in the child Dockerfile itself.",
            )
