"""## What it does
Flags `COPY --from=<name>` where the name is no earlier stage, after resolving ARGs.
A stage index (`--from=0`) of an earlier stage and an image with a tag or digest
(`--from=nginx:1.27`) are fine.

## Why is this bad?
A name that matches no stage is pulled as an image from Docker Hub: a typo in a
stage name silently copies from a stranger's image, or fails late.

## Example
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/app .

FROM debian:12-slim
COPY --from=biuld /out/app /usr/local/bin/app
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/app .

FROM debian:12-slim
COPY --from=build /out/app /usr/local/bin/app
```

## Differences from hadolint
- Stage names match case-insensitively, as BuildKit does (`--from=Build` after `AS build`).
- ARGs are resolved: `ARG SRC=build` + `COPY --from=$SRC` is the stage; an ARG without a value
  is not judged.

## References
- https://github.com/hadolint/hadolint/wiki/DL3022
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule

from ._stages import from_reference


def earlier_stage(dockerfile, instr, ref: str):
    """The stage before ``instr``'s stage named (or numbered) ``ref``, or None."""
    current = instr.stage.index if instr.stage is not None else len(dockerfile.stages)
    for stage in dockerfile.stages[:current]:
        if (stage.name and stage.name.lower() == ref.lower()) or ref == str(stage.index):
            return stage
    return None


@rule("DL3022", "copy-from-unknown-stage", "warning", "dockerfile", "COPY --from names no earlier stage")
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword != "COPY" or instr.stage is None:
            continue
        ref = from_reference(instr)
        if ref is None or earlier_stage(dockerfile, instr, ref) is not None:
            continue
        own = instr.stage.name and instr.stage.name.lower() == ref.lower()
        if own or ":" in ref or "@" in ref:
            continue  # own stage: DL3023; an image with a tag or digest: intended
        yield Violation(
            f"COPY --from={ref} names no earlier stage, so it would pull an image called {ref!r}",
            line=instr.line,
            fix="Name a stage defined above (FROM ... AS name), or give the image a tag or digest",
        )
