"""``docker://REGISTRY/REPOSITORY[:TAG|@DIGEST]``: read an image from a registry over the OCI distribution API.

The registry is presented to the reader as a read-only OCI layout
(:class:`RegistryStore`): ``index.json`` points at the manifest the reference
names, and ``blobs/ALG/HEX`` are fetched on demand, manifests from
``/v2/REPO/manifests/DIGEST`` and configs and layers from ``/v2/REPO/blobs/DIGEST``.
So manifest lists and OCI indexes, ``--platform``, layer order, compression
and whiteouts work exactly as for an OCI archive on disk.

What is fetched: the manifest (and, for a multi-platform image, the index and
the chosen platform's manifest), the image config, and every layer blob once,
streamed through the tar scanner and never stored, to list its files. File
contents that rules read later are fetched again with HTTP range requests,
from the nearest resume point recorded while the gzip stream was inflated
(or the file's own offset in an uncompressed layer), so a later read costs a
few MiB at most, not the layer.

Authentication follows the registry's challenge: HTTP basic, or a bearer
token from the ``realm`` it names (scope ``repository:REPO:pull``), with the
credentials :mod:`imagepolicy.image.auth` finds. Requests that fail with 429
or 5xx, or whose connection breaks, are retried with exponential backoff (a
``Retry-After`` is honoured up to a minute). A registry is spoken to over HTTPS,
verified against the system's CAs, ``SSL_CERT_FILE``, and
``/etc/docker/certs.d/HOST/`` or ``/etc/containers/certs.d/HOST/``
(``*.crt`` CAs, ``*.cert``/``*.key`` client pairs); plain HTTP only for
``--insecure-registry`` hosts.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import random
import re
import ssl
import time
import urllib.parse
from pathlib import Path
from typing import Any, BinaryIO, Mapping

from imagepolicy import limits
from imagepolicy.model import InputError

from .auth import Credential, find_credential, redact, remember_secret
from .blobs import SizedReader, Store, blob_path
from .http import Client, Endpoint, Response, describe_oserror
from .reference import ImageTarget

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
SCHEMA1 = ("application/vnd.docker.distribution.manifest.v1+json", "application/vnd.docker.distribution.manifest.v1+prettyjws")
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
MANIFEST_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
IMAGE_CONFIG_TYPES = ("application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json")
ACCEPT = ", ".join([OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST] + [f"{t};q=0.5" for t in SCHEMA1])

MAX_ERROR_BODY = 64 << 10  # an error answer's body: only its error codes are shown
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)
"""Seconds to wait before each retry (with up to 25 % jitter); four retries, five attempts."""
MAX_RETRY_AFTER = 60.0
MAX_REDIRECTS = 5
SKIP_AHEAD = 1 << 20
"""A forward seek within this many bytes reads through instead of opening a new range request."""
CERTS_DIRS = ("/etc/docker/certs.d", "/etc/containers/certs.d")
_TOKEN = re.compile(r"[\x21-\x7e]{1,16384}")  # printable, no spaces: it goes into a header


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def registry_context(host: str) -> ssl.SSLContext:
    """Default CAs (``SSL_CERT_FILE``/``SSL_CERT_DIR`` honoured) plus the host's ``certs.d`` CAs and client pair."""
    context = ssl.create_default_context()
    for root in CERTS_DIRS:
        folder = Path(root) / host
        if not folder.is_dir():
            continue
        try:
            for ca in sorted(folder.glob("*.crt")):
                context.load_verify_locations(cafile=str(ca))
            for cert in sorted(folder.glob("*.cert")):
                key = cert.with_suffix(".key")
                if key.is_file():
                    context.load_cert_chain(str(cert), str(key))
        except (OSError, ssl.SSLError) as exc:
            raise InputError(f"{folder}: cannot load the registry's TLS files: {describe_oserror(exc)}") from None
    return context


def _split_host(netloc: str, default_port: int) -> tuple[str, int]:
    parts = urllib.parse.urlsplit("//" + netloc)
    try:
        return parts.hostname or netloc, parts.port or default_port
    except ValueError:
        raise InputError(f"{netloc}: the registry port is not a number") from None


class RegistryClient:
    """Authenticated, retried GETs against one registry and repository."""

    def __init__(self, target: ImageTarget, options: Any, env: Mapping[str, str]) -> None:
        self.target = target
        self.label = target.text
        self.host = target.api_host
        self.repository = target.repository
        insecure = {h.lower() for h in getattr(options, "insecure_registries", ()) or ()}
        self.insecure = self.host.lower() in insecure or target.registry.lower() in insecure
        self.insecure_hosts = insecure
        self.scheme = "http" if self.insecure else "https"
        self._login = getattr(options, "login", None)
        self._env = env
        self._credential: Credential | None = None
        self._looked_up = False
        self._clients: dict[tuple[str, str, int], Client] = {}
        self._authorization: str | None = None
        self._challenge: dict[str, str] | None = None
        self.requests = 0

    # --- plumbing ------------------------------------------------------------------------

    def credential(self) -> Credential | None:
        if not self._looked_up:
            self._credential = find_credential(self.target.registry, self.repository, self._login, self._env)
            self._looked_up = True
        return self._credential

    def _client(self, scheme: str, netloc: str) -> Client:
        host, port = _split_host(netloc, 443 if scheme == "https" else 80)
        key = (scheme, host, port)
        if key not in self._clients:
            # certs.d is read for the registry itself; other hosts (token service, blob storage) use the default CAs.
            context = (registry_context(netloc) if netloc == self.host else ssl.create_default_context()) if scheme == "https" else None
            self._clients[key] = Client(Endpoint(scheme, host, port, context=context))
        return self._clients[key]

    def where(self) -> str:
        return f"{self.scheme}://{self.host}"

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def get(self, path: str, headers: Mapping[str, str] | None = None, what: str = "") -> Response:
        """GET ``path`` on the registry: authenticated, redirects followed, 429/5xx and broken connections retried.

        Returns the response whatever its status (2xx, or the final 4xx/5xx);
        raises InputError when the registry cannot be reached.
        """
        sent = dict(headers or {})
        scheme, netloc, target = self.scheme, self.host, path
        authorized_host = netloc
        auth_tries = 0
        redirects = 0
        attempt = 0
        while True:
            client = self._client(scheme, netloc)
            request_headers = dict(sent)
            if self._authorization and netloc == authorized_host:
                request_headers["Authorization"] = self._authorization
            self.requests += 1
            try:
                resp = client.request("GET", target, request_headers)
            except (OSError, http.client.HTTPException) as exc:
                if _retryable_error(exc) and attempt < len(RETRY_DELAYS):
                    _sleep(_jitter(RETRY_DELAYS[attempt]))
                    attempt += 1
                    continue
                raise InputError(f"{self.label}: cannot reach the registry at {scheme}://{netloc}: {describe_oserror(exc)}"
                                 + _plain_http_hint(exc, scheme)) from None
            if resp.status == 401 and netloc == authorized_host and auth_tries < 2:
                challenge = resp.header("WWW-Authenticate")
                resp.read_all(MAX_ERROR_BODY)
                auth_tries += 1
                self._authenticate(challenge)
                if self._authorization is None:
                    return resp  # no credentials for this challenge: the caller reports the 401
                continue
            if resp.status in RETRY_STATUSES and attempt < len(RETRY_DELAYS):
                delay = _retry_after(resp.header("Retry-After")) or _jitter(RETRY_DELAYS[attempt])
                resp.read_all(MAX_ERROR_BODY)
                _sleep(delay)
                attempt += 1
                continue
            if resp.status in (301, 302, 303, 307, 308) and resp.header("Location") and redirects < MAX_REDIRECTS:
                location = resp.header("Location")
                resp.read_all(MAX_ERROR_BODY)
                scheme, netloc, target = self._redirect(scheme, netloc, target, location)
                redirects += 1
                continue
            return resp

    def _redirect(self, scheme: str, netloc: str, target: str, location: str) -> tuple[str, str, str]:
        url = urllib.parse.urljoin(f"{scheme}://{netloc}{target}", location)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise InputError(f"{self.label}: the registry redirected to a {parts.scheme or 'relative'} URL; only http(s) is followed")
        if scheme == "https" and parts.scheme == "http" and parts.netloc.lower() not in self.insecure_hosts:
            raise InputError(f"{self.label}: the registry redirected from HTTPS to plain HTTP ({parts.netloc}); refused")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        return parts.scheme, parts.netloc, target

    # --- authentication --------------------------------------------------------------

    def _authenticate(self, challenge: str) -> None:
        scheme, params = parse_challenge(challenge)
        credential = self.credential()
        if scheme == "basic":
            self._authorization = credential.basic() if credential is not None and not credential.identity_token else None
            return
        if scheme != "bearer" or not params.get("realm"):
            self._authorization = None
            return
        if credential is not None and credential.registry_token:
            self._authorization = f"Bearer {credential.secret}"
            return
        self._authorization = f"Bearer {self._token(params, credential)}"

    def _token(self, params: dict[str, str], credential: Credential | None) -> str:
        realm = params["realm"]
        parts = urllib.parse.urlsplit(realm)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise InputError(f"{self.label}: the registry's token realm is not an http(s) URL")
        if parts.scheme == "http" and parts.netloc.lower() not in self.insecure_hosts:
            raise InputError(f"{self.label}: the registry's token service {parts.scheme}://{parts.netloc} is plain HTTP; "
                             "credentials are only sent over HTTPS (or to an --insecure-registry host)")
        query = [("scope", f"repository:{self.repository}:pull")]
        if params.get("service"):
            query.insert(0, ("service", params["service"]))
        client = self._client(parts.scheme, parts.netloc)
        headers = {"Accept": "application/json"}
        body = None
        method = "GET"
        if credential is not None and credential.identity_token:
            method = "POST"
            form = [("grant_type", "refresh_token"), ("refresh_token", credential.secret), ("client_id", "imagepolicy"), *query]
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            path = parts.path or "/"
        else:
            if credential is not None:
                headers["Authorization"] = credential.basic()
                query.append(("account", credential.username))
            path = (parts.path or "/") + "?" + "&".join(filter(None, [parts.query, urllib.parse.urlencode(query)]))
        for attempt in range(len(RETRY_DELAYS) + 1):
            try:
                resp = client.request(method, path, headers, body)
            except (OSError, http.client.HTTPException) as exc:
                if _retryable_error(exc) and attempt < len(RETRY_DELAYS):
                    _sleep(_jitter(RETRY_DELAYS[attempt]))
                    continue
                raise InputError(f"{self.label}: cannot reach the registry's token service at {parts.scheme}://{parts.netloc}: "
                                 f"{describe_oserror(exc)}") from None
            if resp.status in RETRY_STATUSES and attempt < len(RETRY_DELAYS):
                resp.read_all(MAX_ERROR_BODY)
                _sleep(_retry_after(resp.header("Retry-After")) or _jitter(RETRY_DELAYS[attempt]))
                continue
            break
        data = resp.read_all(1 << 20)
        if resp.status in (401, 403):
            raise InputError(self._denied(resp.status, "the token service"))
        if resp.status != 200:
            raise InputError(f"{self.label}: the registry's token service at {parts.scheme}://{parts.netloc} answered "
                             f"HTTP {resp.status}{_error_codes(data)}")
        try:
            doc = json.loads(data)
            token = doc.get("token") or doc.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token or not _TOKEN.fullmatch(token):
            raise InputError(f"{self.label}: the registry's token service at {parts.scheme}://{parts.netloc} gave no usable token")
        remember_secret(token)
        return token

    def _denied(self, status: int, who: str = "the registry") -> str:
        credential = self.credential()
        if credential is None:
            return (f"{self.label}: {who} refused anonymous access (HTTP {status}): the image is private or does not exist; "
                    f"log in (docker login {self.target.registry}), set REGISTRY_AUTH_FILE, or pass --registry-username "
                    "with the password in --registry-password-env")
        if status == 401:
            return f"{self.label}: {who} refused the credentials from {credential.source} (HTTP 401); check the user name and password or token"
        return (f"{self.label}: the credentials from {credential.source} may not pull {self.repository} (HTTP 403); "
                "the token needs read access to this repository (for GitHub: packages: read)")

    # --- documents ---------------------------------------------------------------------

    def failure(self, resp: Response, what: str) -> InputError:
        """The InputError for a failed request for ``what``: 401/403, 404 or other, naming the registry's error codes."""
        body = resp.read_all(MAX_ERROR_BODY)
        if resp.status in (401, 403):
            denied = self._denied(resp.status)
            if self.target.registry == "docker.io" and resp.status == 401 and self.credential() is None:
                denied += " (Docker Hub answers 401 for repositories that do not exist)"
            return InputError(denied)
        if resp.status == 404:
            return InputError(f"{self.label}: {what} not found in the registry at {self.where()} (HTTP 404{_error_codes(body, ', ')}); "
                              "check the repository name and the tag or digest")
        return InputError(f"{self.label}: the registry at {self.where()} answered HTTP {resp.status} for {what}{_error_codes(body)}")

    def manifest(self, reference: str, expected_digest: str | None = None) -> tuple[bytes, str, str]:
        """Fetch a manifest or index by tag or digest: (body, media type, digest); digests are verified."""
        what = f"manifest {reference}" if expected_digest or ":" in reference else f"tag {reference} of {self.repository}"
        resp = self.get(f"/v2/{self.repository}/manifests/{reference}", {"Accept": ACCEPT}, what)
        if resp.status != 200:
            raise self.failure(resp, what)
        limit = limits.get("json-bytes")
        body = resp.read_all(limit + 1)
        if len(body) > limit:
            raise limits.LimitExceeded("json-bytes", f"{self.label}: {what}", f"more than {limit:,} bytes")
        media_type = _media_type(resp.header("Content-Type"), body)
        # The reader checks what it reads against the digest that names it; a tag has none, but
        # the registry says which digest it served, and that must be what came.
        digest = _announced(body, resp.header("Docker-Content-Digest"), f"{self.label}: {what}")
        if media_type in SCHEMA1:
            raise InputError(f"{self.label}: {what} is a Docker schema 1 manifest ({media_type}), which is deprecated and not supported; "
                             "push the image again with a current docker, buildah or skopeo")
        if media_type not in INDEX_TYPES + MANIFEST_TYPES:
            raise InputError(f"{self.label}: {what} has media type {media_type or 'none'}, which is not an image manifest or index "
                             f"(expected one of {', '.join(INDEX_TYPES + MANIFEST_TYPES)})")
        return body, media_type, digest

    def blob(self, digest: str, what: str) -> bytes:
        """Fetch a small blob (the image config) whole; the reader checks it against its digest."""
        resp = self.get(f"/v2/{self.repository}/blobs/{digest}", {}, what)
        if resp.status != 200:
            raise self.failure(resp, what)
        limit = limits.get("json-bytes")
        body = resp.read_all(limit + 1)
        if len(body) > limit:
            raise limits.LimitExceeded("json-bytes", f"{self.label}: {what}", f"more than {limit:,} bytes")
        return body


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="...",service="..."`` -> ("bearer", {"realm": ..., "service": ...})."""
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        while pos < len(rest) and rest[pos] in " ,":
            pos += 1
        eq = rest.find("=", pos)
        if eq < 0:
            break
        key = rest[pos:eq].strip().lower()
        pos = eq + 1
        if pos < len(rest) and rest[pos] == '"':
            pos += 1
            value = []
            while pos < len(rest) and rest[pos] != '"':
                if rest[pos] == "\\" and pos + 1 < len(rest):
                    pos += 1
                value.append(rest[pos])
                pos += 1
            pos += 1
            params[key] = "".join(value)
        else:
            end = rest.find(",", pos)
            end = len(rest) if end < 0 else end
            params[key] = rest[pos:end].strip()
            pos = end
    return scheme.lower(), params


def _jitter(delay: float) -> float:
    return delay * (1 + random.random() * 0.25)


def _retry_after(value: str) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _retryable_error(exc: BaseException) -> bool:
    """Broken connections and timeouts are retried; refused connections, DNS and TLS failures are not."""
    if isinstance(exc, (ConnectionRefusedError, ssl.SSLError)):
        return False
    import socket

    if isinstance(exc, socket.gaierror):
        return False
    return isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, TimeoutError,
                            http.client.RemoteDisconnected, http.client.IncompleteRead, socket.timeout))


def _plain_http_hint(exc: BaseException, scheme: str) -> str:
    if scheme == "https" and isinstance(exc, ssl.SSLError) and "WRONG_VERSION_NUMBER" in str(exc):
        return "; the registry speaks plain HTTP: if it is a test registry, allow it with --insecure-registry"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "; trust its CA with SSL_CERT_FILE or /etc/docker/certs.d/HOST/ca.crt"
    return ""


def _error_codes(body: bytes, sep: str = ": ") -> str:
    """The registry's error codes and messages (``MANIFEST_UNKNOWN: manifest unknown``), redacted and short."""
    try:
        errors = json.loads(body).get("errors")
    except (ValueError, AttributeError):
        return ""
    if not isinstance(errors, list):
        return ""
    said = []
    for error in errors[:3]:
        if isinstance(error, dict):
            code, message = str(error.get("code") or ""), str(error.get("message") or "")
            said.append(f"{code}: {message}"[:200] if message else code[:100])
    return (sep + redact("; ".join(said))) if said else ""


def _media_type(header: str, body: bytes) -> str:
    declared = header.split(";", 1)[0].strip().lower()
    if declared and declared not in ("application/json", "text/plain", "application/octet-stream"):
        return declared
    try:
        doc = json.loads(body)
    except ValueError:
        return declared
    if not isinstance(doc, dict):
        return declared
    if isinstance(doc.get("mediaType"), str):
        return doc["mediaType"]
    if doc.get("schemaVersion") == 1:
        return SCHEMA1[0]
    if "manifests" in doc:
        return OCI_INDEX
    if "layers" in doc and "config" in doc:
        return OCI_MANIFEST
    return declared


def _announced(body: bytes, header: str, what: str) -> str:
    """The sha256 digest of ``body``; InputError when the registry's ``Docker-Content-Digest`` names another."""
    actual = "sha256:" + hashlib.sha256(body).hexdigest()
    claimed = header.strip().lower()
    if claimed.startswith("sha256:") and claimed != actual:
        raise InputError(f"{what}: digest mismatch: the registry's Docker-Content-Digest is {claimed} but the content "
                         f"hashes to {actual}; the registry or something between it and here changed the data")
    return actual


class _BlobFile(SizedReader):
    """A layer blob as a seekable file: each read streams from the registry, a seek opens a range request.

    A connection that breaks mid-blob is resumed from the current offset with
    a range request (after the usual backoff).
    """

    def __init__(self, client: RegistryClient, digest: str, size: int) -> None:
        self._client = client
        self._digest = digest
        self._size = size
        self._pos = 0
        self._resp: Response | None = None
        self._resp_pos = 0
        self._broken = 0

    def _open(self) -> None:
        self._drop()
        headers = {"Range": f"bytes={self._pos}-"} if self._pos else {}
        what = f"layer blob {self._digest}"
        resp = self._client.get(f"/v2/{self._client.repository}/blobs/{self._digest}", headers, what)
        if resp.status == 206:
            start = _range_start(resp.header("Content-Range"))
            if start != self._pos:
                resp.close()
                raise InputError(f"{self._client.label}: {what}: the registry answered a range request from byte {self._pos} "
                                 f"with bytes from {start}")
            self._resp, self._resp_pos = resp, self._pos
            return
        if resp.status != 200:
            raise self._client.failure(resp, what)
        self._resp, self._resp_pos = resp, 0  # no range support: read from the start and skip

    def _drop(self) -> None:
        if self._resp is not None:
            self._resp.close()
            self._resp = None

    def readinto(self, target: Any) -> int:
        if self._pos >= self._size:
            return 0
        if self._resp is not None and 0 <= self._pos - self._resp_pos <= SKIP_AHEAD:
            self._skip_to(self._pos)
        if self._resp is None or self._resp_pos != self._pos:
            self._open()
            self._skip_to(self._pos)
        assert self._resp is not None
        want = min(len(target), self._size - self._pos)
        try:
            data = self._resp.read(want)
        except (OSError, http.client.HTTPException) as exc:
            return self._resume(exc, target)
        if not data:
            return self._resume(None, target)
        n = len(data)
        target[:n] = data
        self._pos += n
        self._resp_pos += n
        return n

    def _skip_to(self, pos: int) -> None:
        assert self._resp is not None
        while self._resp_pos < pos:
            chunk = self._resp.read(min(pos - self._resp_pos, 1 << 20))
            if not chunk:
                self._drop()
                raise InputError(f"{self._client.label}: layer blob {self._digest} ended at byte {self._resp_pos} of {self._size}")
            self._resp_pos += len(chunk)

    def _resume(self, exc: BaseException | None, target: Any) -> int:
        self._drop()
        if self._broken >= len(RETRY_DELAYS):
            reason = describe_oserror(exc) if exc is not None else "the connection closed early"
            raise InputError(f"{self._client.label}: layer blob {self._digest} broke off at byte {self._pos} of {self._size}: {reason}")
        _sleep(_jitter(RETRY_DELAYS[self._broken]))
        self._broken += 1
        return self.readinto(target)

    def close(self) -> None:
        self._drop()
        super().close()


def _range_start(content_range: str) -> int:
    try:
        return int(content_range.split(" ", 1)[1].split("-", 1)[0])
    except (IndexError, ValueError):
        return -1


class RegistryStore(Store):
    """The registry's view of one image as an OCI layout: ``index.json`` plus ``blobs/ALG/HEX``, fetched on demand."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self.label = client.label
        self._docs: dict[str, bytes] = {}
        self._kinds: dict[str, tuple[str, int, str]] = {}  # digest -> (manifest|config|layer, size, media type)
        self._foreign: set[str] = set()

    @property
    def names(self) -> list[str]:
        return ["index.json", *(blob_path(d, self.label) for d in self._kinds)]

    def start(self) -> None:
        """Fetch the manifest the reference names and describe it as the only entry of ``index.json``."""
        target = self.client.target
        body, media_type, digest = self.client.manifest(target.reference, target.digest or None)
        digest = target.digest or digest  # asked by digest: the reader checks the body against it
        self._remember(digest, body, media_type)
        annotations = {"org.opencontainers.image.ref.name": target.tag} if target.tag else {}
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX,
                 "manifests": [{"mediaType": media_type, "digest": digest, "size": len(body), "annotations": annotations}]}
        self._docs["index.json"] = json.dumps(index).encode()
        if media_type in MANIFEST_TYPES:
            config_type = str((json.loads(body).get("config") or {}).get("mediaType") or "")
            if config_type and config_type not in IMAGE_CONFIG_TYPES:
                raise InputError(f"{self.label}: {target.pretty} is not a container image: its config has media type {config_type} "
                                 "(an OCI artifact such as a Helm chart or signature)")

    def _remember(self, digest: str, body: bytes, media_type: str) -> None:
        """Keep a fetched manifest or index and learn the kinds and sizes of what it points at."""
        name = blob_path(digest, self.label)
        self._docs[name] = body
        self._kinds[digest] = ("manifest", len(body), media_type)
        try:
            doc = json.loads(body)
        except ValueError:
            raise InputError(f"{self.label}: manifest {digest} is not valid JSON") from None
        if not isinstance(doc, dict):
            raise InputError(f"{self.label}: manifest {digest} is not a JSON object")
        for desc in doc.get("manifests") or []:
            if isinstance(desc, dict) and isinstance(desc.get("digest"), str):
                self._kinds.setdefault(desc["digest"], ("manifest", _size(desc), str(desc.get("mediaType") or "")))
        config = doc.get("config")
        if isinstance(config, dict) and isinstance(config.get("digest"), str):
            self._kinds.setdefault(config["digest"], ("config", _size(config), str(config.get("mediaType") or "")))
        for desc in doc.get("layers") or []:
            if isinstance(desc, dict) and isinstance(desc.get("digest"), str):
                media = str(desc.get("mediaType") or "")
                if "foreign" in media or "nondistributable" in media or desc.get("urls"):
                    self._foreign.add(desc["digest"])
                elif media.endswith("+encrypted"):
                    raise InputError(f"{self.label}: layer {desc['digest']} is encrypted ({media}); imagepolicy cannot read it")
                self._kinds.setdefault(desc["digest"], ("layer", _size(desc), media))

    def _digest(self, name: str) -> str | None:
        parts = name.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "blobs":
            return f"{parts[1]}:{parts[2]}"
        return None

    def has(self, name: str) -> bool:
        if name.strip("/") == "index.json":
            return True
        digest = self._digest(name)
        return digest is not None and digest in self._kinds and digest not in self._foreign

    def size(self, name: str) -> int:
        if name.strip("/") == "index.json":
            return len(self._docs["index.json"])
        digest = self._digest(name)
        if digest is None or digest not in self._kinds:
            raise InputError(f"{self.label}: no blob '{name}' is referenced by the image's manifests")
        return self._kinds[digest][1]

    def open(self, name: str) -> BinaryIO:
        key = name.strip("/")
        if key in self._docs:
            return io.BytesIO(self._docs[key])
        digest = self._digest(name)
        if digest is None or digest not in self._kinds:
            raise InputError(f"{self.label}: no blob '{name}' is referenced by the image's manifests")
        kind, size, media_type = self._kinds[digest]
        if kind == "manifest":
            body, fetched_type, _ = self.client.manifest(digest, digest)
            self._remember(digest, body, fetched_type)
            return io.BytesIO(body)
        if kind == "config":
            body = self.client.blob(digest, f"image config {digest}")
            self._docs[key] = body
            return io.BytesIO(body)
        return io.BufferedReader(_BlobFile(self.client, digest, size), 1 << 20)

    def view(self) -> RegistryStore:
        """A store for later file reads: same registry session, same documents, nothing refetched."""
        return self

    def close(self) -> None:
        pass  # the client's connections outlive one pass: file reads come later


def _size(desc: dict) -> int:
    size = desc.get("size")
    return size if isinstance(size, int) and size >= 0 else 0


def open_registry_image(target: ImageTarget, platform: str | None, options: Any, env: Mapping[str, str]) -> Any:
    """Read ``target`` (``docker://...``) from its registry as an :class:`Image`."""
    from .image import image_from_store

    client = RegistryClient(target, options, env)
    store = RegistryStore(client)
    store.start()
    return image_from_store(target.text, store, platform, opener=store.view, fmt="registry")
