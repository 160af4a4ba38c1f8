"""Registry credentials, looked up the way docker, podman and skopeo look them up, and kept secret.

Order, first match wins:

1. ``--registry-username USER`` with the password in the environment variable
   ``--registry-password-env`` names (default ``IMAGEPOLICY_REGISTRY_PASSWORD``),
   for the one registry they are meant for (see :class:`ExplicitLogin`): CI jobs
   pass ``CI_REGISTRY_USER``/``CI_REGISTRY_PASSWORD`` (GitLab) or the actor and
   ``GITHUB_TOKEN`` (ghcr.io) this way;
2. ``$REGISTRY_AUTH_FILE`` (podman, skopeo, buildah), then
   ``$XDG_RUNTIME_DIR/containers/auth.json`` and ``~/.config/containers/auth.json``;
3. ``$DOCKER_CONFIG/config.json`` (default ``~/.docker/config.json``).

In each file ``credHelpers[registry]`` wins, then ``credsStore`` (both run
``docker-credential-NAME get``, found on ``PATH``), then ``auths`` entries
(``auth`` = base64 ``user:password``, or ``username``/``password``, or an
``identitytoken``); keys may carry a scheme or a ``/v1/`` path, and podman's
keys may name a repository (``quay.io/team``), the longest match winning.

Every secret found is registered with :func:`redact`, which the image sources
apply to each message they raise, so no password or token reaches output,
reports or logs. :class:`Credential` never shows its secret in ``repr``.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from imagepolicy.model import InputError

DEFAULT_PASSWORD_ENV = "IMAGEPOLICY_REGISTRY_PASSWORD"
DOCKER_HUB_KEYS = ("docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com")
HELPER_TIMEOUT = 60
_HELPER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_MAX_AUTH_FILE = 4 << 20

_SECRETS: set[str] = set()


def remember_secret(value: str | None) -> None:
    """Register ``value`` (and its base64 forms) so :func:`redact` hides it everywhere."""
    if not value or len(value) < 4:
        return
    _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***`` (longest first)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


@dataclass(frozen=True)
class Credential:
    """A username and its secret (a password, or an OAuth2 refresh token when ``identity_token``).

    ``source`` says where it came from, for messages (``~/.docker/config.json``,
    ``docker-credential-pass``, ``--registry-username``); the secret is never shown.
    """

    username: str
    secret: str = field(repr=False)
    source: str
    identity_token: bool = False
    registry_token: bool = False

    def __post_init__(self) -> None:
        remember_secret(self.secret)
        remember_secret(base64.b64encode(f"{self.username}:{self.secret}".encode()).decode())

    def basic(self) -> str:
        """The ``Authorization`` header value for HTTP basic auth."""
        token = base64.b64encode(f"{self.username}:{self.secret}".encode()).decode()
        return f"Basic {token}"


@dataclass(frozen=True)
class ExplicitLogin:
    """Credentials given on the command line, and the registry they may be sent to.

    ``registry`` is ``--registry-host`` when given; otherwise the CLI sets it to
    the one registry the run's ``docker://`` images name (and refuses a run
    whose images name several), so a CI token never goes to a second registry.
    """

    username: str
    password: str = field(repr=False)
    password_env: str
    registry: str

    def __post_init__(self) -> None:
        remember_secret(self.password)

    def credential(self) -> Credential:
        return Credential(self.username, self.password, f"--registry-username with ${self.password_env}")


def explicit_login(username: str | None, password_env: str | None, registry: str | None,
                   env: Mapping[str, str]) -> ExplicitLogin | None:
    """Validate ``--registry-username``/``--registry-password-env``; the password is read from the environment."""
    var = password_env or DEFAULT_PASSWORD_ENV
    if not username:
        if password_env:
            raise InputError(f"--registry-password-env {password_env}: give --registry-username too")
        return None
    password = env.get(var, "")
    if not password:
        raise InputError(
            f"--registry-username {username}: the password variable ${var} is unset or empty; "
            f"export the password (or token) in ${var}, or name another variable with --registry-password-env"
        )
    return ExplicitLogin(username, password, var, registry or "")


def normalize_registry_key(key: str) -> str:
    """An ``auths`` key as ``host[:port][/path]``: scheme and Docker Hub's ``/v1/`` dropped, Hub names unified."""
    text = key.strip()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE)
    host, _, path = text.partition("/")
    host = host.lower()
    if host in DOCKER_HUB_KEYS:
        host = "docker.io"
    path = path.strip("/")
    if path in ("v1", "v2") or path.startswith(("v1/", "v2/")):
        path = ""
    return f"{host}/{path}" if path else host


def auth_files(env: Mapping[str, str]) -> list[Path]:
    """The credential files to look in, in order (only those that exist)."""
    candidates: list[Path] = []
    if env.get("REGISTRY_AUTH_FILE"):
        candidates.append(Path(env["REGISTRY_AUTH_FILE"]).expanduser())
    if env.get("XDG_RUNTIME_DIR"):
        candidates.append(Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    candidates.append(home / ".config" / "containers" / "auth.json")
    docker_config = Path(env["DOCKER_CONFIG"]).expanduser() if env.get("DOCKER_CONFIG") else home / ".docker"
    candidates.append(docker_config / "config.json")
    seen, found = set(), []
    for path in candidates:
        if str(path) not in seen and path.is_file():
            seen.add(str(path))
            found.append(path)
    return found


def _load(path: Path) -> dict:
    try:
        if path.stat().st_size > _MAX_AUTH_FILE:
            raise InputError(f"{path}: credential file larger than {_MAX_AUTH_FILE >> 20} MB; is it the right file?")
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the registry credential file: {exc.strerror}") from None
    except ValueError as exc:
        # The message of a JSON error quotes no content beyond a position: safe to show.
        raise InputError(f"{path}: the registry credential file is not valid JSON ({type(exc).__name__} at {getattr(exc, 'pos', '?')})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the registry credential file is not a JSON object")
    return data


def find_credential(registry: str, repository: str, login: ExplicitLogin | None,
                    env: Mapping[str, str] | None = None) -> Credential | None:
    """The credential to pull ``registry/repository`` with, or None for anonymous access."""
    env = os.environ if env is None else env
    host = normalize_registry_key(registry)
    if login is not None and normalize_registry_key(login.registry) == host:
        return login.credential()
    for path in auth_files(env):
        found = _from_file(path, _load(path), host, repository, env)
        if found is not None:
            return found
    return None


def _shown(path: Path, env: Mapping[str, str]) -> str:
    home = env.get("HOME") or ""
    text = str(path)
    return "~" + text[len(home):] if home and text.startswith(home.rstrip("/") + "/") else text


def _from_file(path: Path, data: dict, host: str, repository: str, env: Mapping[str, str]) -> Credential | None:
    shown = _shown(path, env)
    helpers = data.get("credHelpers")
    if not isinstance(helpers, dict):
        helpers = {}
    for key, helper in helpers.items():
        if normalize_registry_key(str(key)) == host and isinstance(helper, str) and helper:
            return run_helper(helper, key, f"{shown} credHelpers", env)
    auths = data.get("auths")
    if not isinstance(auths, dict):
        auths = {}
    store = data.get("credsStore")
    if isinstance(store, str) and store:
        server = next((k for k in auths if normalize_registry_key(str(k)) == host), None)
        server = server or ("https://index.docker.io/v1/" if host == "docker.io" else host)
        found = run_helper(store, server, f"{shown} credsStore", env)
        if found is not None:
            return found
    best: tuple[int, dict] | None = None
    wanted = f"{host}/{repository}"
    for key, entry in auths.items():
        norm = normalize_registry_key(str(key))
        if not isinstance(entry, dict) or not (norm == host or wanted == norm or wanted.startswith(norm + "/")):
            continue
        if best is None or len(norm) > best[0]:
            best = (len(norm), entry)
    return _from_entry(best[1], f"{shown} auths") if best is not None else None


def _from_entry(entry: dict, source: str) -> Credential | None:
    if isinstance(entry.get("identitytoken"), str) and entry["identitytoken"]:
        return Credential(str(entry.get("username") or "<token>"), entry["identitytoken"], source, identity_token=True)
    if isinstance(entry.get("registrytoken"), str) and entry["registrytoken"]:
        return Credential("", entry["registrytoken"], source, registry_token=True)
    if isinstance(entry.get("auth"), str) and entry["auth"]:
        try:
            decoded = base64.b64decode(entry["auth"], validate=False).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise InputError(f"{source}: an 'auth' value is not base64 of user:password; log in again") from None
        user, sep, password = decoded.partition(":")
        if not sep:
            raise InputError(f"{source}: an 'auth' value does not decode to user:password; log in again")
        return Credential(user, password, source)
    if isinstance(entry.get("username"), str) and isinstance(entry.get("password"), str) and entry["password"]:
        return Credential(entry["username"], entry["password"], source)
    return None


def run_helper(name: str, server: str, source: str, env: Mapping[str, str]) -> Credential | None:
    """Ask ``docker-credential-NAME get`` for ``server``'s credentials (the docker credential-helper protocol)."""
    if not _HELPER_NAME.match(name):
        raise InputError(f"{source}: credential helper name {name!r} is not a plain name (docker-credential-<name>)")
    import shutil  # only a registry with a credential helper needs these: checking an archive does not
    import subprocess

    program = f"docker-credential-{name}"
    found = shutil.which(program, path=env.get("PATH", os.defpath))
    if found is None:
        raise InputError(f"{source}: the credential helper {program} is not installed (not on PATH)")
    from imagepolicy import tree

    root = tree.current()
    if root is not None and os.path.realpath(found).startswith(str(root).rstrip("/") + "/"):
        raise InputError(f"{source}: the credential helper {program} found on PATH is {found}, inside the checked tree; "
                         "imagepolicy never runs code from the checkout: install the helper outside it")
    try:
        proc = subprocess.run([found, "get"], input=server.encode(), capture_output=True,
                              timeout=HELPER_TIMEOUT, env=dict(env), check=False)
    except FileNotFoundError:
        raise InputError(f"{source}: the credential helper {program} is not installed (not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"{source}: the credential helper {program} did not answer within {HELPER_TIMEOUT} s") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot run the credential helper {program}: {exc.strerror}") from None
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        said = (out.strip() or proc.stderr.decode("utf-8", "replace").strip()).splitlines()
        first = said[0][:200] if said else ""
        if "not found" in first.lower() or "no credentials" in first.lower():
            return None  # the helper knows no credentials for this registry: anonymous
        raise InputError(redact(f"{source}: the credential helper {program} failed (exit {proc.returncode}): {first}"))
    try:
        data = json.loads(out)
    except ValueError:
        raise InputError(f"{source}: the credential helper {program} did not print JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("Secret"), str):
        raise InputError(f"{source}: the credential helper {program} printed no Secret")
    username, secret = str(data.get("Username") or ""), data["Secret"]
    if not secret:
        return None
    helper_source = f"{source} ({program})"
    if username == "<token>":
        return Credential(username, secret, helper_source, identity_token=True)
    return Credential(username, secret, helper_source)
