"""In-process stand-ins for a Docker Engine and a registry, to inject the failures real ones rarely show.

The happy paths run against the real dockerd and docker-registry
(``tests/test_image_sources_real.py``); these servers exist for what cannot be
provoked there on demand: 429 and 503 answers, a connection that breaks in
the middle of a layer, a registry without range requests, a token service,
redirects to blob storage on another host, wrong digests and odd media types.

Both serve archives made by :mod:`image_synth`. Every request is recorded
(method, path, headers) so tests can assert what was sent where.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import socketserver
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from image_synth import Members, SymlinkMember


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class _Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


# --- the Engine API over a unix socket -----------------------------------------------------


class FakeDaemon:
    """``GET /images/NAME/json`` and ``GET /images/ID/get`` over a unix socket, from archive files."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.images: dict[str, tuple[str, str, list[str]]] = {}  # name -> (id, archive path, RepoTags)
        self.seen: list[Seen] = []
        self.exports = 0
        self.export_status = 200
        self.cut_export_at: int | None = None
        daemon = self

        class Handler(_Quiet):
            def do_GET(self) -> None:
                daemon.seen.append(Seen("GET", self.path, dict(self.headers)))
                match = re.match(r"^/(?:v[0-9.]+/)?images/(.+)/(json|get)$", self.path)
                if not match:
                    self._send(404, b'{"message":"page not found"}')
                    return
                import urllib.parse

                name, what = urllib.parse.unquote(match.group(1)), match.group(2)
                found = next(((i, p, t) for n, (i, p, t) in daemon.images.items() if name in (n, i)), None)
                if found is None:
                    self._send(404, json.dumps({"message": f"No such image: {name}"}).encode())
                    return
                image_id, path, tags = found
                if what == "json":
                    self._send(200, json.dumps({"Id": image_id, "RepoTags": tags, "Os": "linux", "Architecture": "amd64"}).encode())
                    return
                daemon.exports += 1
                if daemon.export_status != 200:
                    self._send(daemon.export_status, b'{"message":"export failed: disk full"}')
                    return
                with open(path, "rb") as fh:
                    data = fh.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-tar")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                end = len(data) if daemon.cut_export_at is None else daemon.cut_export_at
                for start in range(0, end, 32768):
                    chunk = data[start:min(start + 32768, end)]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                if daemon.cut_export_at is None:
                    self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True
            block_on_close = False

        self._server = Server(socket_path, Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def add(self, name: str, archive: str, tags: list[str] | None = None) -> str:
        with open(archive, "rb") as fh:
            image_id = "sha256:" + hashlib.sha256(fh.read()).hexdigest()
        self.images[name] = (image_id, archive, tags if tags is not None else [name])
        return image_id

    def __enter__(self) -> FakeDaemon:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if os.path.exists(self.socket_path):
            os.unlink(self.socket_path)


# --- a registry (and its token service) over TCP --------------------------------------------


@dataclass
class Registry:
    """What the fake registry serves and how it misbehaves; change fields between requests."""

    repository: str = "team/app"
    tags: dict[str, str] = field(default_factory=dict)  # tag -> manifest digest
    blobs: dict[str, bytes] = field(default_factory=dict)  # digest -> bytes (manifests included)
    media_types: dict[str, str] = field(default_factory=dict)  # manifest digest -> Content-Type
    auth: str | None = None  # None, "basic" or "bearer"
    users: dict[str, str] = field(default_factory=dict)
    pull_allowed: set[str] = field(default_factory=set)  # users who may pull (all users when empty)
    token: str = "tok-3f9a8b7c6d5e4f3a2b1c"
    fail: list[int] = field(default_factory=list)  # statuses to answer the next requests with
    fail_match: str = ""  # only requests whose path contains this
    retry_after: str | None = None
    ranges: bool = True
    cut_blob_at: int | None = None  # break the connection after this many bytes of a layer blob, once
    redirect_blobs: Callable[[str], str] | None = None  # digest -> absolute URL to redirect blob GETs to
    send_digest_header: bool = True
    seen: list[Seen] = field(default_factory=list)


def load_layout(registry: Registry, members: Members, tag: str = "1") -> str:
    """Put an image_synth OCI layout into ``registry`` under ``tag``; returns the top manifest digest."""
    for name, value in members.items():
        if name.startswith("blobs/sha256/") and not isinstance(value, SymlinkMember):
            registry.blobs["sha256:" + name.rsplit("/", 1)[1]] = value
    index = json.loads(members["index.json"])
    top = index["manifests"][0]
    registry.tags[tag] = top["digest"]
    _learn_types(registry, top["digest"], top["mediaType"])
    return top["digest"]


def _learn_types(registry: Registry, digest: str, media_type: str) -> None:
    registry.media_types[digest] = media_type
    doc = json.loads(registry.blobs[digest])
    for desc in doc.get("manifests") or []:
        _learn_types(registry, desc["digest"], desc["mediaType"])


class FakeRegistry:
    """An OCI distribution API on 127.0.0.1 (plain HTTP, or HTTPS), with a token service at ``/token``."""

    def __init__(self, state: Registry | None = None, tls: tuple[str, str] | None = None) -> None:
        """``tls``: (certificate, key) files to serve HTTPS with (see dockerengine's test CA)."""
        self.state = state or Registry()
        self.scheme = "https" if tls else "http"
        self._cut_done = False
        registry = self

        class Handler(_Quiet):
            def do_GET(self) -> None:
                registry._handle(self)

            def do_POST(self) -> None:
                registry._handle(self)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            block_on_close = False
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        if tls:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeRegistry:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- request handling -----------------------------------------------------------------

    def _handle(self, h: _Quiet) -> None:
        s = self.state
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        s.seen.append(Seen(h.command, h.path, dict(h.headers)))
        if s.fail and s.fail_match in h.path:
            status = s.fail.pop(0)
            extra = {"Retry-After": s.retry_after} if s.retry_after else {}
            h._send(status, json.dumps({"errors": [{"code": "TOOMANYREQUESTS" if status == 429 else "UNAVAILABLE", "message": "try later"}]}).encode(), extra)
            return
        if h.path.startswith("/token"):
            self._token(h, body)
            return
        if h.path.startswith("/storage/"):
            digest = h.path.split("/storage/", 1)[1].split("?", 1)[0]
            self._blob(h, digest)
            return
        if not self._authorized(h):
            return
        if h.path == "/v2/":
            h._send(200, b"{}")
            return
        match = re.match(r"^/v2/(.+)/(manifests|blobs)/([^/?]+)$", h.path)
        if not match or match.group(1) != s.repository:
            h._send(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}')
            return
        kind, ref = match.group(2), match.group(3)
        if kind == "manifests":
            digest = s.tags.get(ref, ref)
            if digest not in s.blobs or digest not in s.media_types:
                h._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
                return
            headers = {"Content-Type": s.media_types[digest]}
            if s.send_digest_header:
                headers["Docker-Content-Digest"] = digest
            h._send(200, s.blobs[digest], headers)
            return
        if s.redirect_blobs is not None and ref in s.blobs and ref not in s.media_types:
            h._send(307, b"", {"Location": s.redirect_blobs(ref)})
            return
        self._blob(h, ref)

    def _blob(self, h: _Quiet, digest: str) -> None:
        s = self.state
        data = s.blobs.get(digest)
        if data is None:
            h._send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}')
            return
        start = 0
        wanted = h.headers.get("Range")
        if wanted and s.ranges:
            start = int(wanted.split("=", 1)[1].split("-", 1)[0])
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            h.send_response(200)
        h.send_header("Content-Length", str(len(data) - start))
        h.send_header("Content-Type", "application/octet-stream")
        h.end_headers()
        if s.cut_blob_at is not None and not self._cut_done and len(data) - start > s.cut_blob_at:
            self._cut_done = True
            h.wfile.write(data[start:start + s.cut_blob_at])
            h.wfile.flush()
            h.close_connection = True
            import socket

            h.connection.shutdown(socket.SHUT_RDWR)
            return
        h.wfile.write(data[start:])

    def _basic_user(self, h: _Quiet) -> str | None:
        import base64

        header = h.headers.get("Authorization") or ""
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        return user if self.state.users.get(user) == password else None

    def _authorized(self, h: _Quiet) -> bool:
        s = self.state
        if s.auth is None:
            return True
        header = h.headers.get("Authorization") or ""
        if s.auth == "basic":
            user = self._basic_user(h)
            if user is None:
                h._send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                        {"WWW-Authenticate": 'Basic realm="fake"'})
                return False
            if s.pull_allowed and user not in s.pull_allowed:
                h._send(403, b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}')
                return False
            return True
        if header == f"Bearer {s.token}":
            return True
        realm = f"{self.scheme}://{self.host}/token"
        h._send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                {"WWW-Authenticate": f'Bearer realm="{realm}",service="fake-registry",scope="repository:{s.repository}:pull"'})
        return False

    def _token(self, h: _Quiet, body: bytes) -> None:
        s = self.state
        if h.command == "POST":
            import urllib.parse

            form = dict(urllib.parse.parse_qsl(body.decode()))
            ok = form.get("grant_type") == "refresh_token" and form.get("refresh_token") in s.users.values()
        else:
            ok = self._basic_user(h) is not None or (not s.users and "Authorization" not in h.headers)
        if not ok:
            h._send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
            return
        key = "access_token" if h.command == "POST" else "token"
        h._send(200, json.dumps({key: s.token, "expires_in": 300}).encode(), {"Content-Type": "application/json"})
