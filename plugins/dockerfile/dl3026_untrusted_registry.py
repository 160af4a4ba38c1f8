"""## What it does
Flags an image from a registry that is not in the `trusted-registries` setting
(globs such as `registry.example.com` or `*.internal.example`): a `FROM` image, the image
of a `COPY --from=<image>` and of a `RUN --mount=type=cache|bind,from=<image>`. Silent
when the list is empty. Images without a registry come from Docker Hub: trust them with
`docker.io`.

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
COPY --from=eu.gcr.io/acme/tools:1.0 /bin/tool /usr/local/bin/tool
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

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, expand_variables, iter_run_instructions
from imagepolicy.model import Violation, rule

from ._images import external_images, parse_image_ref, trusted
from ._stages import from_reference


def _image(dockerfile: Dockerfile, instr, ref: str | None) -> str | None:
    """``ref`` when it names an image (not a stage, not the build context), else None."""
    if not ref or ref.lower() in ("scratch", "context") or "://" in ref:
        return None
    stage = dockerfile.stage_named(ref)
    if stage is not None and (instr.stage is None or stage.index < instr.stage.index):
        return None
    return ref


def images_used(dockerfile: Dockerfile) -> Iterator[tuple[str, int, str]]:
    """``(instruction, line, image)`` for every image a build pulls: FROM, ``COPY --from`` and
    ``RUN --mount=from=`` (cache and bind mounts), ARGs resolved; stages and unknown values skipped."""
    for stage, _ref, image in external_images(dockerfile):
        yield "FROM", stage.from_instruction.line, image
    for instr in dockerfile.instructions:
        if instr.keyword == "COPY" and instr.from_stage is None:
            copied = _image(dockerfile, instr, from_reference(instr))
            if copied:
                yield "COPY --from", instr.line, copied
    for run in iter_run_instructions(dockerfile):
        for mount in run.mounts:
            raw = mount.options.get("from")
            if mount.type not in ("cache", "bind") or not raw:
                continue
            missing: list[str] = []
            mounted = _image(dockerfile, run, expand_variables(raw, run.variables, missing))
            if mounted and not missing:
                yield f"RUN --mount=type={mount.type},from=", run.line, mounted


@rule("DL3026", "untrusted-registry", "error", "dockerfile", "Image from a registry outside trusted-registries (FROM, COPY --from, RUN --mount from=)")
def check(dockerfile, ctx):
    patterns = list(ctx.settings.get("trusted-registries") or ())
    if not patterns:
        return
    for where, line, image in images_used(dockerfile):
        ref = parse_image_ref(image)
        registry = "docker.io" if ref.hub else (ref.registry or "")
        if not trusted(registry, patterns):
            yield Violation(
                f"{where} {image} comes from {registry}, which is not a trusted registry ({', '.join(patterns)})",
                line=line,
                fix=f"Use an image from a trusted registry, or add {registry} to trusted-registries",
            )
