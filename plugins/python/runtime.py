"""A static model of the Python inside a built image: its interpreter, ``sys.path`` and distributions.

PY002 (editable installs), PY003 (module not importable), PY004 (console
scripts) and PY005 (version mismatch) ask what ``import NAME`` would do when the
image's default ``python3`` runs. This module answers from the image's files
alone: nothing from the image is executed, ``.pth`` ``import`` lines are only
reported, and editable finders are read with :func:`ast.literal_eval` on their
``MAPPING = {...}`` assignment.

The model follows CPython's own steps (``Modules/getpath.py`` and ``Lib/site.py``):

1. **Interpreter**: ``python3`` (then ``python``) searched on the ``PATH`` of
   the image config's ``Env`` (default
   ``/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin``), symlinks
   resolved in the image. A ``pyvenv.cfg`` next to the binary or one folder up
   makes it a venv (``home``, ``include-system-site-packages``, ``version``).
   The version comes from the resolved file name (``python3.12``), the venv's
   ``version``, or the single ``lib/pythonX.Y/os.py`` above the binary; the
   prefix is the folder above ``bin`` holding that landmark (``PYTHONHOME``
   overrides it).
2. **sys.path[0]**: the run-time current directory, i.e. the image's WORKDIR,
   for ``python -m``/``-c`` runs and for programs that are not Python scripts
   (servers such as gunicorn and uvicorn put the working directory on
   ``sys.path`` themselves); the script's folder for ``python path/script.py``;
   nothing with ``-I``/``-P`` or ``PYTHONSAFEPATH``.
3. ``PYTHONPATH``, then ``<prefix>/lib/pythonXY.zip``, the stdlib
   ``lib/pythonX.Y`` and ``lib/pythonX.Y/lib-dynload``.
4. **site**: the user site ``~/.local/lib/pythonX.Y/site-packages`` of the
   image's USER (home from ``HOME`` in Env, else ``/etc/passwd``; off with
   ``PYTHONNOUSERSITE``, ``-s``, or a venv without system site-packages), then
   the venv's ``lib/pythonX.Y/site-packages``, then the base prefix's
   site-packages (official images: ``lib/pythonX.Y/site-packages``; Debian's
   patched ``site.py``, recognised by reading it: ``<prefix>/local/lib/pythonX.Y/dist-packages``,
   ``<prefix>/lib/python3/dist-packages``, ``<prefix>/lib/pythonX.Y/dist-packages``,
   after ``lib/pythonX.Y/site-packages`` in a venv). Each site folder that exists is added,
   followed by the existing paths named in its ``.pth`` files (sorted by name).
5. Editable finders that ``.pth`` ``import`` lines install (setuptools
   ``__editable___*_finder.py`` ``MAPPING``, the ``editables`` redirector's
   ``map_module`` calls) are consulted after ``sys.path``, as on
   ``sys.meta_path``.

Entry points: :func:`load_runtime` (cached per image) and
:meth:`PythonRuntime.resolve_module`.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
import shlex
import weakref
from dataclasses import dataclass, field
from email.parser import HeaderParser
from typing import Any, Iterable

__all__ = [
    "DEFAULT_PATH",
    "Distribution",
    "EditableFinder",
    "Interpreter",
    "PathEntry",
    "PthFile",
    "PythonRuntime",
    "Resolution",
    "UserInfo",
    "command_argv",
    "deleting_layer",
    "distribution_layer",
    "find_interpreter",
    "interpreter_versions",
    "load_runtime",
    "parse_shebang",
    "written_by",
]

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
INTERPRETER_NAMES = ("python3", "python")
_VERSIONED = re.compile(r"^python(\d+)\.(\d+)$")
_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?$")
_STDLIB_VERSION = re.compile(r"^python(\d+)\.(\d+)$")
_MAX_SCRIPT_HEAD = 1024


# --- the model -------------------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    """The user the container runs as: from the config's User and /etc/passwd."""

    spec: str
    name: str | None
    uid: int | None
    home: str
    home_from: str  # "HOME in Env", "/etc/passwd", "default"


@dataclass(frozen=True)
class Interpreter:
    """The interpreter ``python3`` names on PATH, and where its installation lives.

    ``path`` is the PATH hit (``/usr/local/bin/python3``), ``real_path`` the file
    it resolves to (``/usr/bin/python3.11``). ``prefix`` is ``sys.prefix`` (the
    venv folder in a venv), ``base_prefix`` the installation's prefix.
    """

    path: str
    real_path: str
    version: str | None
    prefix: str
    base_prefix: str
    exec_prefix: str
    venv: str | None = None  # the pyvenv.cfg path
    system_site_packages: bool = True
    home: str | None = None  # pyvenv.cfg home
    debian: bool = False
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """E.g. ``/usr/local/bin/python3 (Python 3.11, venv /usr/local on /usr/bin)``."""
        version = f"Python {self.version}" if self.version else "unknown version"
        where = f"venv {self.prefix} on {self.home}" if self.venv else f"prefix {self.prefix}"
        return f"{self.path} ({version}, {where})"


@dataclass(frozen=True)
class PathEntry:
    """One ``sys.path`` entry and why it is there (``source``: cwd, script, PYTHONPATH, stdlib, site, user-site, pth)."""

    path: str
    source: str
    exists: bool
    origin: str | None = None  # the .pth file that added it


@dataclass(frozen=True)
class PthFile:
    """A ``.pth`` file in a site folder: its path lines (added when they exist) and import lines (never run)."""

    path: str
    paths: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class EditableFinder:
    """An editable-install import hook: top-level names mapped to source paths.

    ``kind`` is ``"setuptools"`` (``__editable___*_finder.py`` ``MAPPING``) or
    ``"editables"`` (``map_module(name, path)`` calls). ``active`` says whether
    a ``.pth`` file's import line installs it; ``problem`` why it could not be read.
    """

    path: str
    kind: str
    mapping: dict[str, str] = field(default_factory=dict, hash=False)
    active: bool = True
    problem: str | None = None


@dataclass(frozen=True)
class Distribution:
    """An installed distribution, from its ``*.dist-info`` (or ``*.egg-info``) folder."""

    name: str
    version: str | None
    path: str  # the dist-info folder
    site_dir: str
    installer: str | None = None
    editable: bool = False
    url: str | None = None  # direct_url.json url
    top_level: tuple[str, ...] = ()
    record: tuple[str, ...] = ()
    console_scripts: dict[str, str] = field(default_factory=dict, hash=False)
    pth_files: tuple[str, ...] = ()  # .pth files its RECORD lists (absolute)

    @property
    def source_dir(self) -> str | None:
        """The local folder of a ``file://`` direct URL (an editable install's source)."""
        if self.url and self.url.startswith("file://"):
            return posixpath.normpath("/" + self.url[len("file://"):].lstrip("/"))
        return None

    def modules(self) -> list[str]:
        """Top-level import names the distribution installs itself (top_level.txt, else its RECORD)."""
        if self.top_level:
            return list(self.top_level)
        names: dict[str, None] = {}
        for rel in self.record:
            if rel.startswith("..") or rel.startswith("/"):
                continue
            first = rel.split("/", 1)[0]
            if first.endswith((".dist-info", ".egg-info", ".data")) or first == "__pycache__" or first.endswith(".pth"):
                continue
            name = _module_name(first) if "/" not in rel else first
            if name and name.isidentifier():
                names.setdefault(name, None)
        return list(names)

    def record_paths(self) -> list[str]:
        """RECORD entries as absolute image paths (relative to the site folder)."""
        return [posixpath.normpath(posixpath.join(self.site_dir, rel)) for rel in self.record]

    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name


@dataclass(frozen=True)
class Resolution:
    """Where ``import NAME`` finds a top-level module, or why it does not.

    ``kind``: ``package``, ``module``, ``extension``, ``bytecode``, ``namespace``
    (portions in ``portions``) or ``editable`` (through ``finder``); None when
    not found. ``looked`` lists the places searched, in order; ``reasons``
    explain a failure (a distribution that should provide it, a copy elsewhere
    in the image, a dangling editable mapping, an extension for another Python).
    """

    module: str
    kind: str | None = None
    location: str | None = None
    entry: PathEntry | None = None
    finder: str | None = None
    portions: tuple[str, ...] = ()
    looked: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.kind is not None

    def describe(self) -> str:
        if not self.found:
            return f"{self.module} not found"
        if self.kind == "namespace":
            return f"{self.module} is a namespace package in " + ", ".join(self.portions)
        via = f" via {self.finder}" if self.finder else (f" (sys.path entry {self.entry.path})" if self.entry else "")
        return f"{self.module} is the {self.kind} {self.location}{via}"


@dataclass
class PythonRuntime:
    """The static ``sys.path`` and installed distributions of the image's default interpreter.

    ``interpreter`` is None when no Python is on PATH (``problem`` says why);
    then ``sys_path`` is empty.
    """

    image: Any
    interpreter: Interpreter | None
    user: UserInfo
    cwd: str
    launch: str
    sys_path: list[PathEntry] = field(default_factory=list)
    pth_files: list[PthFile] = field(default_factory=list)
    finders: list[EditableFinder] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)
    problem: str | None = None

    # --- queries ---------------------------------------------------------------

    def path_strings(self) -> list[str]:
        return [e.path for e in self.sys_path]

    def on_path(self, folder: str) -> bool:
        return posixpath.normpath(folder) in {posixpath.normpath(e.path) for e in self.sys_path}

    def distribution(self, name: str) -> Distribution | None:
        """The first installed distribution named ``name`` (PEP 503 normalised), in sys.path order."""
        wanted = normalize_name(name)
        return next((d for d in self.distributions if normalize_name(d.name) == wanted), None)

    def extension_suffixes(self) -> tuple[str, ...]:
        """Extension module suffixes this interpreter accepts (``.cpython-312-<arch>.so``, ``.abi3.so``, ``.so``)."""
        return _extension_suffixes(self.interpreter.version if self.interpreter else None)

    def resolve_module(self, name: str) -> Resolution:
        """Resolve top-level ``name`` as the import system would: sys.path in order, then editable finders."""
        top = name.split(".", 1)[0]
        if self.interpreter is None:
            return Resolution(top, reasons=(self.problem or "no python interpreter found",))
        looked: list[str] = []
        portions: list[str] = []
        for entry in self.sys_path:
            looked.append(entry.path)
            if not entry.exists:
                continue
            if entry.path.endswith((".egg", ".zip", ".whl")) and not _is_dir(self.image, entry.path):
                if _find_in_zip(self.image, entry.path, top):  # zipimport: a zipped egg on sys.path
                    return Resolution(top, "zip", f"{entry.path}/{top}", entry=entry, looked=tuple(looked))
                continue
            kind, location = _find_in_folder(self.image, entry.path, top, self.interpreter.version)
            if kind == "namespace":
                portions.append(location)
            elif kind is not None:
                return Resolution(top, kind, location, entry=entry, looked=tuple(looked))
        if portions:
            return Resolution(top, "namespace", portions[0], portions=tuple(portions), looked=tuple(looked))
        for finder in self.finders:
            if not finder.active or top not in finder.mapping:
                continue
            looked.append(f"{finder.path} (maps {top} to {finder.mapping[top]})")
            mapped = _find_mapped(self.image, finder.mapping[top], self.interpreter.version)
            if mapped is not None:
                return Resolution(top, "editable", mapped, finder=finder.path, looked=tuple(looked))
        return Resolution(top, looked=tuple(looked), reasons=tuple(self._why_missing(top)))

    # --- diagnosis ---------------------------------------------------------------

    def _why_missing(self, name: str) -> list[str]:
        reasons: list[str] = []
        version = self.interpreter.version if self.interpreter else None
        for finder in self.finders:
            if name in finder.mapping:
                target = finder.mapping[name]
                state = "" if finder.active else " (no .pth file installs it)"
                reasons.append(f"the editable finder {finder.path}{state} maps {name} to {target}, which does not exist in the image")
        for pth in self.pth_files:
            for missing in pth.missing:
                reasons.append(f"{pth.path} adds {missing}, which does not exist in the image")
        for dist in self.distributions:
            if name in dist.modules():
                places = [p for p in dist.record_paths() if _top_of(p, dist.site_dir) == name] or [posixpath.join(dist.site_dir, name)]
                if any(self.image.exists(p) for p in places):
                    continue
                reasons.append(f"distribution {dist.label()} ({dist.path}) lists {name}, but {places[0]} is not in the image"
                               + self._deleted_by(places))
            elif dist.editable and not dist.modules():
                origin = dist.source_dir or dist.url or "an unknown folder"
                if not _editable_wiring(self, dist):
                    reasons.append(f"distribution {dist.label()} is installed editable from {origin} but provides no modules "
                                   f"(no .pth path or import finder in its RECORD)")
        reasons.extend(self._copies_elsewhere(name, version))
        return reasons

    def _deleted_by(self, paths: list[str]) -> str:
        """`` (deleted by layer N sha256:... (RUN ...))`` when a later layer removed one of ``paths``."""
        from imagepolicy.layermap import layer_label

        layer = deleting_layer(self.image, paths)
        return f" (deleted by {layer_label(self.image, layer)})" if layer is not None else ""

    def _copies_elsewhere(self, name: str, version: str | None) -> list[str]:
        """Folders or files named like the module elsewhere in the image, and why they do not count."""
        found: list[str] = []
        suffixes = _extension_suffixes(version)
        for path, entry in self.image.files.select(where=lambda p: p.rsplit("/", 1)[-1].startswith(name)):
            base = path.rsplit("/", 1)[-1]
            parent = posixpath.dirname(path)
            if parent.startswith(("/proc", "/sys", "/dev")) or "/__pycache__" in path or "/tests/" in path:
                continue
            if base == name and entry.type == "dir" and any(
                self.image.exists(posixpath.join(path, "__init__" + s)) for s in (".py", ".pyc", *suffixes)
            ):
                found.append(self._explain_copy(path, parent, "package folder"))
            elif base == name + ".py" and entry.type in ("file", "hardlink"):
                found.append(self._explain_copy(path, parent, "module"))
            elif base.startswith(name + ".") and base.endswith(".so") and entry.type in ("file", "hardlink"):
                if any(base == name + s for s in suffixes):
                    found.append(self._explain_copy(path, parent, "extension module"))
                else:
                    found.append(f"{path} is an extension module built for another Python than {version or 'this interpreter'}")
            if len(found) >= 5:
                break
        return found

    def _explain_copy(self, path: str, parent: str, what: str) -> str:
        if self.on_path(parent):
            return f"{path} exists on sys.path entry {parent}, but is shadowed or unreadable"
        match = re.search(r"/lib(?:64)?/python(\d+\.\d+)/(?:site|dist)-packages$", parent)
        if match and self.interpreter and match.group(1) != self.interpreter.version:
            return f"{path} exists, but in the site-packages of Python {match.group(1)} (the interpreter is Python {self.interpreter.version})"
        return f"{path} exists but {parent} is not on sys.path"


def normalize_name(name: str) -> str:
    """PEP 503 normalisation: ``Acme_Service`` -> ``acme-service``."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- public entry points -----------------------------------------------------------

_CACHE: weakref.WeakKeyDictionary[Any, dict[str | None, PythonRuntime]] = weakref.WeakKeyDictionary()


def load_runtime(image: Any, python: str | None = None) -> PythonRuntime:
    """The :class:`PythonRuntime` of ``image`` (cached per image and ``python``).

    ``python`` names the interpreter to model (an absolute path in the image,
    or a name looked up on PATH); None means ``python3``, then ``python``.
    """
    try:
        per_image = _CACHE.setdefault(image, {})
    except TypeError:  # not weak-referenceable: no cache
        return _build_runtime(image, python)
    if python not in per_image:
        per_image[python] = _build_runtime(image, python)
    return per_image[python]


def written_by(image: Any, *paths: str) -> int | None:
    """Index of the layer that wrote the first of ``paths`` present in the image (symlinks followed)."""
    for path in paths:
        entry = image.resolve(path)
        if entry is not None:
            return entry.layer
    return None


def distribution_layer(image: Any, dist: Distribution) -> int | None:
    """The layer that installed ``dist``: the one that wrote its METADATA (PKG-INFO), else its folder."""
    return written_by(image, posixpath.join(dist.path, "METADATA"), posixpath.join(dist.path, "PKG-INFO"), dist.path)


def deleting_layer(image: Any, paths: Iterable[str]) -> int | None:
    """Index of the layer that deleted the first of ``paths`` a later layer removed, or None."""
    for path in paths:
        versions = image.deleted.get(path) or []
        for event in versions[0].history if versions else []:
            if event.action == "deleted":
                return event.layer
    return None


def find_interpreter(image: Any, python: str | None = None, env: dict[str, str] | None = None) -> tuple[Interpreter | None, str | None]:
    """Find and describe the interpreter; returns (interpreter, problem)."""
    env = image.env if env is None else env
    hit, problem = _locate(image, python, env)
    if hit is None:
        return None, problem
    return _describe_interpreter(image, hit, env, _Files(image)), None


def _locate(image: Any, python: str | None, env: dict[str, str]) -> tuple[str | None, str | None]:
    """The PATH hit for ``python`` (or python3, then python); else (None, why)."""
    path_dirs = _path_dirs(env)
    names = [python] if python else list(INTERPRETER_NAMES)
    hit = None
    for name in names:
        hit = _which(image, name, path_dirs)
        if hit is not None:
            break
    if hit is None:
        wanted = " or ".join(names)
        if python and python.startswith("/"):
            return None, f"the configured interpreter {python} does not exist in the image (or is not an executable file)"
        return None, f"no python interpreter found on PATH: no {wanted} in {':'.join(path_dirs)}"
    return hit, None


def _startup_files(image: Any, hit: str) -> list[str]:
    """Files the interpreter reads at start-up, to read in one pass: pyvenv.cfg and site.py candidates."""
    bin_dir = posixpath.dirname(hit)
    paths = [posixpath.join(bin_dir, "pyvenv.cfg"), posixpath.join(posixpath.dirname(bin_dir), "pyvenv.cfg")]
    real = image.resolve(hit)
    site_dirs: list[str] = []
    for start in dict.fromkeys([bin_dir, posixpath.dirname(real.path) if real is not None else bin_dir]):
        current = start
        while True:
            lib = posixpath.join(current, "lib")
            for name in image.listdir(lib):
                if _STDLIB_VERSION.match(name):
                    paths.append(posixpath.join(lib, name, "site.py"))
                    site_dirs += [posixpath.join(lib, name, "site-packages"), posixpath.join(lib, name, "dist-packages")]
            site_dirs += [posixpath.join(lib, "python3", "dist-packages")]
            site_dirs += [posixpath.join(current, "local/lib", n, "dist-packages") for n in image.listdir(posixpath.join(current, "local/lib"))]
            if current == "/":
                break
            current = posixpath.dirname(current)
    # Speculatively, the site folders' .pth/finder/dist-info files too: all in the same pass.
    return paths + _site_files(image, [d for d in dict.fromkeys(site_dirs) if _is_dir(image, d)])


def interpreter_versions(image: Any) -> dict[str, list[str]]:
    """Every ``pythonX.Y`` executable in the image that resolves to a file: version -> paths."""
    versions: dict[str, list[str]] = {}
    for path, _ in image.files.select(("file", "hardlink", "symlink"), where=lambda p: _VERSIONED.match(p.rsplit("/", 1)[-1]) is not None):
        match = _VERSIONED.match(path.rsplit("/", 1)[-1])
        if match is None:
            continue
        real = image.resolve(path)
        if real is None or real.type not in ("file", "hardlink") or not real.mode & 0o111:
            continue
        versions.setdefault(f"{match.group(1)}.{match.group(2)}", []).append(path)
    return versions


def parse_shebang(head: bytes) -> list[str] | None:
    """The interpreter argv of a script's first line (``#!/usr/bin/env python3`` -> ``["/usr/bin/env", "python3"]``).

    pip's ``/bin/sh`` trampoline for long interpreter paths (``'''exec' "/x/python" "$0" "$@"``)
    yields the Python it execs. None when the file has no shebang.
    """
    if not head.startswith(b"#!"):
        return None
    lines = head.split(b"\n", 2)
    words = lines[0][2:].decode("utf-8", "replace").strip().split()
    if words and words[0] == "/bin/sh" and len(lines) > 1 and lines[1].startswith(b"'''exec' "):
        try:
            parts = shlex.split(lines[1][len(b"'''exec' "):].decode("utf-8", "replace"))
        except ValueError:
            parts = []
        if parts:
            return [parts[0]]
    return words


# --- building the model ----------------------------------------------------------------


class _Files:
    """Reads through the image in as few passes as possible: prefetched contents first."""

    def __init__(self, image: Any) -> None:
        self.image = image
        self.cache: dict[str, bytes | None] = {}

    def prefetch(self, paths: Iterable[str]) -> None:
        wanted = [p for p in dict.fromkeys(paths) if p not in self.cache]
        found = self.image.read_many(wanted, max_bytes=4 << 20) if wanted else {}
        for path in wanted:
            self.cache[path] = found.get(path)

    def read(self, path: str) -> bytes | None:
        if path not in self.cache:
            self.prefetch([path])
        return self.cache[path]


def _build_runtime(image: Any, python: str | None) -> PythonRuntime:
    env = image.env
    files = _Files(image)
    launch_flags, path0, launch = _launch(image, env)
    hit, problem = _locate(image, python, env)
    if hit is not None:
        files.prefetch(["/etc/passwd", *_startup_files(image, hit)])
    user = _user_info(image, env, files)
    interpreter = _describe_interpreter(image, hit, env, files) if hit is not None else None
    runtime = PythonRuntime(image=image, interpreter=interpreter, user=user, cwd=image.workdir, launch=launch, problem=problem)
    if interpreter is None:
        return runtime
    ignore_env = "E" in launch_flags or "I" in launch_flags
    penv = {} if ignore_env else env
    entries: list[PathEntry] = []
    if path0 is not None and "P" not in launch_flags and "I" not in launch_flags and not penv.get("PYTHONSAFEPATH"):
        entries.append(PathEntry(path0, "cwd" if launch != "script" else "script", _is_dir(image, path0)))
    for item in (penv.get("PYTHONPATH") or "").split(":"):
        if item:
            path = _absolute(item, image.workdir)
            entries.append(PathEntry(path, "PYTHONPATH", _is_dir(image, path)))
    version = interpreter.version or "3"
    nodot = version.replace(".", "")
    stdlib = posixpath.join(interpreter.base_prefix, "lib", f"python{version}")
    entries.append(PathEntry(posixpath.join(interpreter.base_prefix, "lib", f"python{nodot}.zip"), "stdlib", image.exists(posixpath.join(interpreter.base_prefix, "lib", f"python{nodot}.zip"))))
    entries.append(PathEntry(stdlib, "stdlib", _is_dir(image, stdlib)))
    dynload = posixpath.join(interpreter.exec_prefix, "lib", f"python{version}", "lib-dynload")
    entries.append(PathEntry(dynload, "stdlib", _is_dir(image, dynload)))
    runtime.sys_path = entries
    user_site_on = not (penv.get("PYTHONNOUSERSITE") or "s" in launch_flags or "I" in launch_flags)
    if interpreter.venv and not interpreter.system_site_packages:
        user_site_on = False
    site_dirs: list[tuple[str, str]] = []
    if user_site_on:
        base = penv.get("PYTHONUSERBASE") or posixpath.join(user.home, ".local")
        site_dirs.append((posixpath.join(base, "lib", f"python{version}", "site-packages"), "user-site"))
    site_dirs.extend((d, "site") for d in _site_packages(image, interpreter))
    site_dirs = [(d, s) for d, s in site_dirs if _is_dir(image, d)]
    files.prefetch(_site_files(image, [d for d, _ in site_dirs] + [e.path for e in entries if e.exists and e.source != "stdlib"]))
    _add_site_dirs(runtime, site_dirs, files)
    _load_distributions(runtime, files)
    return runtime


_DIST_FILES = ("METADATA", "PKG-INFO", "RECORD", "top_level.txt", "direct_url.json", "entry_points.txt", "INSTALLER")


def _site_files(image: Any, folders: list[str]) -> list[str]:
    """.pth files, editable finders and dist-info files in ``folders``: all read in one pass."""
    paths: list[str] = []
    for folder in folders:
        for name in image.listdir(folder):
            if (name.endswith(".pth") and not name.startswith(".")) or _is_finder_name(name):
                paths.append(posixpath.join(folder, name))
            elif name.endswith((".dist-info", ".egg-info")):
                paths += [posixpath.join(folder, name, n) for n in _DIST_FILES]
    return paths


def _path_dirs(env: dict[str, str]) -> list[str]:
    value = env.get("PATH")
    return [d for d in (value if value is not None else DEFAULT_PATH).split(":") if d]


def _which(image: Any, name: str, path_dirs: list[str]) -> str | None:
    candidates = [name] if "/" in name else [posixpath.join(d if d.startswith("/") else "/" + d, name) for d in path_dirs]
    for candidate in candidates:
        entry = image.resolve(candidate)
        if entry is not None and entry.type in ("file", "hardlink") and entry.mode & 0o111:
            return posixpath.normpath(candidate)
    return None


def _describe_interpreter(image: Any, path: str, env: dict[str, str], files: _Files) -> Interpreter:
    real = image.resolve(path)
    real_path = real.path if real is not None else path
    notes: list[str] = []
    bin_dir = posixpath.dirname(path)
    cfg_paths = [posixpath.join(bin_dir, "pyvenv.cfg"), posixpath.join(posixpath.dirname(bin_dir), "pyvenv.cfg")]
    venv_cfg = next((p for p in cfg_paths if files.read(p) is not None), None)
    cfg = _parse_cfg(files.read(venv_cfg) or b"") if venv_cfg else {}
    home = cfg.get("home")
    version = _version_from_name(real_path)
    base_real_dir = posixpath.dirname(real_path)
    if venv_cfg and home:
        base_exe = image.resolve(posixpath.join(home, posixpath.basename(path)))
        if base_exe is not None:
            base_real_dir = posixpath.dirname(base_exe.path)
            version = version or _version_from_name(base_exe.path)
        else:
            base_real_dir = home
            notes.append(f"{venv_cfg} names home {home}, which holds no {posixpath.basename(path)}")
    if version is None and cfg.get("version"):
        match = re.match(r"^(\d+)\.(\d+)", cfg.get("version") or cfg.get("version_info") or "")
        version = f"{match.group(1)}.{match.group(2)}" if match else None
    home_env = env.get("PYTHONHOME")
    prefix: str | None
    if home_env:
        prefix, _, exec_prefix = home_env.partition(":")
        exec_prefix = exec_prefix or prefix
        version = version or _single_stdlib_version(image, prefix)
    else:
        if version is None:
            version = _search_version(image, base_real_dir)
        prefix = _search_up(image, base_real_dir, f"lib/python{version}/os.py", f"lib/python{version}/os.pyc") if version else None
        if prefix is None:
            prefix = posixpath.dirname(base_real_dir) or "/"
            notes.append(f"no lib/python{version or 'X.Y'}/os.py above {base_real_dir}: assuming prefix {prefix}")
        exec_prefix = _search_up(image, base_real_dir, f"lib/python{version}/lib-dynload") or prefix
    site_py = files.read(posixpath.join(prefix, "lib", f"python{version}", "site.py")) if version else None
    debian = bool(site_py and b"dist-packages" in site_py)
    return Interpreter(
        path=path,
        real_path=real_path,
        version=version,
        prefix=posixpath.dirname(venv_cfg) if venv_cfg else prefix,
        base_prefix=prefix,
        exec_prefix=exec_prefix,
        venv=venv_cfg,
        system_site_packages=(cfg.get("include-system-site-packages", "false").lower() == "true") if venv_cfg else True,
        home=home,
        debian=debian,
        notes=tuple(notes),
    )


def _parse_cfg(data: bytes) -> dict[str, str]:
    cfg: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            cfg[key.strip().lower()] = value.strip()
    return cfg


def _version_from_name(path: str) -> str | None:
    match = _VERSIONED.match(posixpath.basename(path))
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _search_up(image: Any, start: str, *landmarks: str) -> str | None:
    current = posixpath.normpath(start)
    while True:
        if any(image.exists(posixpath.join(current, mark)) for mark in landmarks):
            return current
        if current == "/":
            return None
        current = posixpath.dirname(current)


def _search_version(image: Any, start: str) -> str | None:
    """The X.Y of the single ``lib/pythonX.Y/os.py`` found going up from ``start``."""
    current = posixpath.normpath(start)
    while True:
        found = _single_stdlib_version(image, current)
        if found:
            return found
        if current == "/":
            return None
        current = posixpath.dirname(current)


def _single_stdlib_version(image: Any, prefix: str) -> str | None:
    lib = posixpath.join(prefix, "lib")
    versions = [n[len("python"):] for n in image.listdir(lib) if _STDLIB_VERSION.match(n) and image.exists(posixpath.join(lib, n, "os.py"))]
    return versions[0] if len(versions) == 1 else None


def _site_packages(image: Any, interp: Interpreter) -> list[str]:
    """Site folders of the prefixes, in site.py's order (venv first, base when included)."""
    version = interp.version or "3"
    # sys.platlibdir: "lib64" on distributions (Fedora, SUSE) whose stdlib lives there.
    platlib = "lib64" if image.exists(posixpath.join(interp.base_prefix, "lib64", f"python{version}", "os.py")) else "lib"
    dirs: list[str] = []
    if interp.venv:
        dirs += _prefix_sites(interp.prefix, version, venv=True, debian=interp.debian, platlib=platlib)
        if interp.system_site_packages:  # Debian: the base prefix gets the venv's list too
            dirs += _prefix_sites(interp.base_prefix, version, venv=interp.debian, debian=interp.debian, platlib=platlib)
    else:
        dirs += _prefix_sites(interp.base_prefix, version, venv=False, debian=interp.debian, platlib=platlib)
    seen: dict[str, None] = {}
    for d in dirs:
        seen.setdefault(posixpath.normpath(d), None)
    return list(seen)


def _prefix_sites(prefix: str, version: str, *, venv: bool, debian: bool, platlib: str = "lib") -> list[str]:
    if debian:  # Debian's patched getsitepackages(), for every prefix
        return ([posixpath.join(prefix, "lib", f"python{version}", "site-packages")] if venv else []) + [
            posixpath.join(prefix, "local/lib", f"python{version}", "dist-packages"),
            posixpath.join(prefix, "lib", "python3", "dist-packages"),
            posixpath.join(prefix, "lib", f"python{version}", "dist-packages"),
        ]
    return [posixpath.join(prefix, libdir, f"python{version}", "site-packages") for libdir in ((platlib, "lib") if platlib != "lib" else ("lib",))]


def _add_site_dirs(runtime: PythonRuntime, site_dirs: list[tuple[str, str]], files: _Files) -> None:
    """site.addsitedir for each folder: the folder, then its .pth path lines; finders found on the way."""
    image = runtime.image
    listings = {d: image.listdir(d) for d, _ in site_dirs}
    known = {posixpath.normpath(e.path) for e in runtime.sys_path}
    imported: set[str] = set()
    for folder, source in site_dirs:
        if posixpath.normpath(folder) not in known:
            runtime.sys_path.append(PathEntry(folder, source, True))
            known.add(posixpath.normpath(folder))
        for name in sorted(n for n in listings[folder] if n.endswith(".pth") and not n.startswith(".")):
            pth_path = posixpath.join(folder, name)
            pth = _parse_pth(image, pth_path, files.read(pth_path) or b"")
            runtime.pth_files.append(pth)
            imported.update(_imported_modules(pth.imports))
            for path in pth.paths:
                if posixpath.normpath(path) not in known:
                    runtime.sys_path.append(PathEntry(path, "pth", True, origin=pth_path))
                    known.add(posixpath.normpath(path))
    for folder, _ in site_dirs:
        for name in listings[folder]:
            if _is_finder_name(name):
                path = posixpath.join(folder, name)
                module = name[:-3]
                runtime.finders.append(_parse_finder(path, files.read(path) or b"", module in imported))


def _parse_pth(image: Any, path: str, data: bytes) -> PthFile:
    folder = posixpath.dirname(path)
    paths: list[str] = []
    missing: list[str] = []
    imports: list[str] = []
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("import ", "import\t")):
            imports.append(line)
            continue
        target = posixpath.normpath(posixpath.join(folder, line))
        (paths if image.exists(target) else missing).append(target)
    return PthFile(path, tuple(paths), tuple(missing), tuple(imports))


def _imported_modules(lines: Iterable[str]) -> set[str]:
    names: set[str] = set()
    for line in lines:
        for match in re.finditer(r"\bimport\s+([A-Za-z_][\w.]*)", line):
            names.add(match.group(1).split(".")[0])
    return names


def _is_finder_name(name: str) -> bool:
    return (name.startswith("__editable___") and name.endswith("_finder.py")) or (name.startswith("_editable_impl_") and name.endswith(".py"))


def _parse_finder(path: str, data: bytes, active: bool) -> EditableFinder:
    """Read a finder's mapping from literals only: ``MAPPING = {...}`` or ``map_module("x", "/p")`` calls."""
    kind = "setuptools" if posixpath.basename(path).startswith("__editable___") else "editables"
    try:
        tree = ast.parse(data.decode("utf-8", "replace"), filename=path)
    except SyntaxError as exc:
        return EditableFinder(path, kind, {}, active, f"cannot parse {path}: {exc.msg} at line {exc.lineno}")
    mapping: dict[str, str] = {}
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and any(isinstance(t, ast.Name) and t.id == "MAPPING" for t in targets) and node.value is not None:
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, SyntaxError, TypeError):
                return EditableFinder(path, kind, {}, active, f"{path}: MAPPING at line {node.lineno} is not a literal")
            if isinstance(value, dict):
                mapping.update({str(k): str(v) for k, v in value.items()})
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "map_module":
            try:
                args = [ast.literal_eval(a) for a in node.args[:2]]
            except (ValueError, SyntaxError, TypeError):
                continue
            if len(args) == 2:
                target = str(args[1])
                if posixpath.basename(target) == "__init__.py":
                    target = posixpath.dirname(target)
                mapping[str(args[0])] = target
    return EditableFinder(path, kind, mapping, active)


def _load_distributions(runtime: PythonRuntime, files: _Files) -> None:
    """Read every dist-info/egg-info folder on sys.path (a folder reached twice through symlinks counts once)."""
    image = runtime.image
    folders: list[tuple[str, str]] = []
    seen: set[str] = set()
    for entry in runtime.sys_path:
        if not entry.exists or entry.source == "stdlib":
            continue
        for name in image.listdir(entry.path):
            if name.endswith((".dist-info", ".egg-info")):
                folder = posixpath.join(entry.path, name)
                real = image.resolve(folder)
                key = real.path if real is not None else folder
                if key not in seen:
                    seen.add(key)
                    folders.append((entry.path, folder))
    files.prefetch(posixpath.join(f, n) for _, f in folders for n in _DIST_FILES)
    for site_dir, folder in folders:
        runtime.distributions.append(_parse_distribution(site_dir, folder, {n: files.read(posixpath.join(folder, n)) for n in _DIST_FILES}))


def _parse_distribution(site_dir: str, folder: str, data: dict[str, bytes | None]) -> Distribution:
    meta_raw = data.get("METADATA") or data.get("PKG-INFO") or b""
    headers = HeaderParser().parsestr(meta_raw.decode("utf-8", "replace"), headersonly=True)
    stem = posixpath.basename(folder).rsplit(".", 1)[0]
    name = headers.get("Name") or stem.split("-", 1)[0]
    version = headers.get("Version") or (stem.split("-", 1)[1] if "-" in stem else None)
    record = tuple(_record_paths(data.get("RECORD") or b""))
    direct: dict[str, Any] = {}
    if data.get("direct_url.json"):
        try:
            loaded = json.loads(data["direct_url.json"] or b"{}")
            direct = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            direct = {}
    dir_info = direct.get("dir_info")
    if not isinstance(dir_info, dict):
        dir_info = {}
    top_level = tuple(l.strip() for l in (data.get("top_level.txt") or b"").decode("utf-8", "replace").splitlines() if l.strip())
    pths = tuple(posixpath.normpath(posixpath.join(site_dir, r)) for r in record if r.endswith(".pth"))
    return Distribution(
        name=name.strip(),
        version=version.strip() if version else None,
        path=folder,
        site_dir=site_dir,
        installer=(data.get("INSTALLER") or b"").decode("utf-8", "replace").strip() or None,
        editable=bool(dir_info.get("editable")),
        url=direct.get("url") if isinstance(direct.get("url"), str) else None,
        top_level=top_level,
        record=record,
        console_scripts=_console_scripts(data.get("entry_points.txt") or b""),
        pth_files=pths,
    )


def _record_paths(data: bytes) -> Iterable[str]:
    import csv
    import io

    for row in csv.reader(io.StringIO(data.decode("utf-8", "replace"))):
        if row and row[0]:
            yield row[0]


def _console_scripts(data: bytes) -> dict[str, str]:
    scripts: dict[str, str] = {}
    section = None
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section == "console_scripts":
            key, sep, value = line.partition("=")
            if sep:
                scripts[key.strip()] = value.strip()
    return scripts


def _editable_wiring(runtime: PythonRuntime, dist: Distribution) -> bool:
    """True when an editable install left a .pth path or finder behind (its own or one named after it)."""
    if dist.pth_files:
        return True
    stem = normalize_name(dist.name).replace("-", "_")
    return any(stem in normalize_name(posixpath.basename(p.path)).replace("-", "_") for p in runtime.pth_files if p.paths)


# --- run-time user, cwd and launch -------------------------------------------------------


def _user_info(image: Any, env: dict[str, str], files: _Files) -> UserInfo:
    spec = image.user or "root"
    user_part = spec.split(":", 1)[0] or "root"
    passwd = files.read("/etc/passwd") or b""
    name: str | None = None
    uid: int | None = None
    home: str | None = None
    for line in passwd.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if len(fields) < 7:
            continue
        if fields[0] == user_part or (user_part.isdigit() and fields[2] == user_part):
            name, home = fields[0], fields[5] or "/"
            uid = int(fields[2]) if fields[2].isdigit() else None
            break
    if name is None:
        uid = int(user_part) if user_part.isdigit() else None
        name = None if user_part.isdigit() else user_part
    if env.get("HOME"):
        return UserInfo(spec, name, uid, env["HOME"], "HOME in Env")
    if home is not None:
        return UserInfo(spec, name, uid, home, "/etc/passwd")
    return UserInfo(spec, name, uid, "/root" if uid == 0 or user_part == "root" else "/", "default")


def _launch(image: Any, env: dict[str, str]) -> tuple[set[str], str | None, str]:
    """How the image's command starts Python: (interpreter flags, sys.path[0], kind).

    kind is ``module``/``command``/``interactive`` (sys.path[0] is the WORKDIR),
    ``script`` (the script's folder) or ``program`` (not Python itself: WORKDIR).
    """
    argv = command_argv(image)
    cwd = image.workdir
    if not argv or not _PYTHON_NAME.match(posixpath.basename(argv[0])):
        return set(), cwd, "program"
    flags: set[str] = set()
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg in ("-m", "-c") or (arg.startswith("-m") and len(arg) > 2) or (arg.startswith("-c") and len(arg) > 2):
            return flags, cwd, "module" if arg.startswith("-m") else "command"
        if arg in ("-W", "-X"):
            i += 2
            continue
        if arg.startswith("-") and arg != "-":
            flags.update(c for c in arg[1:] if c.isalpha())
            i += 1
            continue
        script = _absolute(arg, cwd)
        real = image.resolve(script)
        return flags, posixpath.dirname(real.path if real is not None else script), "script"
    return flags, cwd, "interactive"


def command_argv(image: Any) -> list[str]:
    """The image's Entrypoint followed by its Cmd (a bare string counts as one word)."""
    argv: list[str] = []
    for key in ("Entrypoint", "Cmd"):
        value = image.runtime.get(key)
        argv += [value] if isinstance(value, str) else [str(a) for a in (value or [])]
    return argv


# --- finding modules in folders ------------------------------------------------------------


def _extension_suffixes(version: str | None) -> tuple[str, ...]:
    tag = version.replace(".", "") if version else None
    suffixes = [f".cpython-{tag}-{arch}.so" for arch in _ARCHES] if tag else []
    return tuple(suffixes + [".abi3.so", ".so"])


_ARCHES = (
    "x86_64-linux-gnu", "aarch64-linux-gnu", "arm-linux-gnueabihf", "i386-linux-gnu", "powerpc64le-linux-gnu",
    "s390x-linux-gnu", "riscv64-linux-gnu", "x86_64-linux-musl", "aarch64-linux-musl", "armv7-linux-musleabihf",
)


def _find_in_folder(image: Any, folder: str, name: str, version: str | None) -> tuple[str | None, str]:
    """What FileFinder finds for ``name`` in ``folder``: (kind, location) or (None, "")."""
    pkg = posixpath.join(folder, name)
    entry = image.resolve(pkg)
    suffixes = _extension_suffixes(version)
    namespace = None
    if entry is not None and entry.type == "dir":
        for suffix in (*suffixes, ".py", ".pyc"):
            init = image.resolve(posixpath.join(pkg, "__init__" + suffix))
            if init is not None and init.type in ("file", "hardlink"):
                return "package", pkg
        namespace = pkg
    for suffix, kind in [(s, "extension") for s in suffixes] + [(".py", "module"), (".pyc", "bytecode")]:
        candidate = image.resolve(pkg + suffix)
        if candidate is not None and candidate.type in ("file", "hardlink"):
            return kind, pkg + suffix
    if namespace is not None:
        return "namespace", namespace
    return None, ""


def _find_in_zip(image: Any, path: str, name: str) -> bool:
    """zipimport's view: ``name/__init__.py(c)`` or ``name.py(c)`` at the top of the zip file at ``path``.

    The archive is read from the image (never extracted), bounded by the ``python-file-bytes`` limit
    (a larger one is not looked into).
    """
    import io
    import zipfile

    from imagepolicy import limits

    cap = limits.get("python-file-bytes") * 8
    data = image.read(path, max_bytes=cap + 1)
    if data is None or len(data) > cap:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist()[:100_000])
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return any(f"{name}/__init__{s}" in names or f"{name}{s}" in names for s in (".py", ".pyc"))


def _find_mapped(image: Any, target: str, version: str | None) -> str | None:
    """setuptools' _EditableFinder._find_spec: ``target/__init__.py`` or ``target`` with a module suffix."""
    if image.exists(posixpath.join(target, "__init__.py")):
        return target
    stem, ext = posixpath.splitext(target)
    base = stem if ext in (".py", ".pyc", ".so") else target
    for suffix in (*_extension_suffixes(version), ".py", ".pyc"):
        if image.exists(base + suffix):
            return base + suffix
    return None


def _module_name(filename: str) -> str | None:
    if filename.endswith(".py"):
        return filename[:-3]
    if filename.endswith(".so"):
        return filename.split(".", 1)[0]
    if filename.endswith(".pyc"):
        return filename[:-4]
    return None


def _top_of(path: str, site_dir: str) -> str | None:
    rel = posixpath.relpath(path, site_dir)
    if rel.startswith(".."):
        return None
    first = rel.split("/", 1)[0]
    return first if "/" in rel else _module_name(first)


def _is_dir(image: Any, path: str) -> bool:
    entry = image.resolve(path)
    return entry is not None and entry.type == "dir"


def _absolute(path: str, cwd: str) -> str:
    return posixpath.normpath(posixpath.join(cwd or "/", path))
