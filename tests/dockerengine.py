"""A real Docker Engine and a real registry for the tests, started by the tests themselves.

* :func:`docker_engine` (session fixture): Debian's ``dockerd`` on ``vfs``, with no
  iptables and no bridge, its own ``--data-root`` (kept in the test cache, so a
  second run finds its images and build cache), ``--exec-root``, ``--pidfile``
  and a private ``unix://`` socket under a short temporary folder, and a
  127.0.0.1 port with TLS and client certificates (``--tlsverify``). It is
  stopped by its pid at the end of the session. Nothing is pulled: the base
  image is ``docker import``-ed from the rootfs of :func:`imagebuild.base_image`
  (debootstrap), with the host-made wheelhouse and a ``pip.conf`` pointing at it,
  so ``pip install`` in ``docker build`` (classic builder or BuildKit, run with
  ``--network none``) works offline. It is tagged ``python:3.12-slim`` (what
  ``examples/service`` builds from) and :data:`imagebuild.BASE_IMAGE`.
* :func:`podman_service` (session fixture): ``podman system service`` on a private
  socket over the buildah storage of :mod:`imagebuild`, for Podman's
  Docker-compatible API (the same ``docker-daemon:`` transport).
* :func:`test_registry` (session fixture): Debian's ``docker-registry`` (the CNCF
  distribution registry) on 127.0.0.1, TLS from a CA made here with openssl,
  htpasswd (bcrypt) auth; images are pushed to it from the engine with skopeo.

When a tool is missing, or dockerd cannot start here, the tests that need it
are skipped with the reason; ``.ci/install-image-tools`` installs everything.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import imagebuild

EXAMPLE_BASE = "python:3.12-slim"
STOP_TIMEOUT = 30


class EngineError(RuntimeError):
    """A docker/skopeo/registry step failed; the message carries its output."""


def _run(argv: list[str], what: str, *, env: dict[str, str] | None = None, timeout: float = 900,
         stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(argv, capture_output=True, env=env, timeout=timeout, input=stdin, check=False)
    except FileNotFoundError as exc:
        raise EngineError(f"{what}: {argv[0]} is not installed; run .ci/install-image-tools as root") from exc
    except subprocess.TimeoutExpired as exc:
        raise EngineError(f"{what}: timed out after {timeout:.0f}s") from exc
    if proc.returncode != 0:
        raise EngineError(f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n"
                          f"--- stdout ---\n{proc.stdout.decode(errors='replace')[-4000:]}\n"
                          f"--- stderr ---\n{proc.stderr.decode(errors='replace')[-4000:]}")
    return proc


def docker_cli() -> str | None:
    """The docker client of Debian's docker.io (the daemon's own version) when installed, else any on PATH."""
    return "/usr/bin/docker" if os.access("/usr/bin/docker", os.X_OK) else shutil.which("docker")


def engine_unavailable() -> str | None:
    """None when a private dockerd can be started here, else why not (for pytest.skip)."""
    reason = imagebuild.tools_available()
    if reason is not None:
        return reason
    missing = [tool for tool, found in (("dockerd", shutil.which("dockerd")), ("docker", docker_cli()), ("skopeo", shutil.which("skopeo"))) if not found]
    if missing:
        return f"{', '.join(missing)} not installed; run `.ci/install-image-tools` as root"
    return None


@dataclass
class Engine:
    """A running private dockerd."""

    socket_path: str
    data_root: Path
    pid: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    tcp_host: str = ""
    client_cert_path: Path | None = None

    @property
    def host(self) -> str:
        return f"unix://{self.socket_path}"

    def docker(self, *args: str, what: str = "", stdin: bytes | None = None, buildkit: bool = False,
               timeout: float = 900) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "DOCKER_HOST": self.host, "DOCKER_BUILDKIT": "1" if buildkit else "0",
               "DOCKER_CONFIG": str(self.data_root.parent / "docker-cli-config")}
        return _run([docker_cli() or "docker", *args], what or f"docker {args[0]}", env=env, stdin=stdin, timeout=timeout)

    def image_id(self, ref: str) -> str | None:
        try:
            return self.docker("image", "inspect", "--format", "{{.Id}}", ref).stdout.decode().strip() or None
        except EngineError:
            return None

    def build(self, context: Path, dockerfile: Path, tag: str, *, buildkit: bool = False,
              build_args: dict[str, str] | None = None) -> str:
        """``docker build --network none`` (pip installs from the base image's wheelhouse); returns the image ID."""
        argv = ["build", "--network", "none", "--quiet", "--file", str(dockerfile), "--tag", tag]
        for key, value in (build_args or {}).items():
            argv += ["--build-arg", f"{key}={value}"]
        self.docker(*argv, str(context), what=f"docker build ({'BuildKit' if buildkit else 'classic builder'}) of {dockerfile}",
                    buildkit=buildkit)
        image_id = self.image_id(tag)
        assert image_id, f"docker build of {tag} left no image"
        return image_id

    def save(self, ref: str, dest: Path) -> Path:
        self.docker("save", "--output", str(dest), ref, what=f"docker save {ref}")
        return dest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ping(socket_path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2)
            sock.connect(socket_path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b" 200 " in sock.recv(64)
    except OSError:
        return False


def _stop(pid: int) -> None:
    """SIGTERM the process by its pid, SIGKILL it after STOP_TIMEOUT seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child (or reaped): poll its existence
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            finished = 0
        if finished:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


@contextlib.contextmanager
def running_engine(cache: Path, tls: bool = False) -> Iterator[Engine]:
    """Start dockerd with a data-root in ``cache`` (or a fresh one when another session holds it); stop it by pid.

    With ``tls`` it listens on a 127.0.0.1 port too, with TLS and client certificates from a test CA
    (``Engine.tcp_host``; the client's ca.pem, cert.pem and key.pem in ``Engine.client_cert_path``).
    """
    runtime = Path(tempfile.mkdtemp(prefix="ipd-"))  # short: unix socket paths are limited to ~100 bytes
    lock_file = open(cache / "docker.lock", "w")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        data_root = cache / "docker"
    except BlockingIOError:
        data_root = runtime / "data"  # another session uses the cached one: start cold, in parallel
    data_root.mkdir(parents=True, exist_ok=True)
    socket_path = str(runtime / "docker.sock")
    log = runtime / "dockerd.log"
    argv = ["dockerd", "--storage-driver", "vfs", "--iptables=false", "--ip6tables=false", "--bridge=none",
            "--data-root", str(data_root), "--exec-root", str(runtime / "exec"), "--pidfile", str(runtime / "dockerd.pid"),
            "-H", f"unix://{socket_path}", "--log-level", "warn"]
    tcp, client = "", None
    if tls and shutil.which("openssl"):
        # Also on 127.0.0.1 over TCP, TLS with client certificates (--tlsverify), as DOCKER_TLS_VERIFY expects.
        folder = runtime / "tls"
        folder.mkdir()
        ca_crt, crt, key = _make_ca(folder)
        client_crt, client_key = _make_client_cert(folder, ca_crt, folder / "ca.key")
        client = runtime / "client"
        client.mkdir()
        for source, name in ((ca_crt, "ca.pem"), (client_crt, "cert.pem"), (client_key, "key.pem")):
            shutil.copy(source, client / name)
        tcp = f"tcp://127.0.0.1:{_free_port()}"
        argv += ["--tlsverify", "--tlscacert", str(ca_crt), "--tlscert", str(crt), "--tlskey", str(key), "-H", tcp]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _ping(socket_path):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                pytest.skip(f"dockerd could not start here (exit {proc.returncode}): {tail}")
            time.sleep(0.2)
        yield Engine(socket_path, data_root, proc.pid, log, tcp_host=tcp, client_cert_path=client)
    finally:
        _stop(proc.pid)
        lock_file.close()
        shutil.rmtree(runtime, ignore_errors=True)


# --------------------------------------------------------------------------- base image


def import_base(engine: Engine, cache: Path) -> str:
    """``docker import`` the debootstrap base (with the wheelhouse and a pip.conf using it), once per recipe."""
    base = imagebuild.base_image(cache)
    wheels = imagebuild._wheelhouse(cache)
    wheel_files = sorted(p for p in wheels.iterdir() if p.suffix == ".whl")
    key = hashlib.sha256(json.dumps([imagebuild._image_id(base, cache), [p.name for p in wheel_files]]).encode()).hexdigest()[:16]
    label = "org.imagepolicy.test.docker-base"
    found = engine.image_id(EXAMPLE_BASE)
    if found:
        labels = json.loads(engine.docker("image", "inspect", "--format", "{{json .Config.Labels}}", EXAMPLE_BASE).stdout or b"null") or {}
        if labels.get(label) == key:
            engine.docker("tag", EXAMPLE_BASE, imagebuild.BASE_IMAGE)
            return EXAMPLE_BASE
    argv = [docker_cli() or "docker", "import",
            "--change", f"ENV PATH={imagebuild.IMAGE_PATH}", "--change", "ENV LANG=C.UTF-8",
            "--change", 'CMD ["python3"]', "--change", f"LABEL {label}={key}", "-", EXAMPLE_BASE]
    with tempfile.TemporaryDirectory() as tmp:
        archive = imagebuild.save_image(base, Path(tmp) / "base.tar", "docker-archive", cache_dir=cache)
        with open(Path(tmp) / "import.log", "wb") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                                    env={**os.environ, "DOCKER_HOST": engine.host})
            assert proc.stdin is not None
            try:
                _write_rootfs(archive, wheel_files, proc.stdin)
            finally:
                proc.stdin.close()
            if proc.wait(timeout=600) != 0:
                raise EngineError(f"docker import of the debootstrap base failed: {(Path(tmp) / 'import.log').read_text(errors='replace')}")
    engine.docker("tag", EXAMPLE_BASE, imagebuild.BASE_IMAGE)
    return EXAMPLE_BASE


def _write_rootfs(archive: Path, wheels: list[Path], out: io.BufferedIOBase) -> None:
    """Stream the base layer's rootfs tar into ``out``, with the wheels in the wheelhouse folder and pip.conf filled in."""
    conf = imagebuild._pip_conf(archive.parent).read_bytes().replace(b"during `buildah bud` only", b"in the docker test base")
    with tarfile.open(archive) as outer:
        layer = next(m for m in outer.getmembers() if m.isreg() and m.name.endswith(".tar") and m.size > 1 << 20)
        inner = tarfile.open(fileobj=outer.extractfile(layer), mode="r|")
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for member in inner:
                name = member.name.lstrip("./")
                if name == imagebuild.PIP_CONF_MOUNT.lstrip("/"):
                    member.size = len(conf)
                    tar.addfile(member, io.BytesIO(conf))
                    continue
                tar.addfile(member, inner.extractfile(member) if member.isreg() else None)
                if name == imagebuild.WHEELHOUSE_MOUNT.lstrip("/"):
                    for wheel in wheels:
                        tar.add(str(wheel), arcname=f"{name}/{wheel.name}")


# --------------------------------------------------------------------------- registry


@dataclass
class TestRegistry:
    """A running docker-registry with TLS and htpasswd auth."""

    __test__ = False  # not a test class

    host: str
    ca_file: Path
    cert_dir: Path
    user: str
    password: str
    pid: int
    root: Path

    def push(self, engine: Engine, image: str, repository: str, *, all_platforms: bool = False, source: str | None = None) -> str:
        """Copy ``image`` from the engine (or ``source``, a skopeo reference) to REPOSITORY here; returns its reference."""
        dest = f"{self.host}/{repository}"
        argv = ["skopeo", "copy", "--quiet", "--dest-creds", f"{self.user}:{self.password}", "--dest-cert-dir", str(self.cert_dir)]
        if all_platforms:
            argv.append("--all")
        if source is None:
            argv += ["--src-daemon-host", engine.host, f"docker-daemon:{image}"]
        else:
            argv.append(source)
        _run([*argv, f"docker://{dest}"], f"skopeo copy to {dest}", timeout=600)
        return dest

    def blob_file(self, digest: str) -> Path:
        hexa = digest.split(":", 1)[1]
        return self.root / "docker/registry/v2/blobs/sha256" / hexa[:2] / hexa / "data"


def _make_client_cert(folder: Path, ca_crt: Path, ca_key: Path) -> tuple[Path, Path]:
    """A client certificate (extendedKeyUsage clientAuth) signed by the test CA in ``folder``."""
    key, csr, crt = folder / "client.key", folder / "client.csr", folder / "client.crt"
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run(["openssl", "req", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=imagepolicy-test-client"], "making the client key")
    ext = folder / "client-ext.cnf"
    ext.write_text("basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n")
    _run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
          "-out", str(crt), "-days", "2", "-extfile", str(ext)], "signing the client certificate")
    return crt, key


def _make_ca(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 signed by it (openssl CLI)."""
    ca_key, ca_crt = folder / "ca.key", folder / "ca.crt"
    key, csr, crt = folder / "server.key", folder / "server.csr", folder / "server.crt"
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run(["openssl", "req", "-x509", *ec, "-keyout", str(ca_key), "-out", str(ca_crt), "-days", "2",
          "-subj", "/CN=imagepolicy test CA"], "making the test CA")
    _run(["openssl", "req", *ec, "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1"], "making the registry key")
    ext = folder / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n")
    _run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
          "-out", str(crt), "-days", "2", "-extfile", str(ext)], "signing the registry certificate")
    return ca_crt, crt, key


@contextlib.contextmanager
def running_registry(folder: Path) -> Iterator[TestRegistry]:
    folder.mkdir(parents=True, exist_ok=True)
    ca_crt, crt, key = _make_ca(folder)
    cert_dir = folder / "certs"
    cert_dir.mkdir()
    shutil.copy(ca_crt, cert_dir / "ca.crt")
    user, password = "ci-robot", "pw-" + os.urandom(9).hex()
    line = _run(["htpasswd", "-Bbn", user, password], "htpasswd -B").stdout.decode().strip()
    (folder / "htpasswd").write_text(line + "\n")
    port = _free_port()
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(folder / "data")}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": os.urandom(8).hex(), "tls": {"certificate": str(crt), "key": str(key)}},
        "auth": {"htpasswd": {"realm": "imagepolicy-test", "path": str(folder / "htpasswd")}},
    }
    (folder / "config.yml").write_text(json.dumps(config))  # JSON is YAML
    log = folder / "registry.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["docker-registry", "serve", str(folder / "config.yml")], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"docker-registry could not start (exit {proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        yield TestRegistry(f"127.0.0.1:{port}", ca_crt, cert_dir, user, password, proc.pid, folder / "data")
    finally:
        _stop(proc.pid)


# --------------------------------------------------------------------------- podman


@dataclass
class Podman:
    """A running ``podman system service``: Podman's Docker-compatible API on a private socket."""

    socket_path: str
    pid: int

    @property
    def host(self) -> str:
        return f"unix://{self.socket_path}"


@contextlib.contextmanager
def running_podman(cache: Path) -> Iterator[Podman]:
    """Podman's API service over the buildah storage of ``tests/imagebuild.py`` (so it sees the fixture images)."""
    runtime = Path(tempfile.mkdtemp(prefix="ipp-"))
    socket_path = str(runtime / "podman.sock")
    log = runtime / "podman.log"
    argv = ["podman", "--root", str(cache / "storage"), "--runroot", str(cache / "run"), "--storage-driver", "vfs",
            "--tmpdir", str(runtime / "tmp"), "system", "service", "--time=0", f"unix://{socket_path}"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _ping(socket_path):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"podman system service could not start (exit {proc.returncode}): {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        yield Podman(socket_path, proc.pid)
    finally:
        _stop(proc.pid)
        shutil.rmtree(runtime, ignore_errors=True)


# --------------------------------------------------------------------------- pytest fixtures


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A private dockerd with the python base image imported; skips when it cannot run here."""
    reason = engine_unavailable()
    if reason is not None:
        pytest.skip(reason)
    cache = imagebuild.default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with running_engine(cache, tls=True) as engine:
        import_base(engine, cache)
        yield engine


@pytest.fixture(scope="session")
def test_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestRegistry]:
    """docker-registry on 127.0.0.1 with TLS (a test CA) and htpasswd auth; skips when it is not installed."""
    missing = [tool for tool in ("docker-registry", "htpasswd", "openssl", "skopeo") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed; run `.ci/install-image-tools` as root")
    with running_registry(tmp_path_factory.mktemp("registry")) as registry:
        yield registry


@pytest.fixture(scope="session")
def podman_service(image_cache_dir: Path) -> Iterator[Podman]:
    """``podman system service`` on a private socket over the fixture images' storage; skips without podman."""
    if shutil.which("podman") is None:
        pytest.skip("podman not installed; run `.ci/install-image-tools` as root")
    with running_podman(image_cache_dir) as podman:
        yield podman
