"""## What it does
Flags a `FROM` image from a registry that is not in the `trusted-registries` setting
(globs such as `registry.example.com` or `*.internal.example`). Silent when the list is
empty. Images without a registry come from Docker Hub: trust them with `docker.io`.

## Why is this bad?
Base images from registries your organisation does not control can change or
disappear, and are a supply-chain risk.

## Example
With `settings: {dockerfile: {trusted-registries: [docker.io, "*.gcr.io"]}}`:
```dockerfile
FROM quay.io/acme/app:1.0
```

## Use instead
```dockerfile
FROM eu.gcr.io/acme/app:1.0
```

## Options
None of its own: it reads the Dockerfile plugin's setting `trusted-registries`
(hadolint's `trustedRegistries`), `settings: {dockerfile: {trusted-registries: [...]}}`.
The old top-level key `trusted-registries` still works, with a deprecation note.

## Differences from hadolint
- ARGs are resolved: `ARG REG=quay.io` + `FROM $REG/app:1` is judged (hadolint skips it).
- Registry names compare case-insensitively, `index.docker.io`, `registry-1.docker.io` and
  `hub.docker.com` all mean Docker Hub, and `localhost:5000/app` has the registry
  `localhost:5000` (hadolint reads the port as a tag and treats it as Docker Hub).
- Any glob works (`*.gcr.io`, `registry-?.example.com`), not only a leading `*.`.

## References
- https://github.com/hadolint/hadolint/wiki/DL3026
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule

from ._images import external_images, trusted


@rule("DL3026", "untrusted-registry", "error", "dockerfile", "FROM image from a registry outside trusted-registries")
def check(dockerfile, ctx):
    patterns = list(ctx.settings.get("trusted-registries") or ())
    if not patterns:
        return
    for stage, ref, image in external_images(dockerfile):
        registry = "docker.io" if ref.hub else (ref.registry or "")
        if not trusted(registry, patterns):
            yield Violation(
                f"FROM {image} comes from {registry}, which is not a trusted registry ({', '.join(patterns)})",
                line=stage.from_instruction.line,
                fix=f"Use an image from a trusted registry, or add {registry} to trusted-registries",
            )
