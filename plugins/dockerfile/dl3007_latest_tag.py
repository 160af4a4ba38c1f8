"""## What it does
Flags a `FROM` image with the tag `latest` (after resolving ARGs).

## Why is this bad?
`latest` moves whenever a new image is pushed: two builds of the same commit
can get different bases, and upgrades happen without review.

## Example
```dockerfile
FROM python:latest
```

## Use instead
```dockerfile
FROM python:3.12-slim
```

## Differences from hadolint
- ARGs are resolved: `ARG TAG=latest` + `FROM python:$TAG` fires.
- `latest` pinned by a digest (`python:latest@sha256:...`) is fine: the digest decides.
- A registry port is not a tag: `FROM localhost:5000/app:latest` fires (hadolint misreads it).

## References
- https://github.com/hadolint/hadolint/wiki/DL3007
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule

from ._images import parse_image_ref, resolved_base


@rule("DL3007", "latest-tag", "warning", "dockerfile", "FROM image with the tag latest")
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        image = resolved_base(stage)
        if image is None:
            continue
        ref = parse_image_ref(image)
        if ref.tag == "latest" and not ref.digest:
            yield Violation(
                f"FROM {image} uses the tag `latest`, which changes whenever a new image is pushed",
                line=stage.from_instruction.line,
                fix=f"Pin a release tag instead of latest (e.g. {ref.registry + '/' if ref.registry else ''}{ref.path}:<version>)",
            )
