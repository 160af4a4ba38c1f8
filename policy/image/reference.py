"""What an ``--image`` value names: an archive or layout on disk, an image in the Docker daemon, or one in a registry.

Transports are written as skopeo and trivy write them:

* ``docker-daemon:NAME[:TAG|@DIGEST]`` (or an image ID): the Docker Engine API at ``DOCKER_HOST``;
* ``docker://REGISTRY/REPOSITORY[:TAG|@DIGEST]`` (also ``registry:``): a registry, over the OCI distribution API;
* ``docker-archive:PATH``, ``oci-archive:PATH``, ``oci:PATH`` or a bare path: a file or folder.

A bare ``NAME:TAG`` that is no file or folder means the daemon's image, as
``docker run`` reads it. When a file of that name exists too, the value is
ambiguous and refused with the two ways to say which is meant.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable

from imagepolicy.model import InputError

DAEMON_PREFIX = "docker-daemon:"
REGISTRY_PREFIXES = ("docker://", "registry://", "registry:")
ARCHIVE_PREFIXES = ("docker-archive:", "oci-archive:", "oci:")
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"

# distribution/reference's grammar (reference/regexp.go)
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"^(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?$")
_PATH_REFERENCE = re.compile(rf"^(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?$")
_IMAGE_ID = re.compile(r"^(?:sha256:)?[0-9a-f]{12,64}$")


@dataclass(frozen=True)
class ImageTarget:
    """One ``--image`` value, classified. ``text`` is the value as given (its name in reports)."""

    kind: str  # "archive", "daemon" or "registry"
    text: str
    path: str = ""
    name: str = ""
    registry: str = ""
    repository: str = ""
    tag: str = ""
    digest: str = ""

    @property
    def reference(self) -> str:
        """The tag or digest to ask the registry for (the digest wins)."""
        return self.digest or self.tag or "latest"

    @property
    def api_host(self) -> str:
        """The host to talk to: Docker Hub's API lives at registry-1.docker.io."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def pretty(self) -> str:
        """``registry/repository:tag`` (or ``@digest``) for messages."""
        ref = f"@{self.digest}" if self.digest else f":{self.tag or 'latest'}"
        return f"{self.registry}/{self.repository}{ref}"


def _split_reference(text: str) -> re.Match[str] | None:
    return _REFERENCE.match(text) if len(text) <= 512 else None


def _has_domain(first: str) -> bool:
    """Docker's rule: the first component is a registry when it has a dot or a port, is localhost, or has capitals."""
    return "." in first or ":" in first or first == "localhost" or first.lower() != first or first.startswith("[")


def parse_registry_reference(text: str, shown: str) -> ImageTarget:
    """``REGISTRY/REPOSITORY[:TAG|@DIGEST]`` as Docker reads it (no registry: Docker Hub, ``library/`` for one component)."""
    rest = text
    if "://" in rest or "@" in rest.split("/", 1)[0]:
        raise InputError(f"{shown}: a registry reference takes no scheme or user name (write docker://REGISTRY/REPOSITORY:TAG; "
                         "credentials come from docker login, REGISTRY_AUTH_FILE or --registry-username)")
    first, slash, remainder = rest.partition("/")
    if slash and _has_domain(first):
        domain, path = first.lower(), remainder
    else:
        domain, path = DOCKER_HUB, rest
    if domain in ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"):
        domain = DOCKER_HUB
    match = _PATH_REFERENCE.match(path) if len(path) <= 512 else None
    if not match:
        raise InputError(f"{shown}: not a valid image reference; expected docker://REGISTRY/REPOSITORY[:TAG|@DIGEST] "
                         "with a lower-case repository, e.g. docker://ghcr.io/acme/app:1.2")
    repository = match.group("path")
    if domain == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return ImageTarget("registry", shown, registry=domain, repository=repository,
                       tag=match.group("tag") or "", digest=match.group("digest") or "")


def _looks_like_reference(text: str) -> bool:
    """A bare value that names an image with a tag or digest (``app:ci``, ``ghcr.io/a/b@sha256:...``)."""
    match = _split_reference(text)
    return bool(match and (match.group("tag") or match.group("digest")))


def parse_target(text: str, exists: Callable[[str], bool] = os.path.lexists) -> ImageTarget:
    """Classify an ``--image`` value; InputError for a malformed or ambiguous one."""
    if text.startswith(DAEMON_PREFIX):
        name = text[len(DAEMON_PREFIX):]
        if name.startswith("//"):
            name = name[2:]
        if not name or any(c.isspace() or ord(c) < 32 for c in name) or len(name) > 512 or not (
            _split_reference(name) or _IMAGE_ID.match(name)
        ):
            raise InputError(f"{text}: expected docker-daemon:NAME[:TAG|@DIGEST] or docker-daemon:IMAGE-ID, e.g. docker-daemon:app:ci")
        return ImageTarget("daemon", text, name=name)
    for prefix in REGISTRY_PREFIXES:
        if text.startswith(prefix):
            return parse_registry_reference(text[len(prefix):], text)
    for prefix in ARCHIVE_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            return ImageTarget("archive", text, path=text[len(prefix):])
    if exists(text):
        if _looks_like_reference(text) and not text.startswith(("/", "./", "../", "~")):
            raise InputError(
                f"{text}: ambiguous: a file or folder of this name exists here and it is also an image name; "
                f"write ./{text} for the file, or docker-daemon:{text} for the image in the Docker daemon"
            )
        return ImageTarget("archive", text, path=text)
    if _looks_like_reference(text):
        return ImageTarget("daemon", text, name=text)
    return ImageTarget("archive", text, path=text)


def missing_archive_hint(text: str) -> str:
    """For an archive path that does not exist: a hint when it reads like an image name without a tag."""
    match = _split_reference(text)
    if match and not text.endswith((".tar", ".tgz", ".gz")):
        return f"; to check the image {text}:latest in the Docker daemon write docker-daemon:{text}, for a registry docker://{text}"
    return ""
