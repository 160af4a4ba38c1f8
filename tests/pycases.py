"""Issue 10's cases as real builds: many small projects in one image, probed in its last RUN.

Each :class:`Case` is a Dockerfile as a team writes it (:meth:`Case.dockerfile`,
``FROM python:3.12-slim``) with its build context (:attr:`Case.files`).
imagepolicy judges that Dockerfile alone.  The truth comes from one real
build of every case of a tier together (:func:`combined_context`): on
``vfs`` storage each image, layer, ``RUN`` and container costs seconds or a
full copy of the ~150 MB root filesystem, so one image holds every case, each
in folders of its own (its ``WORKDIR``, its own distribution and module
names), and:

* each case's instructions run in the case's order, COPY sources taken from
  the case's folder of the combined context; the cases advance together, so
  one ``RUN`` runs every case's first ``RUN`` command in turn, the next one
  every case's second, and so on.  Each command's exit status is recorded
  (``/probe/out/<case>/run<N>.rc``) instead of stopping the build; after a
  failed command the case's later ones are skipped, as its own build would
  have stopped there;
* the image's last ``RUN`` is :data:`PROBE`, a container of the finished file
  system started with the image's own environment only: it runs every case's
  command exactly as the container would start it (argv, working directory,
  environment, user) with a timeout (still running = started), and imports
  the module of the project the case installs, with and without the working
  directory on ``sys.path``.  Its results are read from the saved image;
* the case's runtime config (``CMD``, ``ENV``, ``USER``, the final
  ``WORKDIR``) is applied to a copy of the saved image by ``umoci config``
  (:func:`imagebuild.oci_variant`): that variant is the image the case's own
  Dockerfile builds, plus the other cases' folders, which are on no
  ``sys.path`` of this case.  imagepolicy judges the variant with ``--image``.

Case names are unique; a case that installs a project names it after the
case, so two cases never share a distribution or a module in site-packages,
and no case installs a module another case expects to be missing.
"""

from __future__ import annotations

import concurrent.futures
import json
import posixpath
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pytest

from imagebuild import build_image, cached_archive, oci_variant

PYTHON_RULES = ("PY001", "PY002", "PY003", "PY004", "PY005", "PY006")


@dataclass(frozen=True)
class Case:
    """One Dockerfile and its context; ``steps`` are the lines between ``FROM`` and the runtime config."""

    name: str
    about: str  # the case this decides (one line, for the docs)
    files: Mapping[str, str]
    steps: tuple[str, ...]
    cmd: tuple[str, ...] | None = None  # exec-form CMD; None keeps the base's (python3)
    healthcheck: tuple[str, ...] | None = None  # exec-form HEALTHCHECK CMD (one case per tier: the combined image's own)
    env: Mapping[str, str] = field(default_factory=dict)
    user: str | None = None
    module: str | None = None  # the module of the project this case installs; its distribution is named alike
    tier: str = "ci"  # "ci" (run by CI) | "opt-in" (IMAGEPOLICY_PY_REAL_BUILDS=1)
    network: bool = False  # a RUN needs the package index (uv, poetry, pdm, pipenv)
    wheels: tuple[str, ...] = ()  # more requirements for the offline wheelhouse
    same_build_as: str | None = None  # a case whose steps are these: no build of its own, only a variant

    @property
    def dist(self) -> str | None:
        return self.module.replace("_", "-") if self.module else None

    def dockerfile(self) -> str:
        lines = ["FROM python:3.12-slim", *self.steps]
        lines += [f"ENV {k}={v}" for k, v in self.env.items()]
        if self.user:
            lines.append(f"USER {self.user}")
        if self.healthcheck is not None:
            lines.append("HEALTHCHECK CMD " + json.dumps(list(self.healthcheck)))
        if self.cmd is not None:
            lines.append("CMD " + json.dumps(list(self.cmd)))
        return "\n".join(lines) + "\n"

    @property
    def workdir(self) -> str:
        dirs = [s.split(None, 1)[1] for s in self.steps if s.startswith("WORKDIR ")]
        return dirs[-1] if dirs else "/"

    def write(self, root: Path) -> Path:
        """Write the case's context and Dockerfile into ``root`` (as a team's repository); return the Dockerfile."""
        for rel, text in self.files.items():
            write_file(root / rel, text)
        write_file(root / "Dockerfile", self.dockerfile())
        return root / "Dockerfile"


# --- the projects -----------------------------------------------------------------------------

ACME = {
    "acme/__init__.py": '"""A package with a __main__ that imports its own module."""\n',
    "acme/__main__.py": "from acme.util import VERSION\n\nprint('acme', VERSION)\n",
    "acme/util.py": "VERSION = '1.0'\n",
}

# Imports PY006 reports at three levels: an unguarded one (error), one in a function body (warning: it runs only when
# called, and nothing calls it), and guarded ones (try/except ImportError, TYPE_CHECKING: not reported).
APP = """\
import json
import {dep}

try:
    import ujson
except ImportError:
    ujson = None

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import mypy_extensions


def later():
    import lxml


print(json.dumps({{"app": "ok", "dep": {dep}.__name__}}))
"""

DJANGO = {
    "requirements.txt": "django>=5.1,<6\n",
    "manage.py": textwrap.dedent("""\
        #!/usr/bin/env python
        import os
        import sys


        def main():
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)


        if __name__ == "__main__":
            main()
        """),
    "mysite/__init__.py": "",
    "mysite/settings.py": textwrap.dedent("""\
        SECRET_KEY = "test-only"
        DEBUG = True
        ALLOWED_HOSTS = ["*"]
        INSTALLED_APPS = ["django.contrib.contenttypes", "polls"]
        ROOT_URLCONF = "mysite.urls"
        DATABASES = {}
        USE_TZ = True
        """),
    "mysite/urls.py": "from django.urls import path\n\nfrom polls import views\n\nurlpatterns = [path('', views.index)]\n",
    "polls/__init__.py": "",
    "polls/apps.py": "from django.apps import AppConfig\n\n\nclass PollsConfig(AppConfig):\n    name = 'polls'\n",
    "polls/views.py": "from django.http import HttpResponse\n\n\ndef index(request):\n    return HttpResponse('ok')\n",
}
DJANGO_WHEELS = ("django>=5.1,<6",)


def hatch_project(name: str, *, declare_packages: bool = True) -> dict[str, str]:
    """A hatchling project ``name`` with module ``name`` in a src layout.

    With its packages declared (``packages = ["src/name"]``), hatchling builds green without the source.
    """
    text = textwrap.dedent(f"""\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "{name.replace('_', '-')}"
        version = "1.0"
        readme = "README.md"
        """)
    if declare_packages:
        text += f'\n[tool.hatch.build.targets.wheel]\npackages = ["src/{name}"]\n'
    return {"pyproject.toml": text, "README.md": f"{name}\n", f"src/{name}/__init__.py": f'OK = "{name}"\n'}


def setuptools_project(name: str, extra: str = "", scripts: str = "") -> dict[str, str]:
    return {"pyproject.toml": textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{name.replace('_', '-')}"
        version = "1.0"
        """) + scripts + extra}


def _cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    # --- PY006: the command the container starts ------------------------------------------
    add(Case("pkg_flattened", "`COPY pkg/ ./` flattens the package `python -m pkg` runs", ACME,
             ("WORKDIR /srv/pkg_flattened", "COPY acme/ ./"), ("python", "-m", "acme")))
    add(Case("pkg_folder", "the package folder copied as a folder (near miss of the flattened package)", ACME,
             ("WORKDIR /srv/pkg_folder", "COPY acme/ ./acme/"), ("python", "-m", "acme")))
    add(Case("pkg_safepath", "PYTHONSAFEPATH=1 keeps the working directory off sys.path", ACME,
             ("WORKDIR /srv/pkg_folder", "COPY acme/ ./acme/"), ("python", "-m", "acme"),
             env={"PYTHONSAFEPATH": "1"}, same_build_as="pkg_folder"))
    add(Case("pkg_nonroot", "the package run by a non-root USER (no home, numeric uid:gid)", ACME,
             ("WORKDIR /srv/pkg_folder", "COPY acme/ ./acme/"), ("python", "-m", "acme"),
             user="65534:65534", same_build_as="pkg_folder"))
    add(Case("pkg_pythonpath", "the package found through PYTHONPATH from another working directory", ACME,
             ("WORKDIR /srv/pkg_pythonpath", "COPY acme/ /opt/pkg_pythonpath/acme/"), ("python", "-m", "acme"),
             env={"PYTHONPATH": "/opt/pkg_pythonpath"}))
    add(Case("django_flattened", "Django: `COPY manage.py mysite/ polls/ ./` loses the mysite package", DJANGO,
             ("WORKDIR /srv/django_flattened", "COPY requirements.txt ./", "RUN pip install --no-cache-dir -r requirements.txt",
              "COPY manage.py mysite/ polls/ ./"), ("python", "manage.py", "check"), wheels=DJANGO_WHEELS))
    add(Case("django_kept", "Django with its layout kept (`COPY . .`)", DJANGO,
             ("WORKDIR /srv/django_kept", "COPY requirements.txt ./", "RUN pip install --no-cache-dir -r requirements.txt",
              "COPY . ."), ("python", "manage.py", "check"), wheels=DJANGO_WHEELS))
    add(Case("dep_missing", "a dependency never installed (function-level and guarded imports beside it)",
             {"app.py": APP.format(dep="yaml")}, ("WORKDIR /srv/dep_missing", "COPY app.py ./"), ("python", "app.py")))
    add(Case("dep_installed", "the dependency installed (function-level and guarded imports beside it)",
             {"app.py": APP.format(dep="pluggy")},
             ("WORKDIR /srv/dep_installed", "RUN pip install --no-cache-dir pluggy", "COPY app.py ./"), ("python", "app.py")))
    add(Case("script_own_folder", "flat-layout console script: `CMD [\"orrery\"]` runs with sys.path[0] = /usr/local/bin",
             {**setuptools_project("orrery", scripts='\n[project.scripts]\norrery = "orrery.cli:main"\n'),
              "orrery/__init__.py": "", "orrery/cli.py": "def main():\n    print('orrery ok')\n"},
             ("WORKDIR /srv/script_own_folder", "COPY pyproject.toml ./", "RUN pip install --no-cache-dir .", "COPY . ."),
             ("orrery",), module="orrery"))
    add(Case("healthcheck_missing_dep", "the HEALTHCHECK runs a script whose dependency was never installed",
             {"check.py": "import json\nimport requests\n\nprint(json.dumps({'healthy': requests.__name__}))\n"},
             ("WORKDIR /srv/healthcheck_missing_dep", "COPY check.py ./"),
             healthcheck=("python", "/srv/healthcheck_missing_dep/check.py")))

    # --- PY001: what installers read --------------------------------------------------------
    add(Case("req_editable", "`pip install -r requirements.txt` whose file holds `-e .`",
             {**hatch_project("req_editable"), "requirements.txt": "-e .\n"},
             ("WORKDIR /srv/req_editable", "COPY pyproject.toml README.md requirements.txt ./",
              "RUN pip install --no-cache-dir -r requirements.txt", "COPY src/ ./src/"),
             module="req_editable"))
    add(Case("pip_global_option", "a pip option before the subcommand (`pip --no-cache-dir install -e .`)",
             hatch_project("pip_global_option"),
             ("WORKDIR /srv/pip_global_option", "COPY pyproject.toml README.md ./", "RUN pip --no-cache-dir install -e .",
              "COPY src/ ./src/"), module="pip_global_option", tier="opt-in"))
    add(Case("setup_develop", "`python setup.py develop` before the source (easy-install.pth names the folder)",
             {"setup.py": "from setuptools import find_packages, setup\n\n"
                          "setup(name='setup-develop', version='1.0', packages=find_packages())\n",
              "setup_develop/__init__.py": 'OK = "setup_develop"\n'},
             ("WORKDIR /srv/setup_develop", "COPY setup.py ./", "RUN python setup.py develop", "COPY setup_develop/ ./setup_develop/"),
             module="setup_develop"))
    add(Case("pymodules_editable", "setuptools `py-modules` installed editable before the module is copied",
             {**setuptools_project("pymodules_editable", '\n[tool.setuptools]\npy-modules = ["pymodules_editable"]\n'),
              "pymodules_editable.py": 'OK = "pymodules_editable"\n'},
             ("WORKDIR /srv/pymodules_editable", "COPY pyproject.toml ./", "RUN pip install --no-cache-dir -e .",
              "COPY pymodules_editable.py ./"), module="pymodules_editable", tier="opt-in"))
    add(Case("bind_mount", "the source reaches the install only through `RUN --mount=type=bind`",
             hatch_project("bind_mount"),
             ("WORKDIR /srv/bind_mount", "RUN --mount=type=bind,source=.,target=/mnt/bind_mount,rw pip install --no-cache-dir /mnt/bind_mount"),
             module="bind_mount"))
    add(Case("zipped_egg", "`python setup.py install` leaves a zipped egg on sys.path (image check)",
             {"setup.py": "from setuptools import setup\n\n"
                          "setup(name='zipped-egg', version='1.0', packages=['zipped_egg'], zip_safe=True)\n",
              "zipped_egg/__init__.py": 'OK = "zipped_egg"\n'},
             ("WORKDIR /srv/zipped_egg", "COPY . .", "RUN python setup.py install && rm -rf build zipped_egg"),
             module="zipped_egg"))

    # --- opt-in: more of what installers read, servers, and the tools that need the package index ------------------
    add(Case("python_m_pip_option", "`python -m pip --opt install .` (hatchling, declared packages)",
             hatch_project("python_m_pip_option"),
             ("WORKDIR /srv/python_m_pip_option", "COPY pyproject.toml README.md ./",
              "RUN python -m pip --disable-pip-version-check install --no-cache-dir .", "COPY src/ ./src/"),
             module="python_m_pip_option", tier="opt-in"))
    add(Case("req_path", "a requirements file holding `.` among pinned requirements",
             {**hatch_project("req_path"), "requirements.txt": "pluggy>=1\n.\n"},
             ("WORKDIR /srv/req_path", "COPY pyproject.toml README.md requirements.txt ./",
              "RUN pip install --no-cache-dir -r requirements.txt", "COPY src/ ./src/"), module="req_path", tier="opt-in"))
    add(Case("req_include", "`-r base.txt` (with `-e .`) included by a requirements file that also takes constraints",
             {**hatch_project("req_include"), "requirements.txt": "-c constraints.txt\n-r base.txt\n", "base.txt": "-e .\n",
              "constraints.txt": "pluggy>=1\n"},
             ("WORKDIR /srv/req_include", "COPY pyproject.toml README.md requirements.txt base.txt constraints.txt ./",
              "RUN pip install --no-cache-dir -r requirements.txt", "COPY src/ ./src/"), module="req_include", tier="opt-in"))
    add(Case("req_marker_skipped", "`. ; sys_platform == \"win32\"`: pip skips the line; the project is installed after its source",
             {**hatch_project("req_marker_skipped"), "requirements.txt": '. ; sys_platform == "win32"\n'},
             ("WORKDIR /srv/req_marker_skipped", "COPY pyproject.toml README.md requirements.txt ./",
              "RUN pip install --no-cache-dir -r requirements.txt", "COPY src/ ./src/", "RUN pip install --no-cache-dir ."),
             module="req_marker_skipped", tier="opt-in"))
    gunicorn = {**ACME, "acme/web.py": "from acme.util import VERSION\n\n\n"
                "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [VERSION.encode()]\n"}
    for name, copy, about in (("gunicorn_flattened", "COPY acme/ ./", "gunicorn `pkg.web:app` with the package flattened"),
                              ("gunicorn_kept", "COPY . .", "gunicorn `pkg.web:app` with the package kept")):
        add(Case(name, about, gunicorn, (f"WORKDIR /srv/{name}", "RUN pip install --no-cache-dir gunicorn", copy),
                 ("gunicorn", "--bind", f"unix:/tmp/{name}.sock", "acme.web:app"), tier="opt-in", wheels=("gunicorn",)))

    venv_path = "/srv/{}/.venv/bin:/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
    add(Case("uv_before_source", "`uv sync` before the source (hatchling, declared packages)",
             hatch_project("uv_before_source"),
             ("WORKDIR /srv/uv_before_source", "COPY pyproject.toml README.md ./", "RUN pip install --no-cache-dir uv && uv sync",
              "COPY src/ ./src/"), env={"PATH": venv_path.format("uv_before_source")}, module="uv_before_source",
             tier="opt-in", network=True, wheels=("uv",)))
    add(Case("uv_two_step", "uv's two-step recipe (`uv sync --no-install-project`, COPY, `uv sync`): editable, folder kept",
             hatch_project("uv_two_step"),
             ("WORKDIR /srv/uv_two_step", "COPY pyproject.toml README.md ./",
              "RUN pip install --no-cache-dir uv && uv sync --no-install-project", "COPY . .", "RUN uv sync"),
             env={"PATH": venv_path.format("uv_two_step")}, module="uv_two_step", tier="opt-in", network=True, wheels=("uv",)))
    add(Case("uv_no_install_workspace", "`uv sync --no-install-workspace` before the source, `uv sync` after it",
             hatch_project("uv_no_install_workspace"),
             ("WORKDIR /srv/uv_no_install_workspace", "COPY pyproject.toml README.md ./",
              "RUN pip install --no-cache-dir uv && uv sync --no-install-workspace", "COPY . .", "RUN uv sync"),
             env={"PATH": venv_path.format("uv_no_install_workspace")}, module="uv_no_install_workspace", tier="opt-in",
             network=True, wheels=("uv",)))
    member = hatch_project("uv_workspace_member")
    member["src/uv_workspace_member/__main__.py"] = "print('member ok')\n"
    add(Case("uv_workspace_member", "a uv workspace member whose source is copied after `uv sync`",
             {"pyproject.toml": textwrap.dedent("""\
                 [build-system]
                 requires = ["hatchling"]
                 build-backend = "hatchling.build"

                 [project]
                 name = "uv-workspace-root"
                 version = "1.0"
                 dependencies = ["uv-workspace-member"]

                 [tool.uv.sources]
                 uv-workspace-member = { workspace = true }

                 [tool.uv.workspace]
                 members = ["packages/*"]

                 [tool.hatch.build.targets.wheel]
                 packages = ["uv_workspace_root"]
                 """),
              "uv_workspace_root/__init__.py": "",
              **{f"packages/member/{k}": v for k, v in member.items()}},
             ("WORKDIR /srv/uv_workspace_member", "COPY pyproject.toml ./",
              "COPY packages/member/pyproject.toml packages/member/README.md packages/member/", "COPY uv_workspace_root/ uv_workspace_root/",
              "RUN pip install --no-cache-dir uv && uv sync", "COPY packages/ packages/"),
             ("python", "-m", "uv_workspace_member"), env={"PATH": venv_path.format("uv_workspace_member")},
             tier="opt-in", network=True, wheels=("uv",)))

    def poetry(name: str) -> dict[str, str]:
        return {"pyproject.toml": textwrap.dedent(f"""\
            [build-system]
            requires = ["poetry-core>=2"]
            build-backend = "poetry.core.masonry.api"

            [project]
            name = "{name.replace('_', '-')}"
            version = "1.0"
            readme = "README.md"
            requires-python = ">=3.9"

            [tool.poetry]
            packages = [{{include = "{name}", from = "src"}}]
            """), "README.md": f"{name}\n", f"src/{name}/__init__.py": f'OK = "{name}"\n'}

    add(Case("poetry_sync", "`poetry sync` (Poetry 2) before the source", poetry("poetry_sync"),
             ("WORKDIR /srv/poetry_sync", "COPY pyproject.toml README.md ./",
              "RUN pip install --no-cache-dir poetry && POETRY_VIRTUALENVS_CREATE=false poetry sync --no-interaction",
              "COPY src/ ./src/"), module="poetry_sync", tier="opt-in", network=True, wheels=("poetry",)))
    add(Case("poetry_image", "a working poetry image: the root project installed editable, its folder kept",
             poetry("poetry_image"),
             ("WORKDIR /srv/poetry_image", "COPY . .",
              "RUN pip install --no-cache-dir poetry && POETRY_VIRTUALENVS_CREATE=false poetry sync --no-interaction"),
             module="poetry_image", tier="opt-in", network=True, wheels=("poetry",)))
    pdm = hatch_project("pdm_before_source", declare_packages=False)
    pdm["pyproject.toml"] = pdm["pyproject.toml"].replace('requires = ["hatchling"]', 'requires = ["pdm-backend"]').replace(
        'build-backend = "hatchling.build"', 'build-backend = "pdm.backend"')
    add(Case("pdm_before_source", "`pdm install` before the source (pdm-backend)", pdm,
             ("WORKDIR /srv/pdm_before_source", "COPY pyproject.toml README.md ./", "RUN pip install --no-cache-dir 'pdm[locked]' && pdm install --prod",
              "COPY src/ ./src/"), env={"PATH": venv_path.format("pdm_before_source")}, module="pdm_before_source",
             tier="opt-in", network=True, wheels=("pdm[locked]",)))
    add(Case("pipenv_path_entry", "a Pipfile path entry (`{path = \".\", editable = true}`) under `pipenv install --system --deploy`",
             {**hatch_project("pipenv_path_entry"), "Pipfile": '[packages]\npipenv-path-entry = {path = ".", editable = true}\n'},
             ("WORKDIR /srv/pipenv_path_entry", "COPY Pipfile pyproject.toml README.md ./", "RUN pip install --no-cache-dir pipenv && pipenv lock",
              "RUN pipenv install --system --deploy", "COPY src/ ./src/"), module="pipenv_path_entry", tier="opt-in",
             network=True, wheels=("pipenv",)))
    # Two dependencies: the one pipenv_system installs where python looks must not be the one pipenv_venv misses.
    # (`pipenv install --system` without a lock file refuses to run: "--system is intended to be used for Pipfile
    # installation", so the working twin locks first, as teams do.)
    for name, command, dep, about in (
            ("pipenv_venv", "pipenv install", "termcolor",
             "`pipenv install` without --system: the dependency lands in pipenv's virtualenv"),
            ("pipenv_system", "pipenv lock && pipenv install --system --deploy", "tabulate",
             "`pipenv install --system --deploy`: the dependency lands where python looks")):
        add(Case(name, about, {"Pipfile": f'[packages]\n{dep} = "*"\n', "app.py": APP.format(dep=dep)},
                 (f"WORKDIR /srv/{name}", "COPY Pipfile app.py ./", f"RUN pip install --no-cache-dir pipenv && {command}"),
                 ("python", "app.py"), tier="opt-in", network=True, wheels=("pipenv",)))
    return cases


CASES: list[Case] = _cases()


def cases(tier: str) -> list[Case]:
    return [c for c in CASES if c.tier == tier]


def docs_table() -> str:
    """The Markdown table of every case and its tier, kept in DEVELOPERS.md (tests/test_python_real_cases.py checks it)."""
    rows = ["| case | what it decides | run by CI | the build needs |", "| --- | --- | --- | --- |"]
    for case in CASES:
        needs = ["the package index, from the build"] if case.network else [f"wheelhouse + `{w}`" for w in case.wheels]
        about = case.about.replace("|", "\\|")
        rows.append(f"| `{case.name}` | {about} | {'yes' if case.tier == 'ci' else 'opt-in'} | {', '.join(needs)} |")
    return "\n".join(rows) + "\n"


# --- the combined build -------------------------------------------------------------------------

RUN_SH = r"""#!/bin/sh
# run.sh CASE:N...: run RUN number N of each CASE (/probe/CASE.N.sh) as `RUN` would (/bin/sh -c in the case's
# WORKDIR, /probe/CASE.N.cwd), one after the other, recording exit status, log and time. Once a RUN of a case
# failed, the case's own build would have stopped there: its later RUNs are skipped.
for spec in "$@"; do
    name=${spec%:*} n=${spec##*:} out=/probe/out/${spec%:*}
    mkdir -p "$out"
    [ -e "$out/failed" ] && continue
    start=$(date +%s.%N)
    (cd "$(cat "/probe/$name.$n.cwd")" && exec /bin/sh -c "$(cat "/probe/$name.$n.sh")") > "$out/run$n.log" 2>&1
    rc=$?
    echo "$start $(date +%s.%N)" > "$out/run$n.time"
    echo "$rc" > "$out/run$n.rc"
    [ "$rc" -eq 0 ] || touch "$out/failed"
done
exit 0
"""

PROBE = r"""
import concurrent.futures, glob, grp, json, os, pwd, re, signal, subprocess, sys

def ids(user):
    # Popen's user/group/extra_groups for a USER value (uid[:gid] or names), as the runtime switches to it.
    if not user:
        return {}
    name, _, group = user.partition(":")
    uid = int(name) if name.isdigit() else pwd.getpwnam(name).pw_uid
    if group:
        gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    else:
        try:
            gid = pwd.getpwuid(uid).pw_gid
        except KeyError:
            gid = 0
    return {"user": uid, "group": gid, "extra_groups": []}

def run(argv, cwd, env, user, timeout):
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True, **ids(user),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        return {"rc": None, "error": f"{type(exc).__name__}: {exc}", "running": False}
    try:
        out, err = proc.communicate(timeout=timeout)
        running = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        running = True
    # "ModuleNotFoundError: No module named 'x.y'" from an import, "python: No module named x" from `python -m x`
    missing = re.findall(r"No module named '?([A-Za-z_][\w.]*)", err)
    return {"rc": proc.returncode, "running": running, "stdout": out[-400:], "stderr": err[-1500:],
            "missing": sorted({m.split(".")[0] for m in missing})}

DIST = '''
import importlib, importlib.metadata as m, json, os, sys
try:
    d = m.distribution(sys.argv[1])
except m.PackageNotFoundError:
    print("null", flush=True)
else:
    url = json.loads(d.read_text("direct_url.json") or "{}")
    folder = url.get("url", "")[7:] if url.get("url", "").startswith("file://") else None
    editable = bool(url.get("dir_info", {}).get("editable"))
    print(json.dumps({"editable": editable, "folder": folder, "folder_exists": bool(folder) and os.path.isdir(folder)}))
# Run from the WORKDIR: sys.path[0] is '' (the working directory), as for `python -c`. Without it first, as from a
# folder holding nothing importable (what the installed distribution provides), then with it (what PY003 models).
for where in ("root", "workdir"):
    if where == "root":
        sys.path.remove("")
    else:
        sys.path.insert(0, "")
        importlib.invalidate_caches()
    try:
        importlib.import_module(sys.argv[2])
        print(json.dumps({"rc": 0}))
    except Exception as exc:
        print(json.dumps({"rc": 1, "error": f"{type(exc).__name__}: {exc}",
                          "missing": [getattr(exc, "name", None) or sys.argv[2]][:1] if isinstance(exc, ImportError) else []}))
'''

def case(spec):
    out = {"name": spec["name"], "runs": []}
    base = spec.get("build_as") or spec["name"]
    for rc in sorted(glob.glob(f"/probe/out/{base}/run*.rc"), key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)))):
        log = open(rc[:-3] + ".log", errors="replace").read()
        start, end = map(float, open(rc[:-3] + ".time").read().split())
        out["runs"].append({"rc": int(open(rc).read()), "log": log[-1500:], "seconds": round(end - start, 1)})
    out["build"] = "fails" if any(r["rc"] for r in out["runs"]) else "green"
    if out["build"] == "fails":
        return out
    env = dict(os.environ, **spec["env"])
    if spec["user"]:
        env["HOME"] = "/nonexistent"
    if spec["argv"]:
        out["command"] = run(spec["argv"], spec["workdir"], env, spec["user"], spec["timeout"])
    if spec["healthcheck"]:
        out["healthcheck"] = run(spec["healthcheck"], spec["workdir"], env, spec["user"], spec["timeout"])
    if spec["module"]:  # one interpreter: the installed distribution's record, then `import module` twice
        checked = run(["python3", "-c", DIST, spec["dist"], spec["module"]], spec["workdir"], env, spec["user"], 120)
        lines = checked["stdout"].splitlines()
        if len(lines) != 3:
            raise SystemExit(f"{spec['name']}: the import check failed: {checked}")
        out["dist"], out["import_from_root"], out["import_from_workdir"] = map(json.loads, lines)
        for key in ("import_from_root", "import_from_workdir"):
            out[key]["missing"] = sorted({m.split(".")[0] for m in out[key].get("missing", [])})
    return out

specs = json.load(open("/probe/cases.json"))
with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(specs), 8) or 1) as pool:
    print(json.dumps(list(pool.map(case, specs))))
"""


def combined_context(root: Path, tier_cases: list[Case], *, timeout: float = 20) -> Path:
    """Write the one build context (a folder per case, ``probe/``, ``Dockerfile``) of ``tier_cases``.

    Each case's steps keep their order; the cases advance together: every case's instructions up to its
    first ``RUN``, then one ``RUN`` that runs each case's first ``RUN`` command in turn (in the case's
    WORKDIR), then every case's instructions up to its second ``RUN``, and so on (on ``vfs`` each ``RUN``
    costs seconds of container setup).  The cases share no folder, distribution or module, so a case
    sees the files its own Dockerfile would have given it when each of its commands runs.  The last
    ``RUN`` is the probe (:data:`PROBE`, with the image's environment only): its results are a file
    of the image, ``/probe/out/results.json``.
    """
    lines = ["ARG BASE=python:3.12-slim", "FROM ${BASE}"]
    if any(c.network for c in tier_cases):
        # Build-time only (ARG, not ENV): uv, poetry, pdm and pipenv trust the CA bundle mounted by build_image(network=True).
        lines += ["ARG SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
                  "ARG REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt",
                  "ARG UV_PYTHON=/usr/local/bin/python3", "ARG UV_PYTHON_DOWNLOADS=never"]
    lines.append("COPY probe/ /probe/")
    built = [case for case in tier_cases if case.same_build_as is None]
    phases = {case.name: _phases(root, case) for case in built}
    for k in range(max((len(p) for p in phases.values()), default=0)):
        flags: list[str] = []
        runs: list[str] = []
        for case in built:
            if k >= len(phases[case.name]):
                continue
            steps, run = phases[case.name][k]
            if k == 0 or any(not step.startswith("WORKDIR ") for step in steps):
                lines.append(f"# {case.name}" + (f": {case.about}" if k == 0 else ""))
                lines += steps
            if run is not None:
                flags += run[0]
                runs.append(run[1])
        if runs:
            lines.append(" ".join(["RUN", *flags, "sh", "/probe/run.sh", *runs]))
    # The probe: what each case's container does, with the image's own environment (no build ARG, no build mounts used).
    lines.append("RUN env -i HOME=/root PATH=\"$PATH\" LANG=\"$LANG\" python3 /probe/probe.py > /probe/out/results.json")
    checks = [case for case in tier_cases if case.healthcheck is not None]
    if len(checks) > 1:
        raise ValueError(f"one HEALTHCHECK case per tier (the combined image's own): {', '.join(c.name for c in checks)}")
    lines += [f"HEALTHCHECK CMD {json.dumps(list(case.healthcheck))}" for case in checks if case.healthcheck]
    specs = [{"name": case.name, "build_as": case.same_build_as, "argv": list(case.cmd or ()), "workdir": case.workdir,
              "env": dict(case.env), "user": case.user, "module": case.module, "dist": case.dist, "timeout": timeout,
              "healthcheck": list(case.healthcheck or ())}
             for case in tier_cases]
    write_file(root / "probe" / "run.sh", RUN_SH)
    write_file(root / "probe" / "probe.py", PROBE)
    write_file(root / "probe" / "cases.json", json.dumps(specs, indent=1))
    write_file(root / "probe" / "out" / ".keep", "")
    write_file(root / "Dockerfile", "\n".join(lines) + "\n")
    return root


def _in_case(case: Case, path: str) -> str:
    """A context path of the case as a path of the combined context (its folder)."""
    if path in (".", "./"):
        return f"{case.name}/"
    return f"{case.name}/{path[2:] if path.startswith('./') else path}"


def _phases(root: Path, case: Case) -> list[tuple[list[str], tuple[list[str], str] | None]]:
    """The case's instructions as (instructions before a RUN, (that RUN's flags, run.sh argument) or None) pairs."""
    if not case.steps or not case.steps[0].startswith("WORKDIR /"):
        raise ValueError(f"case {case.name}: its first step must be an absolute WORKDIR (its own folder)")
    for rel, text in case.files.items():
        write_file(root / case.name / rel, text)
    phases: list[tuple[list[str], tuple[list[str], str] | None]] = []
    pending: list[str] = []
    workdir = "/"
    for step in case.steps:
        keyword, _, rest = step.partition(" ")
        if keyword in ("COPY", "ADD"):
            words = rest.split()
            flags = [w for w in words if w.startswith("--")]
            paths = [w for w in words if not w.startswith("--")]
            if any(f.startswith("--from") for f in flags):
                raise ValueError(f"case {case.name}: COPY --from needs a stage: build it on its own")
            pending.append(" ".join([keyword, *flags, *[_in_case(case, s) for s in paths[:-1]], paths[-1]]))
        elif keyword == "RUN":
            flags = []
            command = rest
            while command.startswith("--"):
                flag, _, command = command.partition(" ")
                flags.append(re.sub(r"\b(source|src)=([^,]*)", lambda m: f"{m.group(1)}={_in_case(case, m.group(2))}".rstrip("/"), flag))
            n = len(phases) + 1
            write_file(root / "probe" / f"{case.name}.{n}.sh", command + "\n")
            write_file(root / "probe" / f"{case.name}.{n}.cwd", workdir + "\n")
            phases.append((pending, (flags, shlex.quote(f"{case.name}:{n}"))))
            pending = [f"WORKDIR {workdir}"]  # the cases advance together: back to this case's folder
        elif keyword == "WORKDIR":
            workdir = posixpath.join(workdir, rest.strip())
            pending.append(step)
        else:
            raise ValueError(f"case {case.name}: {keyword} belongs in the runtime config (cmd/env/user), not in steps")
    if any(not step.startswith("WORKDIR ") for step in pending):
        phases.append((pending, None))
    return phases


# --- outcomes -------------------------------------------------------------------------------------


def real_outcome(probe: dict, mode: str) -> tuple[str, set[str]]:
    """(``fails`` | ``crashes`` | ``works``, the top-level modules a crash names) of one case, as ``mode`` claims it.

    The build fails when a RUN of the case failed.  It crashes when the command the container starts dies
    (still running at the timeout counts as started) or its HEALTHCHECK fails, or when the project the case
    installs does not import:
    from the Dockerfile (PY001) that is the installed distribution, imported with the working directory off
    ``sys.path``; from the image (PY003) it is ``python -c "import module"`` run in the WORKDIR.
    """
    if probe["build"] == "fails":
        return "fails", set()
    missing: set[str] = set()
    crashed = False
    for key in ("command", "healthcheck"):  # a HEALTHCHECK that fails leaves the container unhealthy
        command = probe.get(key)
        if command is not None and not command["running"] and command["rc"] != 0:
            crashed = True
            missing |= set(command["missing"])
    imported = probe.get("import_from_root" if mode == "dockerfile" else "import_from_workdir")
    if imported is not None and imported["rc"] != 0 and (mode == "image" or probe.get("dist") is not None):
        crashed = True
        missing |= set(imported["missing"])
    return ("crashes" if crashed else "works"), missing


def verdict(findings: list[dict], *, dockerfile: bool) -> tuple[str, set[str]]:
    """imagepolicy's verdict from a case's Python-rule findings: (outcome, modules its errors name)."""
    errors = [f for f in findings if f["rule"] in PYTHON_RULES and f["severity"] == "error"]
    named = set()
    for f in errors:  # the JSON report has no details: the module is read from the message, as a user reads it
        found = re.search(r"^module (\w+) cannot be imported|: no module (\w+) on sys\.path", f["message"])
        if found:
            named.add(found.group(1) or found.group(2))
    if dockerfile and any(f["rule"] == "PY001" and "The build fails" in f["message"] for f in errors):
        return "fails", named
    return ("crashes" if errors else "works"), named


# --- judging ----------------------------------------------------------------------------------------


def imagepolicy(*args: str | Path) -> list[dict]:
    """``imagepolicy check ARGS --format json`` as a CI job runs it; the report's findings."""
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", *map(str, args), "--format", "json", "--no-config"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode in (0, 1), proc.stderr  # 2 would be an input or internal error
    report = json.loads(proc.stdout)
    assert not report["errors"], report["errors"]
    return report["findings"]


def python_findings(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["rule"] in PYTHON_RULES]


def judge_cases(tier: str, image_cache_dir: Path, root: Path) -> dict[str, dict]:
    """Build the tier's cases as one image (probed in its last RUN), judge each from its Dockerfile and its image."""
    missing = [tool for tool in ("umoci", "skopeo") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed; run `.ci/install-image-tools` as root")
    chosen = {case.name: case for case in cases(tier)}
    context = combined_context(root / "combined", list(chosen.values()))
    wheels = sorted({w for c in chosen.values() for w in c.wheels})
    ref = build_image(context, context / "Dockerfile", f"localhost/imagepolicy-test/py-cases-{tier}:latest",
                      cache_dir=image_cache_dir, wheels=wheels, layers=False,
                      network=any(c.network for c in chosen.values()))
    layout = cached_archive(ref, "oci-dir", image_cache_dir, compression="none")
    probes = {p["name"]: p for p in json.loads(image_file(layout, "probe/out/results.json"))}
    dockerfiles = {name: case.write(root / "repos" / name) for name, case in chosen.items()}
    alone = imagepolicy(*dockerfiles.values())
    results: dict[str, dict] = {}
    for name in chosen:
        results[name] = {"case": chosen[name], "probe": probes[name], "layout": layout,
                         "dockerfile": python_findings([f for f in alone if f["file"] and str(dockerfiles[name]).endswith(f["file"])])}
    # Each case whose build is green has an image: the combined one with the case's runtime config (a failed build has none).
    # The HEALTHCHECK case's image is the combined one as built, saved as a docker-archive: an OCI config has no
    # Healthcheck (skopeo drops it when it writes the layout, umoci has none to set).
    variants = {name: cached_archive(ref, "docker-archive", image_cache_dir) if case.healthcheck else
                oci_variant(layout, root / "variants" / name, cmd=case.cmd, workdir=case.workdir, env=case.env, user=case.user)
                for name, case in chosen.items() if probes[name]["build"] != "fails"}
    # PY003 reads the project from --context: one run per case that installs a project, one run for all the others.
    runs = [[name] for name in variants if chosen[name].module]
    runs = [r for r in runs + [[name for name in variants if not chosen[name].module]] if r]

    def check(names: list[str]) -> list[dict]:
        context_args = ["--context", dockerfiles[names[0]].parent] if chosen[names[0]].module else []
        return imagepolicy(*[a for n in names for a in ("--image", variants[n])], *context_args)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for names, findings in zip(runs, pool.map(check, runs)):
            for name in names:
                results[name]["image"] = python_findings([f for f in findings if f["file"] == str(variants[name])])
    return results


def image_file(layout: Path, path: str) -> bytes:
    """A file of the one image in an uncompressed OCI ``layout``, read from its layers (the last one that has it)."""
    def blob(digest: str) -> Path:
        return layout / "blobs" / digest.replace(":", "/")

    (entry,) = json.loads((layout / "index.json").read_text(encoding="utf-8"))["manifests"]
    manifest = json.loads(blob(entry["digest"]).read_text(encoding="utf-8"))
    for layer in reversed(manifest["layers"]):
        with tarfile.open(blob(layer["digest"])) as tar:
            for name in (path, f"./{path}"):
                try:
                    handle = tar.extractfile(name)
                except KeyError:
                    continue
                if handle is not None:
                    return handle.read()
    raise FileNotFoundError(f"{path} is in no layer of {layout}")


def assert_decided_right(result: dict) -> None:
    """The Dockerfile's verdict and the image's verdict each equal the real outcome, naming the module that is missing."""
    shown = json.dumps({k: v for k, v in result["probe"].items() if k != "name"}, indent=1)[:4000]
    for mode in ("dockerfile", "image"):
        if mode not in result:
            continue
        real, missing = real_outcome(result["probe"], mode)
        said, named = verdict(result[mode], dockerfile=mode == "dockerfile")
        assert said == real, f"{mode}: imagepolicy says {said}, really {real}\n{result[mode]}\n{shown}"
        assert named <= missing, f"{mode}: imagepolicy names {named}, really missing {missing}\n{result[mode]}"
        editable_gone = bool(result["probe"].get("dist")) and result["probe"]["dist"]["editable"] and not result["probe"]["dist"]["folder_exists"]
        assert any(f["rule"] == "PY002" for f in result[mode]) == editable_gone, result[mode]


def write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
