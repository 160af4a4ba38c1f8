"""Real container images for imagepolicy's tests, built without a Docker engine.

The images are built with buildah (``vfs`` storage, ``chroot`` isolation) on top of
a local base image made by debootstrap, so nothing is pulled from a registry:

* :func:`base_image` makes ``localhost/imagepolicy-test/python-base:bookworm`` once
  (Debian 12 minbase + python3 with a venv at ``/usr/local``, laid out like the
  official ``python:3.x-slim`` images) and reuses it while its recipe key matches.
* :func:`build_image` runs ``buildah bud --pull=never`` on a context whose
  Dockerfile starts with ``ARG BASE`` / ``FROM ${BASE}``.  pip inside ``RUN`` steps
  works offline: a wheelhouse made on the host (``pip download``) and a pip config
  with ``no-index`` are bind-mounted for the build only.
* :func:`save_image` writes ``docker-archive`` / ``oci-archive`` / ``oci-dir`` copies.
* :func:`run_in_image` runs a command in a throw-away container: for test
  ORACLES only, imagepolicy itself never executes image content.

Everything (storage, wheelhouse, key files) lives in one cache folder:
``$IMAGEPOLICY_TEST_CACHE`` or ``~/.cache/imagepolicy-tests``.  The host's own
container storage (``/var/lib/containers``) is never touched.

The second half of the module is a pytest plugin: the session fixture
``built_images`` builds every fixture under ``tests/fixtures/images/<name>/``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

__all__ = [
    "BASE_IMAGE",
    "FIXTURES_DIR",
    "ImageBuildError",
    "base_image",
    "build_image",
    "built_images",
    "cached_archive",
    "default_cache_dir",
    "image_cache_dir",
    "oci_variant",
    "run_in_image",
    "save_image",
    "tools_available",
]

BASE_IMAGE = "localhost/imagepolicy-test/python-base:bookworm"
"""Name of the local base image; fixture Dockerfiles get it as build-arg ``BASE``."""

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures" / "images"
"""One sub-folder per fixture image, each a build context holding a ``Dockerfile``."""

CACHE_ENV = "IMAGEPOLICY_TEST_CACHE"
MIRROR_ENV = "IMAGEPOLICY_DEBIAN_MIRROR"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"
IMAGE_PYTHON = "3.11"  # python3 of Debian 12; the wheelhouse is resolved for it
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
WHEELHOUSE_REQUIREMENTS = ("hatchling", "setuptools", "wheel", "editables")
# Bump when the base recipe changes in a way the key below cannot see.
RECIPE_VERSION = "2"

# Paths inside the images: mount targets that exist (empty) in the base image, so
# the bind mounts used during builds leave no trace in the fixture's own layers.
WHEELHOUSE_MOUNT = "/run/imagepolicy-wheelhouse"
PIP_CONF_MOUNT = "/etc/pip.conf"
IMAGE_PATH = "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
# Builds that reach the package index (network=True) see the host's CA bundle here, for the build only:
# the path exists in the base (ca-certificates), so the bind mount leaves the image's own bundle unchanged.
CA_BUNDLE_MOUNT = "/etc/ssl/certs/ca-certificates.crt"

ARCHIVE_FORMATS = ("docker-archive", "oci-archive", "oci-dir")


class ImageBuildError(RuntimeError):
    """A buildah / debootstrap / pip step failed; the message carries its log."""


# --------------------------------------------------------------------------- helpers


def default_cache_dir() -> Path:
    """Return the cache folder: ``$IMAGEPOLICY_TEST_CACHE`` or ``~/.cache/imagepolicy-tests``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    return Path.home() / ".cache" / "imagepolicy-tests"


def _resolve_cache(cache_dir: Path | None) -> Path:
    path = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _buildah_cmd(cache_dir: Path | None) -> list[str]:
    """Return the buildah command prefix bound to the cache's private vfs storage."""
    cache = _resolve_cache(cache_dir)
    return [
        "buildah",
        "--storage-driver", "vfs",
        "--root", str(cache / "storage"),
        "--runroot", str(cache / "run"),
    ]


def _run(argv: Sequence[str], what: str, *, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``argv``; raise :class:`ImageBuildError` naming ``what`` with the full log on failure."""
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise ImageBuildError(
            f"{what}: {argv[0]!r} is not installed; run `.ci/install-image-tools` as root"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ImageBuildError(f"{what}: timed out after {timeout:.0f}s: {' '.join(argv)}") from exc
    if proc.returncode != 0:
        raise ImageBuildError(
            f"{what} failed (exit {proc.returncode}): {' '.join(argv)}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc


@contextlib.contextmanager
def _locked(cache_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the cache so parallel sessions build the base once."""
    with open(cache_dir / "lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def debian_mirror() -> str:
    """Return the Debian mirror to debootstrap from.

    ``$IMAGEPOLICY_DEBIAN_MIRROR`` wins; otherwise the first ``…/debian`` URI that
    apt uses for the main archive (``/etc/apt/sources.list`` and ``sources.list.d``,
    one-line and deb822 formats); otherwise ``http://deb.debian.org/debian``.
    """
    configured = os.environ.get(MIRROR_ENV)
    if configured:
        return configured.rstrip("/")
    sources = [Path("/etc/apt/sources.list")]
    listing = Path("/etc/apt/sources.list.d")
    if listing.is_dir():
        sources += sorted(listing.glob("*.list")) + sorted(listing.glob("*.sources"))
    pattern = re.compile(r"(?:^deb\s+(?:\[[^\]]*\]\s+)?|^URIs:\s*)(\S+)", re.MULTILINE)
    for source in sources:
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for uri in pattern.findall(text):
            if uri.rstrip("/").endswith("/debian"):
                return uri.rstrip("/")
    return DEFAULT_MIRROR


def tools_available() -> str | None:
    """Return ``None`` when real images can be built here, else why not (for ``pytest.skip``)."""
    if not sys.platform.startswith("linux"):
        return f"real images need Linux (this is {sys.platform})"
    if os.geteuid() != 0:
        return "real images need root (debootstrap and buildah's chroot isolation)"
    missing = [tool for tool in ("buildah", "debootstrap") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not installed; run `.ci/install-image-tools` as root"
    try:
        subprocess.run(
            ["buildah", "--version"], capture_output=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"buildah does not run: {exc}"
    return None


def _image_id(image: str, cache_dir: Path | None) -> str | None:
    """Return the ID of ``image`` in the cache's storage, or ``None`` if it is not there."""
    proc = subprocess.run(
        _buildah_cmd(cache_dir) + ["inspect", "--type", "image", "--format", "{{.FromImageID}}", image],
        capture_output=True,
        text=True,
        check=False,
    )
    return (proc.stdout.strip() or None) if proc.returncode == 0 else None


def _image_exists(image: str, cache_dir: Path | None) -> bool:
    return _image_id(image, cache_dir) is not None


# --------------------------------------------------------------------------- wheelhouse


def _wheelhouse(cache_dir: Path, extra: Sequence[str] = ()) -> Path:
    """Fill (once) the offline wheelhouse that pip inside builds installs from.

    It holds the build backends the fixtures need, resolved on the host through
    the host's own pip configuration (mirrors, certificates) for ``IMAGE_PYTHON``.
    ``extra`` requirements (more backends, a web framework) make a wheelhouse of
    their own, ``wheelhouse-<digest>``, so the default one never changes under
    another build that mounts it.
    """
    requirements = [*WHEELHOUSE_REQUIREMENTS, *sorted(extra)]
    name = "wheelhouse"
    if extra:
        name += "-" + hashlib.sha256(json.dumps(requirements).encode()).hexdigest()[:12]
    wheels = cache_dir / name
    key = json.dumps([IMAGE_PYTHON, *requirements])
    marker = wheels / ".complete"
    if marker.is_file() and marker.read_text(encoding="utf-8") == key:
        return wheels
    shutil.rmtree(wheels, ignore_errors=True)
    wheels.mkdir(parents=True)
    _run(
        [
            sys.executable, "-m", "pip", "download", "--quiet",
            "--only-binary=:all:", "--python-version", IMAGE_PYTHON,
            "--dest", str(wheels), *requirements,
        ],
        "downloading the build wheelhouse with pip",
    )
    marker.write_text(key, encoding="utf-8")
    return wheels


def _pip_conf(cache_dir: Path, network: bool = False) -> Path:
    """Write the pip config bind-mounted at ``/etc/pip.conf`` during builds.

    Offline builds install from the wheelhouse only; builds with the network
    (``build_image(network=True)``) also use the package index, trusting the
    CA bundle mounted at :data:`CA_BUNDLE_MOUNT`.
    """
    conf = cache_dir / ("pip-network.conf" if network else "pip.conf")
    settings = [f"cert = {CA_BUNDLE_MOUNT}"] if network else ["no-index = true"]
    conf.write_text(
        "# Bind-mounted by tests/imagebuild.py during `buildah bud` only.\n"
        "[global]\n"
        + "".join(f"{line}\n" for line in settings)
        + f"find-links = {WHEELHOUSE_MOUNT}\n"
        "disable-pip-version-check = true\n",
        encoding="utf-8",
    )
    return conf


# --------------------------------------------------------------------------- base image


def _base_key(mirror: str) -> str:
    recipe = {
        "recipe": RECIPE_VERSION,
        "suite": SUITE,
        "mirror": mirror,
        "packages": BASE_PACKAGES,
        "mounts": [WHEELHOUSE_MOUNT, PIP_CONF_MOUNT],
        "path": IMAGE_PATH,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _make_rootfs(rootfs: Path, mirror: str) -> None:
    """Debootstrap Debian minbase with python3 into ``rootfs`` and trim apt's caches."""
    _run(
        [
            "debootstrap", "--variant=minbase",
            f"--include={','.join(BASE_PACKAGES)}",
            SUITE, str(rootfs), mirror,
        ],
        f"debootstrap {SUITE} from {mirror}",
        timeout=1200,
    )
    _trim_rootfs(rootfs)
    # Empty mount targets for build_image's bind mounts (see module docstring).
    (rootfs / PIP_CONF_MOUNT.lstrip("/")).touch(mode=0o644)
    (rootfs / WHEELHOUSE_MOUNT.lstrip("/")).mkdir(parents=True, exist_ok=True)


def _trim_rootfs(rootfs: Path) -> None:
    """Drop what ``-slim`` images drop: apt caches, docs (copyright files stay), man, info, translations."""
    for pattern in ("var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*"):
        for path in rootfs.glob(pattern):
            if path.is_file():
                path.unlink()
    for folder in ("usr/share/man", "usr/share/info", "usr/share/locale"):
        for path in (rootfs / folder).glob("*"):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
    for path in (rootfs / "usr/share/doc").glob("*/*"):
        if path.name == "copyright":
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def base_image(cache_dir: Path | None = None) -> str:
    """Return the local python base image, building it first if it is missing or stale.

    Built once per cache folder (~45 s of debootstrap + ~15 s of commit); a key
    file ``python-base.key`` records the recipe it was built from.
    """
    cache = _resolve_cache(cache_dir)
    mirror = debian_mirror()
    key = _base_key(mirror)
    key_file = cache / "python-base.key"
    with _locked(cache):
        if (
            key_file.is_file()
            and key_file.read_text(encoding="utf-8") == key
            and _image_exists(BASE_IMAGE, cache)
        ):
            return BASE_IMAGE
        key_file.unlink(missing_ok=True)
        buildah = _buildah_cmd(cache)
        container = "imagepolicy-base-work"
        # A container left by an interrupted earlier run is thrown away first.
        subprocess.run(buildah + ["rm", container], capture_output=True, check=False)
        _run(buildah + ["from", "--name", container, "scratch"], "creating the base container")
        try:
            mount = Path(_run(buildah + ["mount", container], "mounting the base container").stdout.strip())
            _make_rootfs(mount, mirror)
            _run(
                buildah + ["run", "--isolation", "chroot", container, "--",
                           "/usr/bin/python3", "-m", "venv", "/usr/local"],
                "creating the /usr/local venv in the base image",
            )
            _run(
                buildah + [
                    "config",
                    "--env", f"PATH={IMAGE_PATH}",
                    "--env", "LANG=C.UTF-8",
                    "--cmd", "python3",
                    "--os", "linux",
                    "--label", f"org.imagepolicy.test.base-key={key}",
                    "--created-by",
                    f"debootstrap --variant=minbase --include={','.join(BASE_PACKAGES)} {SUITE}"
                    " && python3 -m venv /usr/local",
                    container,
                ],
                "configuring the base image",
            )
            _run(
                buildah + ["commit", "--quiet", "--format", "docker", container, BASE_IMAGE],
                "committing the base image",
            )
        finally:
            subprocess.run(buildah + ["rm", container], capture_output=True, check=False)
        key_file.write_text(key, encoding="utf-8")
    return BASE_IMAGE


# --------------------------------------------------------------------------- builds


def build_image(
    context: Path,
    dockerfile: Path,
    tag: str,
    build_args: Mapping[str, str] | None = None,
    *,
    cache_dir: Path | None = None,
    wheels: Sequence[str] = (),
    layers: bool = True,
    replace_from: bool = False,
    network: bool = False,
) -> str:
    """Build ``dockerfile`` in ``context`` as ``tag`` and return the image name.

    ``BASE`` defaults to :data:`BASE_IMAGE` (built if needed); nothing is pulled.
    Each instruction gets its own layer (``--layers``), as with ``docker build``,
    and the manifest is Docker's (``--format docker``).  Raises
    :class:`ImageBuildError` with the whole build log when the build fails.
    ``wheels`` are more requirements for the offline wheelhouse (see
    :func:`_wheelhouse`); ``layers=False`` commits one layer per stage, which
    is cheaper on ``vfs`` when no test maps layers to lines.
    ``replace_from=True`` builds a Dockerfile written for ``python:3.12-slim``
    (no ``ARG BASE``) unchanged: its first ``FROM`` is replaced by the base
    (``buildah bud --from``).  ``network=True`` lets ``RUN`` reach the package
    index (``--network host``) with the host's CA bundle bind-mounted at
    :data:`CA_BUNDLE_MOUNT` for the build only; tools that do not use the
    system bundle need ``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE`` pointing there
    (declare them as ``ARG`` so they do not stay in the image).
    """
    cache = _resolve_cache(cache_dir)
    args = {"BASE": base_image(cache), **(build_args or {})}
    variant = {"_wheels": json.dumps(sorted(wheels))} if wheels else {}
    variant.update({} if layers else {"_layers": "false"})
    variant.update({"_from": "base"} if replace_from else {})
    variant.update({"_network": "host"} if network else {})
    key = _build_key(context, dockerfile, {**args, **variant}, cache)
    record = cache / "builds" / (re.sub(r"[^A-Za-z0-9_.-]", "_", tag) + ".json")
    if record.is_file():
        known = json.loads(record.read_text(encoding="utf-8"))
        if known.get("key") == key and known.get("id") == _image_id(tag, cache):
            return tag  # same inputs, same image: skip even buildah's layer cache (~10 s)
    wheelhouse = _wheelhouse(cache, wheels)
    conf = _pip_conf(cache, network)
    argv = _buildah_cmd(cache) + [
        "bud",
        "--isolation", "chroot",
        "--pull=never",
        f"--layers={str(layers).lower()}",
        "--force-rm",  # a failed RUN must not leave its ~150 MB working container behind
        "--format", "docker",
        "--volume", f"{wheelhouse}:{WHEELHOUSE_MOUNT}:ro",
        "--volume", f"{conf}:{PIP_CONF_MOUNT}:ro",
        "--file", str(dockerfile),
        "--tag", tag,
    ]
    if replace_from:
        argv += ["--from", args["BASE"]]
    if network:
        argv += ["--network", "host", "--volume", f"{host_ca_bundle()}:{CA_BUNDLE_MOUNT}:ro"]
    for name, value in args.items():
        argv += ["--build-arg", f"{name}={value}"]
    argv.append(str(context))
    _run(argv, f"building {tag} from {dockerfile}", timeout=1200)
    record.parent.mkdir(exist_ok=True)
    record.write_text(json.dumps({"key": key, "id": _image_id(tag, cache)}), encoding="utf-8")
    return tag


def _build_key(context: Path, dockerfile: Path, args: Mapping[str, str], cache: Path) -> str:
    """Digest of everything a build reads: context files, Dockerfile, build args, base image ID."""
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(args.items())).encode())
    digest.update(str(_image_id(args["BASE"], cache)).encode())
    digest.update(Path(dockerfile).read_bytes())
    for path in sorted(Path(context).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(context)}\0{path.stat().st_mode:o}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def save_image(
    image: str, dest: Path, fmt: str, *, cache_dir: Path | None = None, compression: str | None = None
) -> Path:
    """Write ``image`` to ``dest`` as ``docker-archive``, ``oci-archive`` or ``oci-dir``.

    An existing ``dest`` is replaced.  The archives name the image, so
    ``manifest.json`` has ``RepoTags`` and ``index.json`` a ref-name annotation.
    OCI layers are gzip unless ``compression`` says otherwise: ``zstd``, or
    ``none`` (``oci-dir`` only, written by skopeo): an uncompressed layout is
    the fastest to write and to read, and what :func:`oci_variant` copies.
    """
    transports = {"docker-archive": "docker-archive", "oci-archive": "oci-archive", "oci-dir": "oci"}
    if fmt not in transports:
        raise ValueError(f"unknown archive format {fmt!r}: expected one of {', '.join(ARCHIVE_FORMATS)}")
    dest = Path(dest)
    if dest.is_dir():
        shutil.rmtree(dest)
    elif dest.exists():
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    # docker-archive records the full name (RepoTags); OCI layouts record the tag only.
    last = image.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else "latest"
    reference = image if fmt == "docker-archive" else tag
    if compression == "none":
        # buildah push always compresses OCI layers; skopeo keeps them as stored (no gzip/zstd to undo when read)
        if fmt != "oci-dir":
            raise ValueError("compression='none' is for oci-dir only (docker-archive layers are never compressed)")
        cache = _resolve_cache(cache_dir)
        source = f"containers-storage:[vfs@{cache / 'storage'}+{cache / 'run'}]{image}"
        _run(["skopeo", "copy", "--quiet", "--dest-oci-accept-uncompressed-layers", source, f"oci:{dest}:{reference}"],
             f"saving {image} as an uncompressed oci-dir to {dest}")
        return dest
    options = ["--compression-format", compression] if compression else []
    _run(
        _buildah_cmd(cache_dir) + ["push", "--quiet", *options, image, f"{transports[fmt]}:{dest}:{reference}"],
        f"saving {image} as {fmt} to {dest}",
    )
    return dest


def oci_variant(
    layout: Path,
    dest: Path,
    *,
    cmd: Sequence[str] | None = None,
    entrypoint: Sequence[str] | None = None,
    workdir: str | None = None,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
) -> Path:
    """Copy the one-image OCI ``layout`` to ``dest`` with another CMD, ENTRYPOINT, WORKDIR, ENV or USER.

    The same image a Dockerfile gets from ``FROM image`` followed by only those
    instructions, made by ``umoci config`` without a build: the layer blobs are
    hard links, so a variant costs a few kB instead of a ~150 MB ``vfs`` copy.
    ``cmd``/``entrypoint`` replace the image's (an empty list clears it); ``env``
    entries are added or replaced.
    """
    if shutil.which("umoci") is None:
        raise ImageBuildError("umoci is not installed; run `.ci/install-image-tools` as root")
    layout, dest = Path(layout), Path(dest)
    index = json.loads((layout / "index.json").read_text(encoding="utf-8"))
    (manifest,) = index["manifests"]
    ref = (manifest.get("annotations") or {}).get("org.opencontainers.image.ref.name") or "latest"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(layout, dest, copy_function=os.link)
    for name in ("index.json", "oci-layout"):  # umoci rewrites these: never through a hard link
        (dest / name).unlink()
        shutil.copyfile(layout / name, dest / name)
    argv = ["umoci", "config", "--image", f"{dest}:{ref}", "--history.created_by", "imagebuild.oci_variant"]
    for key, words in (("cmd", cmd), ("entrypoint", entrypoint)):
        if words is not None:
            argv += [f"--clear=config.{key}", *[f"--config.{key}={w}" for w in words]]
    if workdir is not None:
        argv.append(f"--config.workingdir={workdir}")
    for name, value in (env or {}).items():
        argv.append(f"--config.env={name}={value}")
    if user is not None:
        argv.append(f"--config.user={user}")
    _run(argv, f"writing an image variant to {dest}")
    return dest


def host_ca_bundle() -> str:
    """The host's CA bundle (``$SSL_CERT_FILE``, else Debian's), which trusts this machine's way to the index."""
    for candidate in (os.environ.get("SSL_CERT_FILE"), "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return candidate
    raise ImageBuildError("no CA bundle on the host (SSL_CERT_FILE or /etc/ssl/certs/ca-certificates.crt)")


def run_in_image(
    image: str, argv: list[str], *, cache_dir: Path | None = None, timeout: float = 300, expect_output: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in a throw-away container of ``image``; return the finished process.

    ONLY for test oracles (what really happens in the image); imagepolicy never
    runs image content.  A non-zero exit is returned, not raised; buildah adds
    ``subprocess exited with status N`` lines to stderr.

    ``expect_output``: the command always prints (a probe whose output the test
    parses). Under load ``buildah run`` has twice given back no output at all on
    this machine, failing a test on the oracle rather than on imagepolicy, so a
    run with empty output is tried twice more in a fresh container.
    """
    buildah = _buildah_cmd(cache_dir)
    attempts = 3 if expect_output else 1
    for attempt in range(attempts):
        container = _run(buildah + ["from", "--pull=never", "--quiet", image], f"creating a container of {image}").stdout.strip()
        try:
            proc = subprocess.run(
                buildah + ["run", "--isolation", "chroot", container, "--", *argv],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        finally:
            subprocess.run(buildah + ["rm", container], capture_output=True, check=False)
        if proc.stdout.strip() or attempt == attempts - 1:
            return proc
        time.sleep(1)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- pytest plugin


def fixture_names() -> list[str]:
    """Return the fixture image names: sub-folders of :data:`FIXTURES_DIR` with a Dockerfile."""
    return sorted(p.parent.name for p in FIXTURES_DIR.glob("*/Dockerfile"))


@pytest.fixture(scope="session")
def image_cache_dir() -> Path:
    """The cache folder for real images; skips the test when buildah/debootstrap are unusable."""
    reason = tools_available()
    if reason is not None:
        pytest.skip(reason)
    return _resolve_cache(None)


@pytest.fixture(scope="session")
def built_images(
    image_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, object]]:
    """Build every fixture under ``tests/fixtures/images/`` once per session.

    Returns ``{name: {"image": ref, "docker-archive": Path, "oci-archive": Path,
    "context": Path}}``; the archives live in a session tmp folder.
    """
    out_dir = tmp_path_factory.mktemp("images")
    built: dict[str, dict[str, object]] = {}
    for name in fixture_names():
        context = FIXTURES_DIR / name
        ref = build_image(
            context, context / "Dockerfile", f"localhost/imagepolicy-test/{name}:latest",
            cache_dir=image_cache_dir,
        )
        built[name] = {"image": ref, "context": context}
        for fmt, suffix in (("docker-archive", "docker.tar"), ("oci-archive", "oci.tar")):
            cached = cached_archive(ref, fmt, image_cache_dir)
            built[name][fmt] = Path(shutil.copyfile(cached, out_dir / f"{name}.{suffix}"))
    return built


def cached_archive(image: str, fmt: str, cache_dir: Path, *, compression: str | None = None) -> Path:
    """Return an archive (or ``oci-dir`` layout) of ``image`` kept in the cache under its image ID (saved once)."""
    image_id = _image_id(image, cache_dir)
    if image_id is None:
        raise ImageBuildError(f"{image} is not in the image storage under {cache_dir}")
    archives = cache_dir / "archives"
    archives.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", image)
    kind = fmt + (f"-{compression}" if compression else "") + ("" if fmt == "oci-dir" else ".tar")
    dest = archives / f"{name}.{image_id[:12]}.{kind}"
    if not dest.exists():
        for stale in archives.glob(f"{name}.*.{kind}"):
            if stale.is_dir():
                shutil.rmtree(stale)
            else:
                stale.unlink()
        partial = save_image(image, archives / f".{dest.name}.partial", fmt, cache_dir=cache_dir, compression=compression)
        partial.rename(dest)
    return dest
