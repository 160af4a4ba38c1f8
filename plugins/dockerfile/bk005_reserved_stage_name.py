"""A stage named `scratch` or `context` (BuildKit's `ReservedStageName`).

## What it does
Flags `FROM image AS scratch` and `FROM image AS context` (any case).

## Why is this bad?
`scratch` is the empty image and `context` the build context: a stage with one of those
names makes `FROM scratch` or `COPY --from=context` ambiguous for readers and builders.

## Example
```dockerfile
FROM alpine AS scratch
FROM alpine AS context
```

## Use instead
```dockerfile
FROM alpine AS builder
```

## References
- [BuildKit ReservedStageName](https://docs.docker.com/go/dockerfile/rule/reserved-stage-name/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule

RESERVED = ("context", "scratch")


@rule("BK005", "reserved-stage-name", "warning", "dockerfile", "Stage named after a reserved word", aliases=("ReservedStageName",))
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        if stage.name and stage.name.lower() in RESERVED:
            yield Violation(
                f"Stage name should not use the same name as reserved stage \"{stage.name.lower()}\"",
                line=stage.from_instruction.line,
                fix="Rename the stage (e.g. 'base' or 'build') and its --from= references.",
            )
