"""## What it does
Flags a `FROM` image without a tag (and, with `require-digest`, any image without a digest).
ARG values in `FROM` are resolved first; `scratch` and earlier stages are skipped.

## Why is this bad?
An untagged image means `latest`: whatever was pushed last. Builds stop being
reproducible and a new major version can arrive without anyone deciding it.

## Example
```dockerfile
ARG BASE=debian
FROM $BASE
```

## Use instead
```dockerfile
ARG BASE=debian:12-slim
FROM $BASE
```

## Options
- `require-digest` (boolean, default `false`): also flag tagged images that are not
  pinned by digest (`FROM debian:12@sha256:...`).

## Differences from hadolint
- ARGs are resolved: `ARG BASE=debian` + `FROM $BASE` fires (hadolint skips any
  image written with a variable); an ARG without a value stays unjudged.
- Stage names match case-insensitively, as BuildKit does (`FROM Base` after `AS base`
  is the stage, not an image).
- A registry port is not a tag: `FROM localhost:5000/app` fires (hadolint reads `5000/app`
  as the tag).

## References
- https://github.com/hadolint/hadolint/wiki/DL3006
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule

from ._images import external_images

@rule(
    "DL3006",
    "untagged-image",
    "warning",
    "dockerfile",
    "FROM image without an explicit tag",
    options={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "require-digest": {
                "type": "boolean",
                "default": False,
                "description": "Also flag images not pinned by digest (@sha256:...).",
            }
        },
    },
)
def check(dockerfile, ctx):
    require_digest = bool(ctx.options.get("require-digest", False))
    for stage, ref, image in external_images(dockerfile):
        line = stage.from_instruction.line
        if ref.digest:
            continue
        if ref.tag is None:
            yield Violation(
                f"FROM {image} has no tag: the build takes whatever `latest` is at the time",
                line=line,
                fix=f"Pin a version tag (e.g. {image}:<version>) or a digest ({image}@sha256:...)",
            )
        elif require_digest:
            yield Violation(
                f"FROM {image} is not pinned by digest: the tag can be moved to another image",
                line=line,
                fix=f"Add the digest: {image}@sha256:<digest> (docker buildx imagetools inspect {image})",
            )
