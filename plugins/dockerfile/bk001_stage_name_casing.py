"""A stage name with uppercase letters (BuildKit's `StageNameCasing`).

## What it does
Flags `FROM image AS Name` when the stage name is not all lowercase.

## Why is this bad?
BuildKit lowercases stage names anyway (`COPY --from=Builder` and `--from=builder` are the
same stage); writing them in lowercase keeps identifiers apart from instruction keywords
and avoids the impression that the case matters. BuildKit calls it a style matter, so the
default severity is `info`.

## Example
```dockerfile
FROM alpine AS BuilderBase
```

## Use instead
```dockerfile
FROM alpine AS builder-base
```

## References
- [BuildKit StageNameCasing](https://docs.docker.com/go/dockerfile/rule/stage-name-casing/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule


@rule("BK001", "stage-name-casing", "info", "dockerfile", "Stage name is not lowercase", aliases=("StageNameCasing",))
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        if stage.name and stage.name != stage.name.lower():
            yield Violation(
                f"Stage name '{stage.name}' should be lowercase",
                line=stage.from_instruction.line,
                fix=f"Write the stage name as '{stage.name.lower()}' (and the --from= references to it).",
            )
