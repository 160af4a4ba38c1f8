"""`COPY --from=<stage or image> / /`: a whole filesystem copied over the stage's own.

## What it does
Flags a `COPY --from` whose source is the root `/` of another stage or image and
whose destination is `/` (after WORKDIR and ARG/ENV are resolved).

## Why is this bad?
It copies everything: the other image's package database, `/etc/passwd`, caches,
compilers and secrets left in the build stage, over the files of this stage. The
result is as large as both images, its package metadata lies, and the point of a
multi-stage build (shipping only the artifacts) is lost. Copy the folders you need.

## Example
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/app ./cmd/app
FROM gcr.io/distroless/static-debian12
COPY --from=build / /
```

## Use instead
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/app ./cmd/app
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
```

## Differences from hadolint
- A stage built `FROM scratch` holds only what it copied in (the "export" or rootfs
  pattern: `FROM scratch AS rootfs` + `COPY --from=build /out /`): copying all of it is
  the intent, so we stay silent. hadolint flags it.
- Paths are compared as the builder resolves them: `//` and `/.` are the root, and a
  destination `.` under `WORKDIR /` is `/`. hadolint compares the spelling.

## References
- https://github.com/hadolint/hadolint/wiki/DL3067
"""

from __future__ import annotations

import posixpath
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction
from imagepolicy.model import RuleContext, Violation, rule


def _is_root(path: str) -> bool:
    return path.startswith("/") and posixpath.normpath(path) in ("/", "//")


def _from_scratch(instr: Instruction) -> bool:
    """True when ``--from`` names a stage whose filesystem starts empty (built on scratch)."""
    return instr.from_stage is not None and instr.from_stage.root_base.lower() == "scratch"


@rule("DL3067", "copy-entire-filesystem", "warning", "dockerfile", "COPY --from copies another stage's whole filesystem to /")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr in dockerfile.instructions:
        if instr.keyword != "COPY" or not instr.flag("from") or instr.dest != "/":
            continue
        if any(_is_root(src) for src in instr.sources) and not _from_scratch(instr):
            source = instr.from_stage.label if instr.from_stage is not None else f"image {instr.from_image}"
            yield Violation(
                f"COPY --from={instr.flag('from')} / / copies the whole filesystem of {source} over this stage",
                line=instr.line,
                fix="Copy only the folders the image needs (e.g. COPY --from=build /out/app /app).",
            )
