"""The build backends' two outcomes of an install run before the source is copied, as real builds.

PY001 says, per backend and config, whether ``pip install [-e] .`` run while
only the project files are in the image FAILS the build (metadata or wheel
time) or builds GREEN and leaves a distribution that cannot import its module.
The truth comes from one real image (:func:`matrix_context`): every case is a
small project named after its case, whose project files are copied first; one
``RUN`` runs each case's install command and records its exit status; then the
sources are copied; a probe (:data:`PROBE`) imports every case's module from
``/`` in a container of the image.  One image, one container: on ``vfs``
storage every layer and every container copies the whole root filesystem.

The same cases, each as its own Dockerfile (:func:`case_dockerfile`), are what
PY001 judges from the Dockerfile alone.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

# Build backends the wheelhouse needs beyond imagebuild's default (hatchling, setuptools, wheel, editables).
BACKEND_WHEELS = ("flit_core", "pdm-backend", "uv_build", "poetry-core")


@dataclass(frozen=True)
class Case:
    """One project: ``meta`` is copied before the install, ``source`` after it."""

    name: str  # module name; the distribution is the same with '-'
    meta: dict[str, str]
    source: dict[str, str]
    command: str  # run in the project folder
    expect: str  # "fails" | "crashes" | "works": what PY001's message claims
    notes: tuple[str, ...] = field(default=())


def _pyproject(backend: str, name: str, extra: str = "") -> str:
    requires, api = {
        "hatchling": ("hatchling", "hatchling.build"),
        "setuptools": ("setuptools", "setuptools.build_meta"),
        "flit": ("flit_core>=3.4", "flit_core.buildapi"),
        "uv": ("uv_build", "uv_build"),
        "pdm": ("pdm-backend", "pdm.backend"),
        "poetry": ("poetry-core>=2", "poetry.core.masonry.api"),
    }[backend]
    return textwrap.dedent(f"""\
        [build-system]
        requires = ["{requires}"]
        build-backend = "{api}"

        [project]
        name = "{name.replace('_', '-')}"
        version = "1.0"
        description = "case {name}"
        """) + textwrap.dedent(extra)


def _src(name: str) -> dict[str, str]:
    return {f"src/{name}/__init__.py": f'"""case {name}"""\nOK = "{name}"\n'}


def _cases() -> list[Case]:
    cases: list[Case] = []
    for editable in (False, True):
        e = "-e " if editable else ""
        suffix = "_e" if editable else ""

        def add(name: str, backend: str, expect: str, extra: str = "", files: dict[str, str] | None = None) -> None:
            name = name + suffix  # noqa: B023 - add() is called only during this iteration
            meta = {"pyproject.toml": _pyproject(backend, name, extra.replace("NAME", name))}
            meta.update({k: v.replace("NAME", name) for k, v in (files or {}).items()})
            cases.append(Case(name, meta, _src(name), f"pip install --no-cache-dir {e}.", expect))  # noqa: B023 - as above

        add("hatch_default", "hatchling", "fails")
        add("hatch_packages", "hatchling", "crashes", '[tool.hatch.build.targets.wheel]\npackages = ["src/NAME"]\n')
        add("flit", "flit", "fails")
        add("uvbuild", "uv", "fails")
        add("st_auto", "setuptools", "crashes")
        add("st_where", "setuptools", "fails", '[tool.setuptools.packages.find]\nwhere = ["src"]\n')
        add("st_pkgdir", "setuptools", "fails", '[tool.setuptools]\npackage-dir = {"" = "src"}\npackages = ["NAME"]\n')
        add("st_cfgfind", "setuptools", "fails", files={
            "setup.cfg": "[options]\npackage_dir =\n    = src\npackages = find:\n\n[options.packages.find]\nwhere = src\n"})
        add("pdm", "pdm", "crashes")
        add("poetry", "poetry", "fails", '[tool.poetry]\npackages = [{include = "NAME", from = "src"}]\n')
    # Editable installs that work although the source comes later: the wiring names a folder filled later.
    cases.append(Case(
        "st_pymod_e",
        {"pyproject.toml": _pyproject("setuptools", "st_pymod_e", '[tool.setuptools]\npy-modules = ["st_pymod_e"]\n')},
        {"st_pymod_e.py": 'OK = "st_pymod_e"\n'},
        "pip install --no-cache-dir -e .", "works"))
    cases.append(Case(
        "st_flat_e",
        {"pyproject.toml": _pyproject("setuptools", "st_flat_e")},
        {"st_flat_e/__init__.py": 'OK = "st_flat_e"\n'},
        "pip install --no-cache-dir -e .", "crashes"))
    # setup.py develop links the project folder (easy-install.pth): what find_packages() finds later is importable.
    cases.append(Case(
        "st_develop",
        {"setup.py": 'from setuptools import find_packages, setup\nsetup(name="st-develop", version="1.0", packages=find_packages())\n'},
        {"st_develop/__init__.py": 'OK = "st_develop"\n'},
        "python setup.py develop", "works"))
    cases.append(Case(
        "st_develop_pkgs",
        {"setup.py": 'from setuptools import setup\nsetup(name="st-develop-pkgs", version="1.0", packages=["st_develop_pkgs"])\n'},
        {"st_develop_pkgs/__init__.py": 'OK = "st_develop_pkgs"\n'},
        "python setup.py develop", "fails"))
    cases.append(Case(
        "st_develop_src",
        {"setup.py": 'from setuptools import setup\nsetup(name="st-develop-src", version="1.0", package_dir={"": "src"}, packages=["st_develop_src"])\n'},
        _src("st_develop_src"),
        "python setup.py develop", "fails"))
    # The source is there: a zipped egg on sys.path, which the image model must look into.
    cases.append(Case(
        "st_egg",
        {"setup.py": 'from setuptools import setup\nsetup(name="st-egg", version="1.0", packages=["st_egg"], zip_safe=True)\n',
         "st_egg/__init__.py": 'OK = "st_egg"\n'},
        {},
        "python setup.py install", "works"))
    return cases


CASES: list[Case] = _cases()

PROBE = r"""
import importlib, json, os, sys
out = {}
for name in sys.argv[1:]:
    rc = open(f"/cases/{name}/rc").read().strip()
    log = open(f"/cases/{name}/log", errors="replace").read()
    try:
        importlib.import_module(name)
        imported = "ok"
    except Exception as exc:
        imported = f"{type(exc).__name__}: {exc}"
    out[name] = {"rc": int(rc), "import": imported, "log": log[-600:]}
print(json.dumps(out))
"""


def matrix_context(root: Path, cases: list[Case] = CASES) -> Path:
    """Write the one build context (``meta/``, ``src/``, ``probe.py``, ``Dockerfile``) for every case."""
    for case in cases:
        for rel, text in case.meta.items():
            _write(root / "meta" / case.name / rel, text)
        _write(root / "meta" / case.name / "cmd", case.command + "\n")
        for rel, text in case.source.items():
            _write(root / "src" / case.name / rel, text)
    _write(root / "probe.py", PROBE)
    _write(root / "Dockerfile", textwrap.dedent("""\
        ARG BASE=python:3.12-slim
        FROM ${BASE}
        COPY meta/ /cases/
        RUN for d in /cases/*/; do cd "$d" && { sh ./cmd > log 2>&1; echo $? > rc; }; done
        COPY src/ /cases/
        COPY probe.py /probe.py
        """))
    return root


def case_dockerfile(case: Case) -> str:
    """The case as a team would write it: project files, install, then the source."""
    metas = "." if any("/" in rel for rel in case.meta) else " ".join(sorted(case.meta))
    dest = "." if metas == "." else "./"
    return textwrap.dedent(f"""\
        FROM python:3.12-slim
        WORKDIR /app
        COPY {metas} {dest}
        RUN {case.command}
        COPY . .
        """)


def case_context(root: Path, case: Case) -> Path:
    for rel, text in {**case.meta, **case.source}.items():
        _write(root / rel, text)
    _write(root / "Dockerfile", case_dockerfile(case))
    return root


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
