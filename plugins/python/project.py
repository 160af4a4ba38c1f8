"""A static model of a Python project: what ``pip install .`` would put on the import path.

The rules PY001 (install before source copied), PY003 (module not importable in
the built image) and PY004 (console scripts) need to know, for a project folder
in the build context, which top-level modules its wheel will contain, which
source paths those come from, which other files the build reads, and which
console scripts it declares.

Everything here is **static**: ``pyproject.toml`` is read with :mod:`tomllib`,
``setup.cfg`` with :mod:`configparser`, and ``setup.py`` is never executed --
at most its literal ``setup(...)`` keywords are read with :mod:`ast`. No build
backend is run and no project code is imported. Each backend's discovery rules
are re-implemented from its source (setuptools ``discovery.py``, hatchling
``builders/wheel.py`` + ``builders/config.py``, poetry-core
``masonry/utils/module.py``, flit_core ``common.Module``, pdm-backend
``base.py``, maturin and uv_build documentation); where the model has to guess,
it says so in :attr:`PythonProject.notes`.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import re
import sys
from dataclasses import field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from imagepolicy.model import InputError
from imagepolicy.records import record

if TYPE_CHECKING:  # pragma: no cover - imported where a project file is read (configparser, tomllib: 4 ms at every start)
    import configparser


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib

__all__ = [
    "PROJECT_FILES",
    "ModuleSource",
    "PythonProject",
    "find_project_root",
    "load_project",
]

#: Files whose presence makes a folder a Python project (what pip looks for).
PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")

# build-backend strings (before any ":object" suffix) -> short backend name.
_BACKENDS: dict[str, str] = {
    "setuptools.build_meta": "setuptools",
    "hatchling.build": "hatchling",
    "hatchling.ouroboros": "hatchling",
    "poetry.core.masonry.api": "poetry",
    "poetry.masonry.api": "poetry",
    "flit_core.buildapi": "flit",
    "flit.buildapi": "flit",
    "pdm.backend": "pdm",
    "pdm.pep517.api": "pdm",
    "maturin": "maturin",
    "uv_build": "uv",
}

# setuptools/discovery.py: FlatLayoutPackageFinder._EXCLUDE (setuptools 80).
_FLAT_PACKAGE_EXCLUDE = (
    "ci", "bin", "debian", "doc", "docs", "documentation", "manpages", "news",
    "newsfragments", "changelog", "test", "tests", "unit_test", "unit_tests",
    "example", "examples", "scripts", "tools", "util", "utils", "python",
    "build", "dist", "venv", "env", "requirements", "tasks", "fabfile",
    "site_scons", "benchmark", "benchmarks", "exercise", "exercises", "htmlcov",
    "[._]*",
)
# setuptools/discovery.py: FlatLayoutModuleFinder.DEFAULT_EXCLUDE.
_FLAT_MODULE_EXCLUDE = (
    "setup", "conftest", "test", "tests", "example", "examples", "build",
    "toxfile", "noxfile", "pavement", "dodo", "tasks", "fabfile",
    "[Ss][Cc]onstruct", "conanfile", "manage", "benchmark", "benchmarks",
    "exercise", "exercises", "[._]*",
)
# setuptools/discovery.py: PackageFinder.ALWAYS_EXCLUDE.
_ALWAYS_EXCLUDE = ("ez_setup", "*__pycache__")

_GLOB_CHARS = re.compile(r"[*?\[]")


# --- the model -------------------------------------------------------------------


@record(frozen=True)
class ModuleSource:
    """One top-level import name the project installs, and where its source is.

    ``kind`` is ``"package"`` (folder with ``__init__.py``), ``"namespace"``
    (folder without one), ``"module"`` (a single ``.py`` file) or
    ``"extension"`` (a compiled module built from ``path``, e.g. a Rust crate).
    """

    module: str
    path: str
    kind: str


@record(frozen=True)
class PythonProject:
    """What a static reading of a project folder says ``pip install .`` produces.

    ``root`` is the absolute host path of the folder; every other path is POSIX
    and relative to it. ``modules`` empty means the install would put no
    importable module on the path (or fail): ``notes`` says which.
    ``extra_sources`` lists sub-package folders mapped elsewhere by setuptools
    ``package-dir`` (``{"acme.plugins" = "plugins"}``): needed by the build too.
    """

    root: str
    name: str | None
    backend: str | None
    modules: tuple[ModuleSource, ...] = ()
    source_roots: tuple[str, ...] = ()
    required_files: tuple[str, ...] = ()
    scripts: dict[str, str] = field(default_factory=dict, hash=False)
    notes: tuple[str, ...] = ()
    extra_sources: tuple[str, ...] = ()
    # How the backend selects the files to ship: setuptools "packages", "find", "py-modules" or "auto"
    # (discovery); hatchling "explicit" or "default"; "default" for the others. ``package_root`` is
    # setuptools' package-dir root ("" when unset), ``find_where`` the folders of a find directive.
    selection: str = "default"
    package_root: str = ""
    find_where: tuple[str, ...] = ()

    def module_paths(self) -> list[str]:
        """Relative paths that must exist for the install to produce the modules.

        The modules' own paths, then :attr:`extra_sources`: sub-package folders
        that setuptools ``package-dir`` maps outside their parent's folder.
        """
        seen: dict[str, None] = {}
        for path in [m.path for m in self.modules] + list(self.extra_sources):
            seen.setdefault(path, None)
        return list(seen)

    def module_names(self) -> list[str]:
        """The top-level import names, in declaration order."""
        return [source.module for source in self.modules]

    def module_for(self, import_path: str) -> ModuleSource | None:
        """The installed module providing ``import_path`` (``"acme.cli"`` -> ``acme``), if any."""
        top = import_path.strip().split(":", 1)[0].split(".", 1)[0]
        return next((m for m in self.modules if m.module == top), None)

    def describe(self) -> str:
        """A one-line summary, e.g. ``acme-service (hatchling): modules acme from src/acme``."""
        label = self.name or os.path.basename(self.root.rstrip("/\\")) or self.root
        head = f"{label} ({self.backend or 'no build backend'})"
        if not self.modules:
            return f"{head}: no modules found"
        parts = [
            m.module if m.path in (m.module, f"{m.module}.py") else f"{m.module} from {m.path}"
            for m in self.modules
        ]
        noun = "module" if len(parts) == 1 else "modules"
        return f"{head}: {noun} " + ", ".join(parts)


# --- public entry points -----------------------------------------------------------


def find_project_root(start: str | os.PathLike[str], stop: str | os.PathLike[str]) -> str | None:
    """The nearest folder from ``start`` up to ``stop`` (inclusive) holding a project file.

    Project files are ``pyproject.toml``, ``setup.cfg`` and ``setup.py``.
    ``start`` may be a file (its folder is the first candidate). Returns None
    when no candidate qualifies or ``start`` does not lie inside ``stop``.
    """
    current = Path(os.path.abspath(start))
    limit = Path(os.path.abspath(stop))
    if current.is_file():
        current = current.parent
    if current != limit and limit not in current.parents:
        return None
    while True:
        if any((current / name).is_file() for name in PROJECT_FILES):
            return str(current)
        if current == limit:
            return None
        current = current.parent


def load_project(
    root: str | os.PathLike[str], *, display_root: str | os.PathLike[str] | None = None
) -> PythonProject | None:
    """Read the project in ``root`` statically; None when it has no project file.

    ``display_root`` only shapes error messages: file names are shown relative
    to it (e.g. the build context), so an error reads
    ``backend/pyproject.toml: invalid TOML at line 3: ...``.

    Raises :class:`~imagepolicy.model.InputError` when ``pyproject.toml`` or
    ``setup.cfg`` cannot be parsed.
    """
    base = Path(os.path.abspath(root))
    if not any((base / name).is_file() for name in PROJECT_FILES):
        return None
    return _Reader(base, display_root).read()


# --- bounded reading ---------------------------------------------------------------------


def read_text_bounded(path: Path, shown: str) -> str:
    """A project file's UTF-8 text, refused past the ``python-file-bytes`` limit."""
    from imagepolicy import limits

    cap = limits.get("python-file-bytes")
    with open(path, "rb") as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise limits.LimitExceeded("python-file-bytes", shown, f"more than {cap:,} bytes")
    return data.decode("utf-8")


def toml_nesting_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` values in TOML text, strings and comments skipped.

    Table headers (``[a]``, ``[[a]]`` at the start of a line) count one level,
    as they do not nest. Cheap and linear: run before :mod:`tomllib`, whose
    recursive parser raises RecursionError a few hundred levels down.
    """
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            triple = text.startswith(ch * 3, i)
            quote = ch * 3 if triple else ch
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                if ch == '"' and text[i] == "\\":
                    i += 1
                elif not triple and text[i] == "\n":
                    break
                i += 1
            i += len(quote)
            continue
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def load_toml_text(text: str, shown: str) -> dict[str, Any]:
    """Parse TOML with the ``toml-nesting-depth`` bound; invalid TOML is an InputError naming the line."""
    from imagepolicy import limits

    cap = limits.get("toml-nesting-depth")
    found = toml_nesting_depth(text)
    if found > cap:
        raise limits.LimitExceeded("toml-nesting-depth", shown, f"{found} levels")
    tomllib = _tomllib()
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise limits.LimitExceeded("toml-nesting-depth", shown, "too deep for the TOML parser") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where_found = re.search(r"\(at line (\d+), column (\d+)\)", message)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "syntax error"
        reason = reason[:1].lower() + reason[1:]
        where = f" at line {where_found.group(1)}" if where_found else ""
        raise InputError(
            f"{shown}: invalid TOML{where}: {reason}; "
            "fix it (pip and the build backend cannot read it either)"
        ) from None


# --- reading -----------------------------------------------------------------------


class _Reader:
    """Collects one project's facts; one instance per :func:`load_project` call."""

    def __init__(self, root: Path, display_root: str | os.PathLike[str] | None) -> None:
        self.root = root
        self.display_root = Path(os.path.abspath(display_root)) if display_root is not None else None
        self.notes: list[str] = []
        self.modules: dict[str, ModuleSource] = {}
        self.required: dict[str, None] = {}
        self.scripts: dict[str, str] = {}
        self.extra_sources: dict[str, None] = {}
        self.selection = "default"
        self.package_root = ""
        self.find_where: tuple[str, ...] = ()
        self.pyproject: dict[str, Any] = {}
        self.setup_cfg: configparser.RawConfigParser | None = None
        self.setup_py: _SetupPy | None = None

    # -- orchestration

    def read(self) -> PythonProject:
        has_pyproject = (self.root / "pyproject.toml").is_file()
        if has_pyproject:
            self.pyproject = self._load_toml(self.root / "pyproject.toml")
        if (self.root / "setup.cfg").is_file():
            self.setup_cfg = self._load_cfg(self.root / "setup.cfg")
        if (self.root / "setup.py").is_file():
            self.setup_py = _SetupPy.parse(self.root / "setup.py", self.notes)
        for file_name in PROJECT_FILES:
            if (self.root / file_name).is_file():
                self.required.setdefault(file_name, None)

        backend = self._backend(has_pyproject)
        name = self._name()
        handler: Callable[[str | None], None] = {
            "setuptools": self._setuptools,
            "hatchling": self._hatchling,
            "poetry": self._poetry,
            "flit": self._flit,
            "pdm": self._pdm,
            "maturin": self._maturin,
            "uv": self._uv,
        }.get(backend or "setuptools", self._unknown_backend)
        handler(name)
        self._collect_scripts()
        self._collect_required_files()

        modules = tuple(self.modules.values())
        return PythonProject(
            root=str(self.root),
            name=name,
            backend=backend,
            modules=modules,
            source_roots=_source_roots(modules),
            required_files=tuple(self.required),
            scripts=dict(self.scripts),
            notes=tuple(dict.fromkeys(self.notes)),
            extra_sources=tuple(self.extra_sources),
            selection=self.selection,
            package_root=self.package_root,
            find_where=self.find_where,
        )

    def _backend(self, has_pyproject: bool) -> str | None:
        build_system = _table(self.pyproject.get("build-system"))
        raw = build_system.get("build-backend")
        if isinstance(raw, str) and raw.strip():
            key = raw.strip().split(":", 1)[0]
            return _BACKENDS.get(key, raw.strip())
        if has_pyproject:
            self.notes.append(
                "pyproject.toml names no build-backend; pip falls back to setuptools (legacy mode)"
            )
            return "setuptools"
        if self.setup_py is not None:
            return "setuptools"
        self.notes.append(
            "setup.cfg without setup.py or pyproject.toml: pip cannot install this folder "
            "(add a pyproject.toml with a [build-system] table)"
        )
        return None

    def _name(self) -> str | None:
        candidates: list[Any] = [
            _table(self.pyproject.get("project")).get("name"),
            self._tool("poetry").get("name"),
            _table(self._tool("flit").get("metadata")).get("dist-name"),
            _table(self._tool("flit").get("metadata")).get("module"),
        ]
        if self.setup_py is not None:
            candidates.append(self.setup_py.values.get("name"))
        if self.setup_cfg is not None:
            candidates.append(self.setup_cfg.get("metadata", "name", fallback=None))
        return next((c.strip() for c in candidates if isinstance(c, str) and c.strip()), None)

    # -- file loading

    def _shown(self, path: Path) -> str:
        base = self.display_root
        if base is not None and (base == path or base in path.parents):
            return path.relative_to(base).as_posix()
        return str(path)

    def _load_toml(self, path: Path) -> dict[str, Any]:
        try:
            text = read_text_bounded(path, self._shown(path))
        except UnicodeDecodeError as exc:
            raise InputError(f"{self._shown(path)}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
        except OSError as exc:
            raise InputError(f"{self._shown(path)}: cannot be read ({exc.strerror})") from None
        return load_toml_text(text, self._shown(path))

    def _load_cfg(self, path: Path) -> configparser.RawConfigParser:
        import configparser

        parser = configparser.RawConfigParser()
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
        try:
            parser.read_string(read_text_bounded(path, self._shown(path)), source=str(path))
        except UnicodeDecodeError as exc:
            raise InputError(f"{self._shown(path)}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
        except configparser.Error as exc:
            line, reason = _ini_problem(exc)
            where = f" at line {line}" if line else ""
            raise InputError(
                f"{self._shown(path)}: invalid INI{where}: {reason}; "
                "fix it (setuptools cannot read it either)"
            ) from None
        return parser

    def _tool(self, name: str) -> dict[str, Any]:
        return _table(_table(self.pyproject.get("tool")).get(name))

    # -- recording

    def add_module(self, module: str, path: str, kind: str | None = None, *, origin: str = "") -> None:
        """Record top-level ``module`` built from ``path`` (kind read from disk unless given)."""
        path = _posix(path)
        target = self.root / path
        if kind is None:
            if path.endswith(".py"):
                kind = "module"
            elif (target / "__init__.py").is_file():
                kind = "package"
            elif target.is_dir():
                kind = "namespace"
            else:
                kind = "package"
        if kind != "extension" and not target.exists():
            where = f" ({origin})" if origin else ""
            self.notes.append(
                f"module {module} is declared{where} but {path} does not exist in the project, "
                "so the install cannot provide it"
            )
            return
        known = self.modules.get(module)
        if known is None:
            self.modules[module] = ModuleSource(module=module, path=path, kind=kind)
        elif known.path != path:
            self.notes.append(f"module {module} comes from both {known.path} and {path}; using {known.path}")

    def add_dist_path(self, source: str, dist: str, *, origin: str) -> None:
        """Record the module a wheel entry ``dist`` (built from ``source``) creates."""
        source = _posix(source)
        dist = _posix(dist).strip("/")
        if dist in ("", "."):
            folder = self.root / source
            if folder.is_dir():
                for child in sorted(folder.iterdir()):
                    if (child.is_dir() and child.name != "__pycache__") or child.suffix == ".py":
                        child_rel = _posix(str(PurePosixPath(source) / child.name))
                        self.add_dist_path(child_rel, child.name, origin=origin)
            return
        src_parts = PurePosixPath(source).parts
        dist_parts = PurePosixPath(dist).parts
        top = dist_parts[0]
        if len(dist_parts) == 1:
            if top.endswith(".py"):
                self.add_module(top[:-3], source, origin=origin)
            elif (self.root / source).is_dir() or not (self.root / source).exists():
                self.add_module(top, source, origin=origin)
            return
        keep = len(src_parts) - (len(dist_parts) - 1)
        top_source = "/".join(src_parts[:keep]) if keep > 0 else top
        self.add_module(top, top_source, origin=origin)

    def require(self, relpath: str, what: str) -> None:
        """Record ``relpath`` as read by the build when it exists; note it otherwise."""
        rel = _posix(relpath)
        if not rel or rel.startswith("../") or os.path.isabs(relpath):
            return
        if (self.root / rel).exists():
            self.required.setdefault(rel, None)
        else:
            self.notes.append(
                f"{what} {rel} is declared but does not exist "
                "(hatchling, flit and poetry stop the build; setuptools only warns)"
            )

    def require_globs(self, patterns: Iterable[str], what: str) -> None:
        for pattern in patterns:
            if not isinstance(pattern, str) or not pattern.strip():
                continue
            if not _GLOB_CHARS.search(pattern):
                self.require(pattern, what)
                continue
            for match in sorted(self.root.glob(pattern)):
                if match.is_file():
                    self.required.setdefault(match.relative_to(self.root).as_posix(), None)

    # -- setuptools

    def _setuptools(self, name: str | None) -> None:
        """setuptools: explicit packages/py-modules, find directives, else auto-discovery."""
        specs = []  # lowest precedence first: setup.cfg, setup.py, pyproject.toml
        if self.setup_cfg is not None:
            specs.append(("setup.cfg", _setuptools_spec_from_cfg(self.setup_cfg, self.notes)))
        if self.setup_py is not None:
            specs.append(("setup.py", self.setup_py.setuptools_spec()))
        if self.pyproject:
            specs.append(("pyproject.toml", _setuptools_spec_from_toml(self._tool("setuptools"), self.notes)))
        merged: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for source, spec in specs:
            for key, value in spec.items():
                if key in merged and key in ("packages", "py_modules") and origin[key] != source:
                    self.notes.append(f"{key} is set in both {origin[key]} and {source}; {source} wins")
                merged[key] = value
                origin[key] = source
        package_dir: dict[str, str] = dict(merged.get("package_dir") or {})
        packages = merged.get("packages")
        py_modules = merged.get("py_modules")
        if isinstance(packages, _Find) and packages.fills_package_dir and len(packages.where) == 1:
            if packages.where[0] not in ("", "."):  # setuptools.config.expand.find_packages
                package_dir.setdefault("", packages.where[0])
        self.package_root = _posix(package_dir.get("", ""))
        if isinstance(packages, _Find):
            self.selection, self.find_where = "find", tuple(packages.where)
        elif isinstance(packages, list):
            self.selection = "packages"
        elif isinstance(py_modules, list):
            self.selection = "py-modules"
        else:
            self.selection = "auto"

        if isinstance(packages, _Find):
            self._setuptools_find(packages, package_dir, origin["packages"])
        elif isinstance(packages, list):
            for top in dict.fromkeys(p.split(".", 1)[0] for p in packages if p):
                self.add_module(top, _package_path(top, package_dir), origin=f"packages in {origin['packages']}")
            self._mapped_subpackages(packages, package_dir)
        if isinstance(py_modules, list):
            for mod in py_modules:
                top = mod.split(".", 1)[0]
                if "." in mod:
                    self.add_module(top, _package_path(top, package_dir), origin=f"py_modules in {origin['py_modules']}")
                else:
                    self.add_module(top, _module_path(mod, package_dir), "module", origin=f"py_modules in {origin['py_modules']}")
        if packages is not None or py_modules is not None:
            return
        if merged.get("ext_modules"):
            self.notes.append("ext_modules is set without packages or py_modules: setuptools skips discovery; compiled modules are not modelled")
            return
        if merged.get("unknown_packages"):
            self.notes.append(f"{merged['unknown_packages']}; guessed the modules by setuptools auto-discovery instead")
        else:
            self.notes.append("no packages or py_modules declared; modules found by setuptools auto-discovery")
        self._setuptools_discover(package_dir)

    def _mapped_subpackages(self, packages: list[str], package_dir: Mapping[str, str]) -> None:
        """Check listed sub-packages exist; record folders package-dir puts outside their parent."""
        for package in packages:
            if "." not in package:
                continue
            full = _full_package_path(package, package_dir)
            top_path = _package_path(package.split(".", 1)[0], package_dir)
            if (self.root / top_path).exists() and not (self.root / full).is_dir():
                self.notes.append(
                    f"package {package} is listed but its folder {full} does not exist; "
                    "setuptools stops the build ('package directory ... does not exist')"
                )
            if package not in package_dir:
                continue
            top_path = _package_path(package.split(".", 1)[0], package_dir)
            path = _posix(package_dir[package])
            if path != top_path and not path.startswith(top_path + "/"):
                self.extra_sources.setdefault(path, None)
                if not (self.root / path).is_dir():
                    self.notes.append(f"package {package} is mapped to {path}, which does not exist in the project")

    def _setuptools_find(self, find: _Find, package_dir: Mapping[str, str], origin: str) -> None:
        label = "find_namespace" if find.namespaces else "find"
        for where in find.where:
            base = self.root / where
            if not base.is_dir():
                self.notes.append(f"packages {label} in {origin}: where={where!r} is not a folder in the project")
                continue
            found = _find_packages(base, find.include, find.exclude, namespaces=find.namespaces)
            for top in dict.fromkeys(p.split(".", 1)[0] for p in found):
                if where in (".", ""):
                    path = _package_path(top, package_dir)
                else:
                    path = _posix(str(PurePosixPath(where) / top))
                self.add_module(top, path, origin=f"packages {label} in {origin}")
            if not found:
                self.notes.append(f"packages {label} in {origin} finds no package under {where}")

    def _setuptools_discover(self, package_dir: Mapping[str, str]) -> None:
        explicit = {k: v for k, v in package_dir.items() if k}
        if explicit:  # "explicit layout"
            for pkg in explicit:
                top = pkg.split(".", 1)[0]
                self.add_module(top, _package_path(top, package_dir), origin="package-dir")
            self.notes.append("explicit layout: package-dir entries taken as the packages")
            return
        src = package_dir.get("", "src")
        if (self.root / src).is_dir():
            self.notes.append(f"src-layout: everything under {src}/ is installed")
            self._add_folder_contents(src, origin=f"src-layout under {src}")
            if not self.modules:
                self.notes.append(f"src-layout discovery finds no package or module in {src}/")
            return
        self._flat_layout(strict=True)

    def _add_folder_contents(self, folder: str, *, origin: str) -> None:
        base = self.root / folder
        for child in sorted(base.iterdir()):
            if child.is_dir() and "." not in child.name and not _matches(child.name, _ALWAYS_EXCLUDE):
                if child.name.isidentifier():
                    self.add_module(child.name, _join(folder, child.name), origin=origin)
            elif child.is_file() and child.suffix == ".py" and child.stem.isidentifier():
                self.add_module(child.stem, _join(folder, child.name), "module", origin=origin)

    def _flat_layout(self, *, strict: bool) -> None:
        """setuptools flat-layout discovery; ``strict`` refuses several top-level names like setuptools."""
        packages = [
            child.name
            for child in sorted(self.root.iterdir())
            if child.is_dir()
            and "." not in child.name
            and (child.name.isidentifier())
            and not _matches(child.name, _FLAT_PACKAGE_EXCLUDE + _ALWAYS_EXCLUDE)
        ]
        modules = [
            child.stem
            for child in sorted(self.root.glob("*.py"))
            if child.stem.isidentifier() and not _matches(child.stem, _FLAT_MODULE_EXCLUDE)
        ]
        for kind, names in (("packages", packages), ("modules", modules)):
            if not names:
                continue
            if strict and len(names) > 1:
                self.notes.append(
                    f"flat-layout: setuptools refuses to build with several top-level {kind} "
                    f"({', '.join(names)}); declare packages or use a src/ layout"
                )
                return
            for n in names:
                if kind == "packages":
                    self.add_module(n, n, origin="flat-layout")
                else:
                    self.add_module(n, f"{n}.py", "module", origin="flat-layout")
            self.notes.append(f"flat-layout: top-level {kind} found next to the project files")
            return
        self.notes.append("flat-layout discovery finds no package or module: the wheel installs no module")

    # -- hatchling

    def _hatchling(self, name: str | None) -> None:
        """hatchling wheel target: packages, only-include, include, sources, force-include, defaults."""
        build = _table(self._tool("hatch").get("build"))
        target = _table(_table(build.get("targets")).get("wheel"))

        def option(key: str) -> Any:
            return target[key] if key in target else build.get(key)

        packages = _str_list(option("packages"), "tool.hatch.build packages", self.notes)
        only_include = _str_list(option("only-include"), "tool.hatch.build only-include", self.notes)
        include = _str_list(option("include"), "tool.hatch.build include", self.notes)
        force_any = bool(_table(build.get("force-include")) or _table(target.get("force-include")))
        self.selection = "explicit" if (packages or only_include or include or force_any) else "default"
        if not (packages or only_include or include):
            packages, only_include = self._hatch_defaults(name)
        sources = _hatch_sources(option("sources"), packages, self.notes)
        for path in packages:
            self.add_dist_path(path, _hatch_dist(path, sources), origin="tool.hatch packages")
        for path in only_include:
            self.add_dist_path(path, _hatch_dist(path, sources), origin="tool.hatch only-include")
        for pattern in include:
            literal = _literal_prefix(pattern)
            if not literal:
                self.notes.append(f"hatch include pattern {pattern!r} starts with a wildcard; its modules are not modelled")
                continue
            if not (self.root / literal).exists():
                self.notes.append(f"hatch include pattern {pattern!r} matches nothing in the project")
                continue
            self.add_dist_path(literal, _hatch_dist(literal, sources), origin="tool.hatch include")
        force = {**_table(build.get("force-include")), **_table(target.get("force-include"))}
        for src, dest in force.items():
            if isinstance(dest, str) and dest.strip("/"):
                self.add_dist_path(_posix(src), dest, origin="tool.hatch force-include")

    def _hatch_defaults(self, name: str | None) -> tuple[list[str], list[str]]:
        """hatchling's default file selection (WheelBuilderConfig.default_file_selection_options)."""
        if not name:
            self.notes.append("hatchling: no project name and no file selection; nothing to ship")
            return [], []
        candidates = list(dict.fromkeys([_hatch_file_name(name), _hatch_file_name(_normalize(name))]))
        for cand in candidates:
            if (self.root / cand / "__init__.py").is_file():
                self.notes.append(f"hatchling default selection: package {cand}/ named after the project")
                return [cand], []
            if (self.root / "src" / cand / "__init__.py").is_file():
                self.notes.append(f"hatchling default selection: package src/{cand}/ named after the project")
                return [f"src/{cand}"], []
            if (self.root / f"{cand}.py").is_file():
                self.notes.append(f"hatchling default selection: module {cand}.py named after the project")
                return [], [f"{cand}.py"]
            import glob  # only for a src-less project whose package is not at the top

            nested = glob.glob(os.path.join(glob.escape(str(self.root)), "*", cand, "__init__.py"))
            if len(nested) == 1:  # glob.glob skips hidden folders, as hatchling's does
                top = Path(nested[0]).relative_to(self.root).parts[0]
                self.notes.append(f"hatchling default selection: namespace folder {top}/ holding {cand}/")
                return [top], []
        self.notes.append(
            "hatchling default selection finds nothing: no "
            + " or ".join(f"{c}/__init__.py, src/{c}/__init__.py or {c}.py" for c in candidates)
            + "; hatchling >= 1.19 stops the build with 'Unable to determine which files to ship', "
            "older versions build a wheel without the package (the install succeeds, the import fails). "
            "Set [tool.hatch.build.targets.wheel] packages"
        )
        return [], []

    # -- poetry

    def _poetry(self, name: str | None) -> None:
        """poetry-core: [tool.poetry] packages, else the package named after the project."""
        poetry = self._tool("poetry")
        packages = poetry.get("packages")
        if packages is None:
            self._poetry_default(name)
            return
        if not isinstance(packages, list):
            self.notes.append("[tool.poetry] packages is not a list of tables; ignored")
            return
        for entry in packages:
            if not isinstance(entry, dict) or not isinstance(entry.get("include"), str):
                self.notes.append(f"[tool.poetry] packages entry {entry!r} has no include; ignored")
                continue
            formats = entry.get("format")
            if isinstance(formats, str):
                formats = [formats]
            if formats and "wheel" not in formats:
                self.notes.append(f"poetry packages entry {entry['include']!r} is for {', '.join(formats)} only, not the wheel")
                continue
            self._poetry_include(entry["include"], entry.get("from"), entry.get("to"))

    def _poetry_include(self, include: str, source: Any, to: Any) -> None:
        base_rel = _posix(source) if isinstance(source, str) and source.strip() else ""
        base = self.root / base_rel if base_rel else self.root
        label = f"poetry packages include {include!r}" + (f" from {base_rel!r}" if base_rel else "")
        if _GLOB_CHARS.search(include):
            matches = sorted(base.glob(include))
        else:
            matches = [base / include] if (base / include).exists() else []
        if not matches:
            self.notes.append(f"{label} matches nothing; poetry-core stops the build")
            if not _GLOB_CHARS.search(include):
                top = PurePosixPath(_posix(include)).parts[0]
                self.add_module(top.removesuffix(".py"), _join(base_rel, top), origin=label)
            return
        for match in matches:
            top = match.relative_to(base).parts[0]
            path = _join(base_rel, top)
            if isinstance(to, str) and to.strip("/"):
                self.add_module(PurePosixPath(_posix(to)).parts[0], path, "namespace", origin=label)
            elif top.endswith(".py"):
                self.add_module(top[:-3], path, "module", origin=label)
            elif (base / top).is_dir():
                self.add_module(top, path, origin=label)

    def _poetry_default(self, name: str | None) -> None:
        if not name:
            self.notes.append("poetry: no project name and no packages; nothing to ship")
            return
        mod = _normalize(name).replace("-", "_")
        for prefix in ("", "src"):
            pkg, py = _join(prefix, mod), _join(prefix, f"{mod}.py")
            is_pkg, is_py = (self.root / pkg).is_dir(), (self.root / py).is_file()
            if is_pkg and is_py:
                self.notes.append(f"poetry: both {pkg}/ and {py} exist; poetry-core refuses to build")
                return
            if is_pkg or is_py:
                self.add_module(mod, pkg if is_pkg else py, origin="poetry default")
                self.notes.append(f"no packages declared; poetry-core picks {pkg + '/' if is_pkg else py} named after the project")
                return
        self.notes.append(
            f"poetry-core finds no {mod}/, {mod}.py, src/{mod}/ or src/{mod}.py named after the project "
            "and stops the build ('No file/folder found for package'); declare [tool.poetry] packages"
        )

    # -- flit

    def _flit(self, name: str | None) -> None:
        """flit_core: [tool.flit.module] name, else the project name with - as _."""
        flit = self._tool("flit")
        module = _table(flit.get("module")).get("name") or _table(flit.get("metadata")).get("module")
        guesses: list[str]
        if isinstance(module, str) and module.strip():
            guesses = [module.strip()]
        elif name:
            guesses = list(dict.fromkeys([name.replace("-", "_"), re.sub(r"[-_.]+", "_", name).lower()]))
        else:
            self.notes.append("flit: no project name and no [tool.flit.module]; nothing to ship")
            return
        for guess in guesses:
            as_path = guess.replace(".", "/")
            found = [
                p
                for p, ok in (
                    (as_path, (self.root / as_path).is_dir()),
                    (f"{as_path}.py", (self.root / f"{as_path}.py").is_file()),
                    (f"src/{as_path}", (self.root / "src" / as_path).is_dir()),
                    (f"src/{as_path}.py", (self.root / "src" / f"{as_path}.py").is_file()),
                )
                if ok
            ]
            if len(found) > 1:
                self.notes.append(f"flit: several candidates for module {guess} ({', '.join(found)}); flit refuses to build")
                return
            if found:
                top = guess.split(".", 1)[0]
                prefix = "src" if found[0].startswith("src/") else ""
                if "." in guess:
                    self.add_module(top, _join(prefix, top), "namespace", origin="flit module")
                else:
                    self.add_module(top, found[0], origin="flit module")
                return
        self.notes.append(
            f"flit finds no file or folder for module {guesses[0]} (looked in the project root and src/) "
            "and stops the build; set [tool.flit.module] name"
        )

    # -- pdm-backend

    def _pdm(self, name: str | None) -> None:
        """pdm-backend: [tool.pdm.build] package-dir and includes, else top-level packages."""
        pdm = self._tool("pdm")
        build = _table(pdm.get("build")) or {k: v for k, v in pdm.items() if k in ("package-dir", "includes", "excludes")}
        default_dir = "src" if (self.root / "src").exists() else ""
        package_dir = build.get("package-dir", default_dir)
        package_dir = _posix(package_dir) if isinstance(package_dir, str) else default_dir
        includes = _str_list(build.get("includes"), "tool.pdm.build includes", self.notes)
        if includes:
            for pattern in includes:
                pattern = pattern.rstrip("/")
                matches = sorted(self.root.glob(pattern)) if _GLOB_CHARS.search(pattern) else [self.root / pattern]
                matches = [m for m in matches if m.exists()]
                if not matches:
                    self.notes.append(f"pdm includes entry {pattern!r} matches nothing in the project")
                for match in matches:
                    rel = match.relative_to(self.root).as_posix()
                    if match.is_file() and match.suffix != ".py":
                        continue
                    self.add_dist_path(rel, _strip_prefix(rel, package_dir), origin="tool.pdm.build includes")
            return
        folder = self.root / package_dir if package_dir else self.root
        if not folder.is_dir():
            self.notes.append(f"pdm package-dir {package_dir!r} is not a folder in the project")
            return
        excluded = {"tests", "build"} if not package_dir else set()
        tops = [
            c for c in sorted(folder.iterdir())
            if c.is_dir() and (c / "__init__.py").is_file()
            and c.name not in ("__pycache__", "__pypackages__") and c.name not in excluded
        ]
        where = f"{package_dir}/" if package_dir else "the project root"
        if tops:
            for c in tops:
                self.add_module(c.name, _join(package_dir, c.name), "package", origin="pdm default")
            self.notes.append(f"no includes declared; pdm-backend ships the packages in {where}")
            return
        mods = [c for c in sorted(folder.glob("*.py")) if not (not package_dir and c.stem == "setup")]
        for c in mods:
            self.add_module(c.stem, _join(package_dir, c.name), "module", origin="pdm default")
        if mods:
            self.notes.append(f"no includes declared and no package; pdm-backend ships the *.py modules in {where}")
        else:
            self.notes.append(f"pdm-backend finds no package or module in {where}: the wheel installs no module")

    # -- maturin

    def _maturin(self, name: str | None) -> None:
        """maturin: Rust extension module, mixed with a Python package when python-source holds one."""
        maturin = self._tool("maturin")
        manifest = _posix(maturin.get("manifest-path") or "Cargo.toml")
        cargo: dict[str, Any] = {}
        if (self.root / manifest).is_file():
            self.required.setdefault(manifest, None)
            lock = _join(str(PurePosixPath(manifest).parent), "Cargo.lock")
            if (self.root / lock).is_file():
                self.required.setdefault(lock, None)
            try:
                cargo = load_toml_text(read_text_bounded(self.root / manifest, manifest), manifest)
            except (InputError, UnicodeDecodeError) as exc:
                self.notes.append(f"{manifest} cannot be read ({exc}); module name guessed")
        else:
            self.notes.append(f"maturin needs {manifest}, which does not exist; the build will fail")
        module_name = (
            maturin.get("module-name")
            or _table(cargo.get("lib")).get("name")
            or _table(cargo.get("package")).get("name")
            or name
        )
        if not isinstance(module_name, str) or not module_name:
            self.notes.append("maturin: no module-name, Cargo [lib] name or project name")
            return
        module_name = module_name.replace("-", "_")
        top = module_name.split(".", 1)[0]
        crate_dir = str(PurePosixPath(manifest).parent)
        rust_src = _join(crate_dir, "src")
        python_source = _posix(maturin.get("python-source") or "")
        if (self.root / python_source / top).is_dir():
            self.add_module(top, _join(python_source, top), origin="maturin python-source")
            if (self.root / rust_src).is_dir():
                self.required.setdefault(rust_src, None)
            self.notes.append(f"maturin mixed project: Python package {_join(python_source, top)}/ plus the Rust extension {module_name}")
            return
        if python_source:
            self.notes.append(f"maturin python-source {python_source!r} has no {top}/ folder; only the Rust extension is installed")
        path = rust_src if (self.root / rust_src).is_dir() else manifest
        self.add_module(top, path, "extension", origin="maturin")

    # -- uv_build

    def _uv(self, name: str | None) -> None:
        """uv_build: module-root (default src) / module-name (default: project name with _)."""
        settings = _table(self._tool("uv").get("build-backend"))
        root = settings.get("module-root", "src")
        root = _posix(root) if isinstance(root, str) else "src"
        names = settings.get("module-name")
        if isinstance(names, str):
            names = [names]
        if not names:
            if not name:
                self.notes.append("uv_build: no project name and no module-name; nothing to ship")
                return
            names = [re.sub(r"[-_.]+", "_", name).lower()]
        for mod in names:
            if not isinstance(mod, str):
                continue
            top = mod.split(".", 1)[0]
            path = _join(root, mod.replace(".", "/"))
            if "." not in mod and not (self.root / path / "__init__.py").is_file():
                self.notes.append(f"uv_build expects {path}/__init__.py, which does not exist; the build fails")
            self.add_module(top, _join(root, top), "namespace" if "." in mod else None, origin="uv_build")

    # -- anything else

    def _unknown_backend(self, name: str | None) -> None:
        """A backend we do not model: guess with src-layout, then flat-layout discovery."""
        build_backend = _table(self.pyproject.get("build-system")).get("build-backend")
        self.notes.append(
            f"build backend {build_backend!r} is not modelled; modules guessed by discovery "
            "(src-layout, then flat-layout)"
        )
        if (self.root / "src").is_dir():
            self._add_folder_contents("src", origin="src-layout guess")
            if self.modules:
                self.notes.append("src-layout: modules found under src/")
                return
        self._flat_layout(strict=False)

    # -- scripts and files

    def _collect_scripts(self) -> None:
        project = _table(self.pyproject.get("project"))
        for table in ("scripts", "gui-scripts"):
            for script, ref in _table(project.get(table)).items():
                if isinstance(ref, str):
                    self.scripts.setdefault(script, _entry_point_ref(ref))
        for script, ref in _table(self._tool("poetry").get("scripts")).items():
            if isinstance(ref, str):
                self.scripts.setdefault(script, _entry_point_ref(ref))
            elif isinstance(ref, dict):
                if ref.get("type") == "file":
                    self.notes.append(f"poetry script {script} is a file script ({ref.get('reference')}), not an entry point")
                    continue
                target = ref.get("reference") or ref.get("callable")
                if isinstance(target, str):
                    self.scripts.setdefault(script, _entry_point_ref(target))
        for script, ref in _table(self._tool("flit").get("scripts")).items():
            if isinstance(ref, str):
                self.scripts.setdefault(script, _entry_point_ref(ref))
        if self.setup_py is not None:
            for script, ref in self.setup_py.scripts().items():
                self.scripts.setdefault(script, ref)
        if self.setup_cfg is not None and self.setup_cfg.has_section("options.entry_points"):
            for group in ("console_scripts", "gui_scripts"):
                raw = self.setup_cfg.get("options.entry_points", group, fallback="")
                for script, ref in _parse_entry_lines(raw).items():
                    self.scripts.setdefault(script, ref)

    def _collect_required_files(self) -> None:
        project = _table(self.pyproject.get("project"))
        readme = project.get("readme")
        if isinstance(readme, str):
            self.require(readme, "readme")
        elif isinstance(readme, dict) and isinstance(readme.get("file"), str):
            self.require(readme["file"], "readme")
        license_ = project.get("license")
        if isinstance(license_, dict) and isinstance(license_.get("file"), str):
            self.require(license_["file"], "license file")
        license_files = project.get("license-files")
        if isinstance(license_files, list):
            self.require_globs(license_files, "license file")
        setuptools = self._tool("setuptools")
        legacy_lf = setuptools.get("license-files")
        if isinstance(legacy_lf, list):
            self.require_globs(legacy_lf, "license file")
        for key, value in _table(setuptools.get("dynamic")).items():
            files = _table(value).get("file")
            for f in [files] if isinstance(files, str) else files if isinstance(files, list) else []:
                if isinstance(f, str):
                    self.require(f, f"dynamic {key} file")
        poetry = self._tool("poetry")
        poetry_readme = poetry.get("readme")
        for f in [poetry_readme] if isinstance(poetry_readme, str) else poetry_readme if isinstance(poetry_readme, list) else []:
            if isinstance(f, str):
                self.require(f, "readme")
        flit_desc = _table(self._tool("flit").get("metadata")).get("description-file")
        if isinstance(flit_desc, str):
            self.require(flit_desc, "description-file")
        hatch_version = _table(self._tool("hatch").get("version")).get("path")
        if isinstance(hatch_version, str):
            self.require(hatch_version, "tool.hatch.version path")
        pdm_version = _table(self._tool("pdm").get("version"))
        if pdm_version.get("source") == "file" and isinstance(pdm_version.get("path"), str):
            self.require(pdm_version["path"], "tool.pdm.version path")
        if self.setup_cfg is not None:
            self._cfg_required_files(self.setup_cfg)
        if self.setup_py is not None:
            for key in ("license_file",):
                value = self.setup_py.values.get(key)
                if isinstance(value, str):
                    self.require(value, key.replace("_", " "))
            value = self.setup_py.values.get("license_files")
            if isinstance(value, list):
                self.require_globs(value, "license file")

    def _cfg_required_files(self, cfg: configparser.RawConfigParser) -> None:
        for key in ("long_description", "version", "description"):
            raw = cfg.get("metadata", key, fallback="")
            if raw.strip().startswith("file:"):
                for f in raw.strip()[5:].split(","):
                    if f.strip():
                        self.require(f.strip(), f"setup.cfg {key} file")
        lf = cfg.get("metadata", "license_file", fallback="")
        if lf.strip():
            self.require(lf.strip(), "license file")
        lfs = cfg.get("metadata", "license_files", fallback="")
        if lfs.strip():
            self.require_globs(_cfg_list(lfs), "license file")


# --- setuptools helpers --------------------------------------------------------------


@record(frozen=True)
class _Find:
    """A setuptools ``find:`` / ``find_namespace:`` / ``packages.find`` directive."""

    where: tuple[str, ...] = (".",)
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    namespaces: bool = True
    fills_package_dir: bool = True  # pyproject/setup.cfg directives do; setup.py find_packages() does not


def _setuptools_spec_from_toml(tool: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    package_dir = tool.get("package-dir")
    if isinstance(package_dir, dict):
        spec["package_dir"] = {str(k): _posix(str(v)) for k, v in package_dir.items()}
    packages = tool.get("packages")
    if isinstance(packages, list):
        spec["packages"] = [p for p in packages if isinstance(p, str)]
    elif isinstance(packages, dict):
        find = packages.get("find")
        if isinstance(find, dict):
            where = find.get("where", ["."])
            where = [where] if isinstance(where, str) else where
            spec["packages"] = _Find(
                where=tuple(_posix(w) for w in where if isinstance(w, str)) or (".",),
                include=tuple(_str_list(find.get("include"), "packages.find include", notes)) or ("*",),
                exclude=tuple(_str_list(find.get("exclude"), "packages.find exclude", notes)),
                namespaces=bool(find.get("namespaces", True)),
            )
        else:
            notes.append("[tool.setuptools.packages] is a table without find; ignored")
    py_modules = tool.get("py-modules")
    if isinstance(py_modules, list):
        spec["py_modules"] = [m for m in py_modules if isinstance(m, str)]
    if tool.get("ext-modules"):
        spec["ext_modules"] = True
    return spec


def _setuptools_spec_from_cfg(cfg: configparser.RawConfigParser, notes: list[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if not cfg.has_section("options"):
        return spec
    package_dir = cfg.get("options", "package_dir", fallback=None)
    if package_dir is not None:
        spec["package_dir"] = _cfg_dict(package_dir)
    packages = cfg.get("options", "packages", fallback=None)
    if packages is not None:
        value = packages.strip()
        if value in ("find:", "find_namespace:"):
            section = "options.packages.find"
            where = cfg.get(section, "where", fallback=".").strip() or "."
            spec["packages"] = _Find(
                where=(_posix(where),),
                include=tuple(_cfg_list(cfg.get(section, "include", fallback=""))) or ("*",),
                exclude=tuple(_cfg_list(cfg.get(section, "exclude", fallback=""))),
                namespaces=value == "find_namespace:",
            )
        else:
            spec["packages"] = _cfg_list(value)
    py_modules = cfg.get("options", "py_modules", fallback=None)
    if py_modules is not None:
        spec["py_modules"] = _cfg_list(py_modules)
    return spec


def _find_packages(
    base: Path, include: Iterable[str], exclude: Iterable[str], *, namespaces: bool
) -> list[str]:
    """setuptools ``find_packages`` / ``find_namespace_packages`` under ``base`` (dotted names)."""
    include_f = _filter(tuple(include))
    exclude_f = _filter(_ALWAYS_EXCLUDE + tuple(exclude))
    found: list[str] = []
    stack: list[tuple[Path, str]] = [(base, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            children = sorted((c for c in folder.iterdir() if c.is_dir() and not c.is_symlink()), reverse=True)
        except OSError:
            continue
        for child in children:
            if "." in child.name:
                continue
            if not namespaces and not (child / "__init__.py").is_file():
                continue
            package = f"{prefix}{child.name}"
            if include_f(package) and not exclude_f(package):
                found.append(package)
            if exclude_f(f"{package}.\x00probe"):  # every sub-package is excluded: prune
                continue
            stack.append((child, f"{package}."))
    return sorted(found)


def _package_path(top: str, package_dir: Mapping[str, str]) -> str:
    """Where setuptools looks for top-level package ``top`` (``find_package_path``)."""
    if top in package_dir:
        return _posix(package_dir[top])
    return _join(package_dir.get("", ""), top)


def _full_package_path(package: str, package_dir: Mapping[str, str]) -> str:
    """setuptools ``find_package_path`` for a dotted package: most specific package-dir entry wins."""
    parts = package.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in package_dir:
            return _join(package_dir[prefix], "/".join(parts[i:])) if parts[i:] else _posix(package_dir[prefix])
    return _join(package_dir.get("", ""), "/".join(parts))


def _module_path(module: str, package_dir: Mapping[str, str]) -> str:
    return _join(package_dir.get("", ""), f"{module}.py")


# --- setup.py (read, never run) ------------------------------------------------------


@record
class _SetupPy:
    """The literal keywords of the ``setup(...)`` call in a setup.py, read with :mod:`ast`."""

    values: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, ast.expr] = field(default_factory=dict)
    found_call: bool = False

    @classmethod
    def parse(cls, path: Path, notes: list[str]) -> _SetupPy:
        try:
            tree = ast.parse(read_text_bounded(path, path.name), filename=str(path))
        except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
            notes.append(f"setup.py cannot be parsed ({exc.__class__.__name__}: {exc}); it is not run, so it is ignored")
            return cls()
        call = next(
            (
                node
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and (
                    (isinstance(node.func, ast.Name) and node.func.id == "setup")
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == "setup")
                )
            ),
            None,
        )
        if call is None:
            notes.append("setup.py has no setup(...) call that can be read statically")
            return cls()
        result = cls(found_call=True)
        for kw in call.keywords:
            if kw.arg is None:
                notes.append("setup.py passes **kwargs to setup(); those keywords are not modelled")
                continue
            try:
                result.values[kw.arg] = ast.literal_eval(kw.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                result.computed[kw.arg] = kw.value
        if any(k in result.values or k in result.computed for k in ("packages", "py_modules", "package_dir")):
            notes.append("setup.py read statically: only literal setup() keywords are used (it is never run)")
        return result

    def setuptools_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        package_dir = self.values.get("package_dir")
        if isinstance(package_dir, dict):
            spec["package_dir"] = {str(k): _posix(str(v)) for k, v in package_dir.items()}
        packages = self.values.get("packages")
        if isinstance(packages, (list, tuple)):
            spec["packages"] = [p for p in packages if isinstance(p, str)]
        elif "packages" in self.computed:
            find = _find_call(self.computed["packages"])
            if find is not None:
                spec["packages"] = find
            else:
                spec["unknown_packages"] = "setup.py computes packages at run time"
        py_modules = self.values.get("py_modules")
        if isinstance(py_modules, (list, tuple)):
            spec["py_modules"] = [m for m in py_modules if isinstance(m, str)]
        elif "py_modules" in self.computed:
            spec.setdefault("unknown_packages", "setup.py computes py_modules at run time")
        if "ext_modules" in self.values or "ext_modules" in self.computed:
            spec["ext_modules"] = True
        return spec

    def scripts(self) -> dict[str, str]:
        entry_points = self.values.get("entry_points")
        out: dict[str, str] = {}
        if isinstance(entry_points, dict):
            for group in ("console_scripts", "gui_scripts"):
                lines = entry_points.get(group)
                if isinstance(lines, str):
                    out.update(_parse_entry_lines(lines))
                elif isinstance(lines, (list, tuple)):
                    out.update(_parse_entry_lines("\n".join(x for x in lines if isinstance(x, str))))
        elif isinstance(entry_points, str):
            import configparser

            parser = configparser.RawConfigParser()
            parser.optionxform = str  # type: ignore[assignment,method-assign]
            try:
                parser.read_string(entry_points)
            except configparser.Error:
                return out
            for group in ("console_scripts", "gui_scripts"):
                if parser.has_section(group):
                    out.update({k: _entry_point_ref(v) for k, v in parser.items(group)})
        return out


def _find_call(node: ast.expr) -> _Find | None:
    """``find_packages(...)`` / ``find_namespace_packages(...)`` with literal arguments."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if func not in ("find_packages", "find_namespace_packages", "PEP420PackageFinder.find"):
        return None
    try:
        args = [ast.literal_eval(a) for a in node.args]
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    except (ValueError, TypeError, SyntaxError):
        return None
    names = ("where", "exclude", "include")
    params = dict(zip(names, args))
    params.update(kwargs)
    where = params.get("where", ".")
    return _Find(
        where=(_posix(str(where)),),
        include=tuple(params.get("include") or ("*",)),
        exclude=tuple(params.get("exclude") or ()),
        namespaces=func == "find_namespace_packages",
        fills_package_dir=False,
    )


# --- hatchling helpers ---------------------------------------------------------------


def _hatch_file_name(name: str) -> str:
    """hatchling ``normalize_file_name_component``."""
    return re.sub(r"[^\w\d.]+", "_", name, flags=re.UNICODE)


def _hatch_sources(raw: Any, packages: list[str], notes: list[str]) -> list[tuple[str, str]]:
    """hatchling's ``sources`` as sorted (prefix/, replacement) pairs, package parents included."""
    sources: dict[str, str] = {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, str) and item.strip():
                sources[_dir_key(item)] = ""
    elif isinstance(raw, dict):
        for src, repl in raw.items():
            if not isinstance(repl, str):
                notes.append(f"hatch sources entry {src!r} maps to a non-string; ignored")
                continue
            target = _posix(repl).strip("/")
            sources[_dir_key(src)] = "" if target in ("", ".") else target + "/"
    elif raw is not None:
        notes.append("hatch sources is neither a list nor a table; ignored")
    for package in packages:
        parent = str(PurePosixPath(_posix(package)).parent)
        if parent not in ("", ".") and _dir_key(package) not in sources:
            sources[_dir_key(parent)] = ""
    return sorted(sources.items())


def _hatch_dist(relpath: str, sources: list[tuple[str, str]]) -> str:
    """hatchling ``get_distribution_path`` for a file or folder path."""
    rel = _posix(relpath).strip("/")
    probe = rel + "/"
    for source, replacement in sources:
        if not source:
            return (replacement + rel).strip("/")
        if probe.startswith(source):
            return probe.replace(source, replacement, 1).strip("/")
    return rel


def _dir_key(path: str) -> str:
    p = _posix(path).strip("/")
    return "" if p in ("", ".") else p + "/"


def _literal_prefix(pattern: str) -> str:
    """The leading wildcard-free folders of a gitignore-style pattern (``/src/acme/**`` -> ``src/acme``)."""
    parts = []
    for part in _posix(pattern).strip("/").split("/"):
        if not part or _GLOB_CHARS.search(part):
            break
        parts.append(part)
    return "/".join(parts)


# --- small helpers -------------------------------------------------------------------


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str_list(value: Any, where: str, notes: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    notes.append(f"{where} should be a list of strings; ignored")
    return []


def _posix(path: str) -> str:
    """A relative POSIX path without ``./`` noise ("" for the project root)."""
    text = path.replace("\\", "/").strip()
    while text.startswith("./"):
        text = text[2:]
    normal = os.path.normpath(text).replace("\\", "/") if text else ""
    return "" if normal == "." else normal


def _join(folder: str, name: str) -> str:
    folder = _posix(folder)
    return f"{folder}/{name}" if folder else name


def _strip_prefix(rel: str, prefix: str) -> str:
    if prefix and (rel == prefix or rel.startswith(prefix + "/")):
        return rel[len(prefix):].lstrip("/")
    return rel


def _normalize(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _filter(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda name: any(fnmatch.fnmatchcase(name, pat) for pat in patterns)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pat) for pat in patterns)


def _cfg_list(value: str) -> list[str]:
    """setuptools' setup.cfg list: one per line, or comma-separated on one line."""
    items = value.splitlines() if "\n" in value.strip() else value.split(",")
    return [i.strip() for i in items if i.strip() and not i.strip().startswith("#")]


def _cfg_dict(value: str) -> dict[str, str]:
    """setuptools' setup.cfg dict (``package_dir``): ``key = value`` lines, key may be empty."""
    result: dict[str, str] = {}
    for line in value.splitlines() if "\n" in value.strip() else value.split(","):
        if "=" in line:
            key, _, val = line.partition("=")
            result[key.strip()] = _posix(val.strip())
    return result


def _entry_point_ref(ref: str) -> str:
    """``"acme.cli:main [extra]"`` -> ``"acme.cli:main"``."""
    return re.sub(r"\s*\[.*\]\s*$", "", ref.strip())


def _parse_entry_lines(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in raw.splitlines():
        name, sep, ref = line.partition("=")
        if sep and name.strip() and ref.strip():
            out[name.strip()] = _entry_point_ref(ref)
    return out


def _source_roots(modules: Iterable[ModuleSource]) -> tuple[str, ...]:
    """The folders holding the modules' sources, in order ("." for the project root)."""
    roots: dict[str, None] = {}
    for m in modules:
        parent = str(PurePosixPath(m.path).parent)
        roots.setdefault("." if parent in ("", ".") else parent, None)
    return tuple(roots)


def _ini_problem(exc: configparser.Error) -> tuple[int | None, str]:
    """The line and a plain description of a configparser error."""
    import configparser

    if isinstance(exc, configparser.MissingSectionHeaderError):
        return exc.lineno, f"{exc.line.strip()!r} comes before any [section] header"
    if isinstance(exc, configparser.DuplicateOptionError):
        return exc.lineno, f"key {exc.option!r} appears twice in [{exc.section}]"
    if isinstance(exc, configparser.DuplicateSectionError):
        return exc.lineno, f"section [{exc.section}] appears twice"
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        line, text = exc.errors[0]
        try:  # configparser stores repr(line)
            text = repr(str(ast.literal_eval(text)).strip())
        except (ValueError, SyntaxError):
            pass
        return line, f"cannot parse {text}"
    return None, str(exc).splitlines()[0]
