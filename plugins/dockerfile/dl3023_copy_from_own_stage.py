"""## What it does
Flags `COPY --from=<name>` that names the stage it is in.

## Why is this bad?
A stage cannot copy from itself: the build fails with a circular dependency.

## Example
```dockerfile
FROM golang:1.22 AS build
COPY --from=build /out/app /usr/local/bin/app
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/app .

FROM debian:12-slim
COPY --from=build /out/app /usr/local/bin/app
```

## Differences from hadolint
- Stage names match case-insensitively and ARGs are resolved; the stage's own index
  (`--from=1` in the second stage) counts too.

## References
- https://github.com/hadolint/hadolint/wiki/DL3023
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule

from ._stages import from_reference


@rule("DL3023", "copy-from-own-stage", "error", "dockerfile", "COPY --from names its own stage")
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword != "COPY" or instr.stage is None:
            continue
        ref = from_reference(instr)
        stage = instr.stage
        if ref is not None and ((stage.name and stage.name.lower() == ref.lower()) or ref == str(stage.index)):
            yield Violation(
                f"COPY --from={ref} copies from {stage.label}, the stage it is in",
                line=instr.line,
                fix="Copy from an earlier stage, or use a plain COPY/RUN cp inside this stage",
            )
