"""A `FROM` that is only valid thanks to `--build-arg` (BuildKit's `InvalidDefaultArgInFrom`).

## What it does
Expands each `FROM` image with the global `ARG` *defaults* only (ignoring `--build-arg`
values) and flags it when the result is empty or not a valid image reference
(`busybox:` from `FROM busybox:$VERSION` with `ARG VERSION` and no default).

## Why is this bad?
The Dockerfile builds only when the caller remembers the build argument; anyone else (a
plain `docker build .`, an IDE, a scanner) gets an invalid base image.

## Example
```dockerfile
ARG TAG
FROM busybox:${TAG}
```

## Use instead
```dockerfile
ARG TAG=latest
FROM busybox:${TAG}
```

## Differences from BuildKit
A `FROM` that expands to nothing at all without build arguments is an input error of the
whole file here (the model cannot resolve the stage), unless `--build-arg` supplies it;
then this rule reports it as BuildKit does.

## References
- [BuildKit InvalidDefaultArgInFrom](https://docs.docker.com/go/dockerfile/rule/invalid-default-arg-in-from/)
"""

from __future__ import annotations

import re

from imagepolicy.dockerfile import process_word
from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import default_global_args, escape_of

# distribution/reference's grammar (reference.go), lowercase repository paths.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
# A pattern, compiled by re on first use (most Dockerfiles never need it: 0.4 ms at every start otherwise).
_REFERENCE = (
    rf"^(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)


def valid_reference(ref: str) -> bool:
    """True when ``ref`` parses as an image reference (``ParseNormalizedNamed``)."""
    if not ref or re.fullmatch(r"[a-f0-9]{64}", ref):
        return False
    return re.match(_REFERENCE, ref) is not None and len(ref.split("@")[0].split(":")[0]) <= 255


@rule("BK013", "invalid-default-arg-in-from", "warning", "dockerfile", "FROM is invalid with the ARG defaults alone",
      aliases=("InvalidDefaultArgInFrom",))
def check(dockerfile, ctx):
    defaults = default_global_args(dockerfile)
    escape = escape_of(dockerfile)
    for stage in dockerfile.stages:
        if "$" not in stage.base_raw:
            continue
        try:
            image = process_word(stage.base_raw, defaults, escape=escape)
        except ValueError:
            continue
        if not valid_reference(image):
            yield Violation(
                f"Default value for ARG {stage.base_raw} results in empty or invalid base image name ({image!r})",
                line=stage.from_instruction.line,
                fix="Give the ARG a default that makes a valid image, e.g. ARG TAG=latest.",
            )
