"""Image references: parsing, ARG-resolved FROM images, registry trust.

Not a rule module: shared by DL3006, DL3007 and DL3026.
"""

from __future__ import annotations

import fnmatch
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Stage
from imagepolicy.records import record

DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "hub.docker.com"})


@record(frozen=True)
class ImageRef:
    """A parsed image reference: ``[registry/]path[:tag][@digest]``."""

    registry: str | None
    path: str
    tag: str | None
    digest: str | None

    @property
    def hub(self) -> bool:
        """True for Docker Hub images (no registry, or one of Docker Hub's names)."""
        return self.registry is None or self.registry.lower() in DOCKER_HUB_ALIASES


def parse_image_ref(ref: str) -> ImageRef:
    """Split an image reference the way Docker does (a first part with ``.``/``:`` or ``localhost`` is a registry)."""
    name, _, digest = ref.partition("@")
    tag = None
    head, colon, tail = name.rpartition(":")
    if colon and "/" not in tail:
        name, tag = head, tail
    registry = None
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, name = first, rest
    return ImageRef(registry, name, tag, digest or None)


def resolved_base(stage: Stage) -> str | None:
    """The stage's FROM image with ARGs resolved, or None when an ARG has no value."""
    # The model expands FROM with BuildKit's lexer (${IMG%-slim} too); an ARG without a known value leaves it unknown.
    return stage.base if stage.base_known else None


def external_images(dockerfile: Dockerfile) -> Iterator[tuple[Stage, ImageRef, str]]:
    """``(stage, ref, image)`` for every FROM naming an image (not scratch, not an earlier stage)."""
    for stage in dockerfile.stages:
        if stage.base_stage is not None:
            continue
        image = resolved_base(stage)
        if image is None or image.lower() == "scratch":
            continue
        yield stage, parse_image_ref(image), image


def _canonical(registry: str) -> str:
    registry = registry.lower()
    return "docker.io" if registry in DOCKER_HUB_ALIASES else registry


def trusted(registry: str, patterns: list[str]) -> bool:
    """True when ``registry`` matches one of the glob ``patterns`` (case-insensitive, Docker Hub aliases folded)."""
    name = _canonical(registry)
    return any(fnmatch.fnmatchcase(name, _canonical(p)) for p in patterns)
