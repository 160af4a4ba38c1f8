"""A stage named `scratch` or `context`.

## What it does
Flags `FROM <image> AS scratch` and `FROM <image> AS context`, in any case.

## Why is this bad?
`scratch` is the builder's empty image and `context` names the build context
(`COPY --from=context`, `--build-context`). A stage with one of these names makes
`FROM scratch` and `--from=context` mean something else than every reader expects,
and BuildKit warns about it (`ReservedStageName`).

## Example
```dockerfile
FROM golang:1.22 AS scratch
RUN go build -o /app ./cmd/app
FROM alpine:3.20
COPY --from=scratch /app /app
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /app ./cmd/app
FROM alpine:3.20
COPY --from=build /app /app
```

## Differences from hadolint
- The name is compared in any case (`AS Scratch`, `AS CONTEXT`): BuildKit folds stage
  names to lower case, so they are the same reserved words. hadolint compares the exact
  spelling.

## References
- https://github.com/hadolint/hadolint/wiki/DL3063
- [BuildKit ReservedStageName](https://docs.docker.com/go/dockerfile/rule/reserved-stage-name/)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

RESERVED_STAGE_NAMES = ("scratch", "context")


@rule("DL3063", "stage-name-reserved", "warning", "dockerfile", "A stage is named after a reserved word (scratch, context)",
      aliases=("ReservedStageName",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for stage in dockerfile.stages:
        if stage.name and stage.name.lower() in RESERVED_STAGE_NAMES:
            yield Violation(
                f"stage name {stage.name!r} is a reserved word: `{stage.name.lower()}` already means "
                + ("the empty image" if stage.name.lower() == "scratch" else "the build context"),
                line=stage.from_instruction.line,
                fix="Rename the stage (e.g. AS build) and the --from= and FROM references to it.",
            )
