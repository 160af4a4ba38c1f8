"""An instruction other than `ARG` before the first `FROM`.

## What it does
Flags a Dockerfile whose first instruction is neither `FROM` nor `ARG`.

## Why is this bad?
The builder refuses it: only `ARG` (and parser directives and comments) may
come before the first `FROM`.

## Example
```dockerfile
LABEL maintainer="team@example.com"
FROM python:3.12-slim
```

## Use instead
```dockerfile
ARG PYTHON=3.12
FROM python:${PYTHON}-slim
LABEL maintainer="team@example.com"
```

## Differences from hadolint
imagepolicy reads the Dockerfile the way BuildKit does, and BuildKit refuses
such a file outright: the check stops with an input error naming the line
("LABEL before the first FROM", exit code 2) instead of a DL3061 finding.
The code exists so that ignore lists naming it stay valid.

## References
- [hadolint DL3061](https://github.com/hadolint/hadolint/wiki/DL3061)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule


@rule("DL3061", "instruction-before-from", "error", "dockerfile", "An instruction other than ARG comes before the first FROM")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    # The model refuses such files while parsing; this stays as a guard.
    for instr in dockerfile.instructions:
        if instr.keyword == "FROM":
            return
        if instr.keyword != "ARG":
            yield Violation(
                f"{instr.keyword} comes before the first FROM",
                line=instr.line,
                fix="Start with FROM (only ARG may come before it).",
            )
            return
