"""Issue 10's opt-in tier of real builds: run before merging, not by CI (too slow for its budget, or needs PyPI).

Set IMAGEPOLICY_PY_REAL_BUILDS=1 to run (needs buildah and umoci, as tests/imagebuild.py; the tools' cases
also need the package index: they build with ``--network host`` and the host's CA bundle). Four parts:

* the cases of tests/pycases.py in tier ``opt-in`` (more requirement files and pip options, gunicorn
  targets, uv, poetry, pdm and pipenv run inside the build), judged like CI's tier in
  tests/test_python_real_cases.py: one image probed in its last RUN, each case's Dockerfile alone and its
  image variant compared with what really happened;
* the build backends' matrix of tests/pybackends.py behind PY001's message (build fails, or builds green
  and crashes): the real outcome must be the one PY001 tells from each case's Dockerfile, and the one
  recorded in pybackends (which tests/test_py001_install_before_source.py checks without building);
* ``pip wheel .`` in a builder stage before the source: a real two-stage build;
* the Pipfile.lock that ``pipenv lock`` wrote in the pipenv_path_entry case, committed in a repository
  that runs the same ``pipenv install --system --deploy``: PY001 reads its path entry.

The date and result of the last run are in DEVELOPERS.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

import pybackends
import pycases
from imagebuild import ImageBuildError, build_image, run_in_image
from pycases import assert_decided_right, imagepolicy, judge_cases, python_findings

pytestmark = [
    pytest.mark.buildah,
    pytest.mark.skipif(not os.environ.get("IMAGEPOLICY_PY_REAL_BUILDS"), reason="opt-in: set IMAGEPOLICY_PY_REAL_BUILDS=1"),
]


@pytest.fixture(scope="module")
def opt_in_cases(image_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return judge_cases("opt-in", image_cache_dir, tmp_path_factory.mktemp("cases"))


@pytest.mark.parametrize("name", [c.name for c in pycases.cases("opt-in")])
def test_opt_in_case_is_decided_right_from_the_dockerfile_and_from_the_image(opt_in_cases, name):
    assert_decided_right(opt_in_cases[name])


def test_the_pipfile_lock_path_entry_is_read_as_the_build_used_it(opt_in_cases, tmp_path):
    """pipenv_path_entry locked its Pipfile in the build: a repository that commits that very lock and runs the
    same `pipenv install --system --deploy` before the source has the same outcome, and PY001 reads the lock."""
    result = opt_in_cases["pipenv_path_entry"]
    lock = pycases.image_file(result["layout"], "srv/pipenv_path_entry/Pipfile.lock").decode()
    assert '"path": "."' in lock and '"editable": true' in lock, lock
    case = result["case"]
    repo = tmp_path / "repo"
    for rel, text in {**case.files, "Pipfile.lock": lock}.items():
        pycases.write_file(repo / rel, text)
    pycases.write_file(repo / "Dockerfile", "\n".join([
        "FROM python:3.12-slim", "WORKDIR /srv/pipenv_path_entry", "COPY Pipfile Pipfile.lock pyproject.toml README.md ./",
        "RUN pip install --no-cache-dir pipenv && pipenv install --system --deploy", "COPY src/ ./src/", ""]))
    findings = python_findings(imagepolicy(repo / "Dockerfile"))
    assert pycases.verdict(findings, dockerfile=True)[0] == pycases.real_outcome(result["probe"], "dockerfile")[0] == "crashes"
    (py001,) = [f for f in findings if f["rule"] == "PY001"]
    assert "Pipfile.lock [default] pipenv-path-entry" in py001["message"], py001["message"]


def _py001_outcome(findings: list[dict]) -> str:
    py001 = [f for f in findings if f["rule"] == "PY001"]
    if not py001:
        return "works"
    (finding,) = py001
    if "The build fails here:" in finding["message"]:
        return "fails"
    assert "The build succeeds" in finding["message"] and "fails at run time (ModuleNotFoundError)" in finding["message"]
    return "crashes"


def test_each_backend_case_fails_crashes_or_works_as_py001_tells(image_cache_dir, tmp_path):
    root = pybackends.matrix_context(tmp_path / "matrix")
    ref = build_image(root, root / "Dockerfile", "localhost/imagepolicy-test/py-backends:latest",
                      cache_dir=image_cache_dir, wheels=pybackends.BACKEND_WHEELS, layers=False)
    proc = run_in_image(ref, ["python3", "/probe.py", *[c.name for c in pybackends.CASES]], cache_dir=image_cache_dir,
                        expect_output=True)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    real = {name: "fails" if r["rc"] else ("works" if r["import"] == "ok" else "crashes") for name, r in results.items()}
    dockerfiles = {c.name: pybackends.case_context(tmp_path / "cases" / c.name, c) / "Dockerfile" for c in pybackends.CASES}
    findings = imagepolicy(*dockerfiles.values())
    said = {name: _py001_outcome([f for f in findings if str(path).endswith(f["file"] or "\0")])
            for name, path in dockerfiles.items()}
    assert said == real, {n: (said[n], real[n], results[n]) for n in real if said[n] != real[n]}
    assert real == {c.name: c.expect for c in pybackends.CASES}, results
    shutil.rmtree(root)


PIP_WHEEL = """\
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
RUN pip wheel --no-cache-dir --no-deps -w /wheels .
COPY src/ ./src/

FROM python:3.12-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl
"""


def test_pip_wheel_in_a_builder_before_the_source_ships_a_wheel_without_the_module(image_cache_dir, tmp_path):
    """The Dockerfile a team writes is judged; the same file with each FROM on the local base is built."""
    context = tmp_path / "repo"
    for rel, text in pycases.hatch_project("wheel_builder").items():
        pycases.write_file(context / rel, text)
    pycases.write_file(context / "Dockerfile", PIP_WHEEL)
    pycases.write_file(tmp_path / "build.Dockerfile", "ARG BASE\n" + PIP_WHEEL.replace("FROM python:3.12-slim", "FROM ${BASE}"))
    try:
        ref = build_image(context, tmp_path / "build.Dockerfile", "localhost/imagepolicy-test/py-wheel-builder:latest",
                          cache_dir=image_cache_dir, layers=False)
    except ImageBuildError as exc:
        real = ("fails", str(exc)[-2000:])
    else:
        proc = run_in_image(ref, ["python3", "-c", "import wheel_builder"], cache_dir=image_cache_dir)
        real = ("works" if proc.returncode == 0 else "crashes", proc.stderr[-2000:])
    said = _py001_outcome(python_findings(imagepolicy(context / "Dockerfile")))
    assert said == real[0], real
    assert real[0] == "crashes" and re.search(r"No module named 'wheel_builder'", real[1]), real
