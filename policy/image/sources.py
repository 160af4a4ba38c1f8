"""Open any ``--image`` value: an archive or layout, an image in the Docker daemon, or one in a registry.

:func:`open_target` is what the engine calls. The daemon and registry
transports (and the HTTP, TLS and credential code they need) are imported
only when such an image is named, so checking archives costs nothing more.
Every error message passes through :func:`imagepolicy.image.auth.redact`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from imagepolicy.model import InputError

from .reference import ImageTarget, missing_archive_hint, parse_target


@dataclass(frozen=True)
class SourceOptions:
    """How to reach daemons and registries: explicit login, plain-HTTP registries, the environment."""

    login: Any = None  # auth.ExplicitLogin
    insecure_registries: frozenset[str] = frozenset()
    env: Mapping[str, str] | None = field(default=None, compare=False)


def open_target(text: str, platform: str | None = None, options: SourceOptions | None = None, *, verify_later: bool = False) -> Any:
    """Read the image ``text`` names (see :mod:`imagepolicy.image.reference`); InputError when it cannot be read.

    ``verify_later``: an archive's or layout's layers may still be hashing when it returns; the caller
    calls ``verify()`` on the image before it reports anything (see :func:`~.image.open_image`)."""
    options = options or SourceOptions()
    target = parse_target(text)
    if target.kind == "archive":
        from .image import open_image

        if not os.path.lexists(target.path):
            raise InputError(f"{text}: no such file or folder; expected an image archive (docker save / skopeo copy output), "
                             f"an OCI layout folder, docker-daemon:NAME:TAG or docker://REGISTRY/REPOSITORY:TAG"
                             f"{missing_archive_hint(target.path)}")
        from imagepolicy import tree

        tree.check_image_path(target.path, text)  # docker-archive:PATH too: a FIFO or a link out of the tree is refused
        return open_image(target.path, platform=platform, verify_later=verify_later)
    from .auth import redact

    env = os.environ if options.env is None else options.env
    try:
        if target.kind == "daemon":
            from .daemon import open_daemon_image

            return open_daemon_image(target, platform, env)
        from .registry import open_registry_image

        return open_registry_image(target, platform, options, env)
    except InputError as exc:
        raise InputError(redact(str(exc))) from None
    except Exception as exc:  # a bug of ours: its text may quote a header, so redact before anyone prints it
        text = redact(str(exc))
        if text != str(exc):
            raise RuntimeError(text) from None
        raise


def registries_of(texts: list[str]) -> list[str]:
    """The registries (``host[:port]``) the ``docker://`` values among ``texts`` name, in order, once each."""
    found: list[str] = []
    for text in texts:
        try:
            target: ImageTarget = parse_target(text)
        except InputError:
            continue
        if target.kind == "registry" and target.registry not in found:
            found.append(target.registry)
    return found
