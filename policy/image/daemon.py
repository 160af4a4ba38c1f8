"""``docker-daemon:NAME``: read an image from the Docker Engine API, streamed, never written to disk.

The endpoint is ``DOCKER_HOST`` as the docker CLI reads it: ``unix://PATH``
(default ``unix:///var/run/docker.sock``), or ``tcp://HOST:PORT`` with TLS when
``DOCKER_TLS_VERIFY`` (verified against ``$DOCKER_CERT_PATH/ca.pem``) or
``DOCKER_TLS`` is set, client certificate ``cert.pem``/``key.pem`` from
``DOCKER_CERT_PATH`` (default ``~/.docker``). Podman's Docker-compatible
service (``podman system service``) is the same API: point ``DOCKER_HOST`` at
its socket. No docker CLI is needed.

Two requests: ``GET /images/NAME/json`` resolves the name to the image ID
(so a tag moved meanwhile cannot mix two images), then ``GET /images/ID/get``
streams the ``docker save`` archive through :mod:`imagepolicy.image.stream`.
Reading a file that was not kept during that pass exports the image again
(once per batch of reads).
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import urllib.parse
from pathlib import Path
from typing import Any, BinaryIO, Mapping

from imagepolicy.model import InputError

from .http import Client, Endpoint, Response, describe_oserror
from .reference import ImageTarget

DEFAULT_HOST = "unix:///var/run/docker.sock"
EXPORT_TIMEOUT = 900.0  # the daemon may prepare a big export for minutes before its first byte
API_TIMEOUT = 60.0


def engine_endpoint(env: Mapping[str, str]) -> Endpoint:
    """The Engine API endpoint ``DOCKER_HOST`` names, with TLS set up from ``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH``."""
    host = env.get("DOCKER_HOST") or DEFAULT_HOST
    if host.startswith("unix://"):
        path = host[len("unix://"):]
        if not path:
            raise InputError(f"DOCKER_HOST={host}: no socket path after unix://")
        return Endpoint("unix", "localhost", 0, socket_path=path)
    if host.startswith("/"):
        return Endpoint("unix", "localhost", 0, socket_path=host)
    parts = urllib.parse.urlsplit(host)
    if parts.scheme in ("tcp", "http", "https"):
        verify = bool(env.get("DOCKER_TLS_VERIFY"))
        tls = verify or bool(env.get("DOCKER_TLS")) or parts.scheme == "https"
        try:
            port = parts.port or (2376 if tls else 2375)
        except ValueError:
            raise InputError(f"DOCKER_HOST={host}: the port is not a number") from None
        if not parts.hostname:
            raise InputError(f"DOCKER_HOST={host}: no host name; expected tcp://HOST:PORT")
        context = _tls_context(env, verify) if tls else None
        return Endpoint("https" if tls else "http", parts.hostname, port, context=context)
    if parts.scheme in ("ssh", "npipe", "fd"):
        raise InputError(f"DOCKER_HOST={host}: {parts.scheme}:// is not supported; use the daemon's unix socket or tcp:// "
                         "(for a remote daemon over ssh: ssh -NL /tmp/docker.sock:/var/run/docker.sock HOST, then DOCKER_HOST=unix:///tmp/docker.sock)")
    raise InputError(f"DOCKER_HOST={host}: expected unix:///PATH or tcp://HOST:PORT")


def _tls_context(env: Mapping[str, str], verify: bool) -> ssl.SSLContext:
    cert_dir = Path(env.get("DOCKER_CERT_PATH") or Path(env.get("HOME") or os.path.expanduser("~")) / ".docker")
    ca, cert, key = cert_dir / "ca.pem", cert_dir / "cert.pem", cert_dir / "key.pem"
    try:
        if verify:
            context = ssl.create_default_context(cafile=str(ca) if ca.is_file() else None)
        else:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if cert.is_file() and key.is_file():
            context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"DOCKER_CERT_PATH={cert_dir}: cannot load the TLS files (ca.pem, cert.pem, key.pem): {describe_oserror(exc)}") from None
    return context


class Engine:
    """A few Engine API calls, with errors that name the daemon and say what to do."""

    def __init__(self, label: str, env: Mapping[str, str]) -> None:
        self.label = label
        self.endpoint = engine_endpoint(env)
        self._host_set = bool(env.get("DOCKER_HOST"))

    def _where(self) -> str:
        return self.endpoint.label + ("" if self._host_set else " (the default; DOCKER_HOST is not set)")

    def _call(self, path: str, timeout: float) -> Response:
        client = Client(self.endpoint, timeout=timeout)
        try:
            return client.request("GET", path, {"Accept": "application/json, application/x-tar"})
        except PermissionError:
            raise InputError(f"{self.label}: permission denied on the Docker daemon's socket {self._where()}; "
                             "run as a user in the docker group, or set DOCKER_HOST to a socket you may use") from None
        except (OSError, http.client.HTTPException) as exc:  # refused, missing socket, TLS, broken response
            if isinstance(exc, ssl.SSLError):
                hint = ("the daemon wants TLS with certificates it trusts: check DOCKER_CERT_PATH (ca.pem, and the client's "
                        "cert.pem and key.pem) and DOCKER_TLS_VERIFY")
            else:
                hint = ("start the Docker daemon, or set DOCKER_HOST to its socket (Podman: podman system service, then "
                        "DOCKER_HOST=unix://$XDG_RUNTIME_DIR/podman/podman.sock)")
            raise InputError(f"{self.label}: cannot reach the Docker daemon at {self._where()}: {describe_oserror(exc)}; {hint}") from None

    def _message(self, resp: Response) -> str:
        body = resp.read_all(16 << 10)
        try:
            text = str(json.loads(body).get("message") or "")
        except (ValueError, AttributeError):
            text = body.decode("utf-8", "replace").strip()
        return text[:300] or resp.reason

    def inspect(self, name: str, bare: bool) -> dict[str, Any]:
        resp = self._call(f"/images/{_quote(name)}/json", API_TIMEOUT)
        if resp.status == 404:
            self._message(resp)
            nofile = " and no file or folder of that name exists" if bare else ""
            raise InputError(
                f"{self.label}: the Docker daemon at {self.endpoint.label} has no image {name}{nofile}; "
                "`docker images` lists the local images; for an image in a registry write docker://REGISTRY/REPOSITORY:TAG"
            )
        if resp.status != 200:
            raise InputError(f"{self.label}: the Docker daemon at {self.endpoint.label} refused to describe image {name}: "
                             f"HTTP {resp.status}: {self._message(resp)}")
        try:
            info = json.loads(resp.read_all(16 << 20))
        except ValueError:
            raise InputError(f"{self.label}: the Docker daemon's answer about image {name} is not JSON") from None
        if not isinstance(info, dict) or not isinstance(info.get("Id"), str):
            raise InputError(f"{self.label}: the Docker daemon's answer about image {name} has no image Id")
        return info

    def export(self, image_id: str) -> BinaryIO:
        resp = self._call(f"/images/{_quote(image_id)}/get", EXPORT_TIMEOUT)
        if resp.status != 200:
            raise InputError(f"{self.label}: the Docker daemon at {self.endpoint.label} could not export image {image_id[:19]}: "
                             f"HTTP {resp.status}: {self._message(resp)}")
        return resp  # type: ignore[return-value]


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe=":/@")


def open_daemon_image(target: ImageTarget, platform: str | None, env: Mapping[str, str] | None = None) -> Any:
    """Read ``target`` (a ``docker-daemon:`` or bare ``NAME:TAG``) from the Engine API as an :class:`Image`."""
    from .image import Image, _layer_infos, check_config
    from .stream import KeepPolicy, StreamContents, assemble, index_stream

    engine = Engine(target.text, os.environ if env is None else env)
    info = engine.inspect(target.name, bare=not target.text.startswith("docker-daemon:"))
    image_id = info["Id"]
    stream = engine.export(image_id)
    try:
        found = index_stream(stream, target.text, KeepPolicy())
    finally:
        stream.close()
    resolved, layers, merged, kept, members = assemble(found, target.text, platform, check_config, _layer_infos)
    resolved.format = "docker-daemon"
    if not resolved.repo_tags:
        resolved.repo_tags = [str(t) for t in info.get("RepoTags") or [] if isinstance(t, str)]
    contents = StreamContents(target.text, lambda: engine.export(image_id), kept, members, found.aliases)
    return Image(target.text, resolved, layers, merged, contents=contents)
