"""Just enough HTTP/1.1 for image sources: the Docker Engine API and OCI registries.

Standard library only (``http.client``, ``socket``, ``ssl``), imported only when
a ``docker-daemon:`` or ``docker://`` image is checked. A :class:`Client` talks
to one endpoint (a unix socket, or a host over HTTP or HTTPS, through an
``HTTPS_PROXY``/``HTTP_PROXY`` when the environment names one) and keeps one
idle keep-alive connection for the next request. Responses are streamed: the
caller reads what it needs and closes them.

Nothing here logs or formats request headers, so credentials a caller puts in
``Authorization`` never reach a message.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import BinaryIO, Mapping

CONNECT_TIMEOUT = 30.0
READ_TIMEOUT = 120.0
MAX_ERROR_BODY = 64 << 10


@dataclass(frozen=True)
class Endpoint:
    """Where to connect: ``scheme`` is ``unix``, ``http`` or ``https``.

    ``label`` names the endpoint in messages (``unix:///var/run/docker.sock``,
    ``https://registry.example.com``); it never holds credentials.
    """

    scheme: str
    host: str
    port: int
    socket_path: str = ""
    context: ssl.SSLContext | None = field(default=None, compare=False, hash=False)

    @property
    def label(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.socket_path}"
        default = 443 if self.scheme == "https" else 80
        return f"{self.scheme}://{self.netloc if self.port != default else self._host}"

    @property
    def _host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def netloc(self) -> str:
        return f"{self._host}:{self.port}"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _proxy_for(endpoint: Endpoint) -> str | None:
    """The proxy URL the environment names for ``endpoint`` (``NO_PROXY`` honoured), or None."""
    if endpoint.scheme == "unix":
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(endpoint.scheme)
    if not proxy or urllib.request.proxy_bypass(endpoint.netloc) or urllib.request.proxy_bypass(endpoint.host):
        return None
    return proxy


class Response:
    """A streamed response; read it (``read``/``read_all``) and close it."""

    def __init__(self, client: Client, conn: http.client.HTTPConnection, raw: http.client.HTTPResponse) -> None:
        self._client = client
        self._conn = conn
        self.raw = raw
        self._closed = False
        self.status = raw.status
        self.reason = raw.reason
        self.headers = raw.headers

    def header(self, name: str) -> str:
        return self.raw.getheader(name) or ""

    def read(self, size: int = -1) -> bytes:
        return self.raw.read(size) if size is not None and size >= 0 else self.raw.read()

    def readinto(self, target: bytearray | memoryview) -> int:
        return self.raw.readinto(target)

    def read_all(self, limit: int) -> bytes:
        """The whole body, at most ``limit`` bytes (the rest is dropped with the connection)."""
        if self._closed:
            return b""
        data = self.raw.read(limit + 1)
        if len(data) > limit:
            self._drop()
            return data[:limit]
        self.close()
        return data

    @property
    def stream(self) -> BinaryIO:
        return self.raw

    def _drop(self) -> None:
        self._closed = True
        self.raw.close()
        self._conn.close()

    def close(self) -> None:
        """Give the connection back for reuse when the body was read to its end, else drop it."""
        if self._closed:
            return
        if self.raw.isclosed() and not self.raw.will_close:
            self._closed = True
            self._client._release(self._conn)
        else:
            self._drop()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Client:
    """Requests to one endpoint, reusing one keep-alive connection."""

    def __init__(self, endpoint: Endpoint, timeout: float = READ_TIMEOUT) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._idle: http.client.HTTPConnection | None = None
        self._proxy = _proxy_for(endpoint)

    def _connect(self) -> http.client.HTTPConnection:
        ep = self.endpoint
        if ep.scheme == "unix":
            return _UnixConnection(ep.socket_path, self.timeout)
        if self._proxy:
            parts = urllib.parse.urlsplit(self._proxy if "://" in self._proxy else "http://" + self._proxy)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            headers = {}
            if parts.username:
                import base64

                pair = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
                headers["Proxy-Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
            if ep.scheme == "https":
                # CONNECT through the (plain HTTP) proxy, then TLS end to end with the registry.
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    parts.hostname or "", port, timeout=self.timeout, context=ep.context
                )
                conn.set_tunnel(ep.host, ep.port, headers=headers)
                return conn
            conn = http.client.HTTPConnection(parts.hostname or "", port, timeout=self.timeout)
            conn._imagepolicy_proxy_headers = headers  # type: ignore[attr-defined]
            return conn
        if ep.scheme == "https":
            return http.client.HTTPSConnection(ep.host, ep.port, timeout=self.timeout, context=ep.context)
        return http.client.HTTPConnection(ep.host, ep.port, timeout=self.timeout)

    def _release(self, conn: http.client.HTTPConnection) -> None:
        if self._idle is not None:
            self._idle.close()
        self._idle = conn

    def request(self, method: str, target: str, headers: Mapping[str, str] | None = None, body: bytes | None = None) -> Response:
        """Send one request (``target`` is the path and query) and return the streamed response.

        Raises ``OSError`` (refused, unreachable, timed out, TLS failure) and
        ``http.client.HTTPException`` for broken responses; a reused
        connection the server had closed is retried once on a fresh one.
        """
        sent = dict(headers or {})
        sent.setdefault("User-Agent", "imagepolicy")
        for attempt in (0, 1):
            conn, reused = (self._idle, True) if self._idle is not None else (self._connect(), False)
            self._idle = None
            path = target
            if self._proxy and self.endpoint.scheme == "http":
                path = f"http://{self.endpoint.netloc}{target}"
                sent.update(getattr(conn, "_imagepolicy_proxy_headers", {}))
            try:
                conn.request(method, path, body=body, headers=sent)
                raw = conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if reused and attempt == 0:
                    continue  # the server closed the idle connection: once more on a new one
                raise
            except BaseException:
                conn.close()
                raise
            return Response(self, conn, raw)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self._idle is not None:
            self._idle.close()
            self._idle = None


def describe_oserror(exc: BaseException) -> str:
    """A short reason for a connection failure, without the object's repr noise."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({exc.verify_message or exc.reason})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, socket.gaierror):
        return f"name not resolved ({exc.strerror or exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, http.client.HTTPException):
        return f"broken HTTP response ({type(exc).__name__})"
    return str(exc) or type(exc).__name__
