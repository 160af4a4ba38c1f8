"""Issue 10 on real builds: imagepolicy's verdict equals what really happens, from the Dockerfile and from the image.

Two parts, both run by CI (``@pytest.mark.buildah``):

* The bundled example (``examples/service``): ``Dockerfile.broken`` and
  ``Dockerfile`` are built unchanged (their ``FROM python:3.12-slim`` replaced
  by the local base) and saved as docker-archives.  A container of each runs
  the image's own command and ``import datastore``.  imagepolicy judges each
  Dockerfile alone and each archive alone (``--image`` with the context).
* The cases of ``tests/pycases.py`` (tier ``ci``): one image builds them all
  and probes them all in its last ``RUN``; each case's Dockerfile (alone) and
  image variant (``--image``) are judged and compared with the probe.

The opt-in tier (``IMAGEPOLICY_PY_REAL_BUILDS=1``) is tests/test_python_real_builds.py.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

import pycases
from imagebuild import ImageBuildError, build_image, cached_archive, run_in_image
from pycases import assert_decided_right, imagepolicy, judge_cases, python_findings

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "service"


# --- the bundled example ----------------------------------------------------------------------

# Runs in a container of each example image: the image's own command, from its WORKDIR, and `import datastore`.
EXAMPLE_PROBE = r"""
import json, subprocess, sys
argv, cwd = json.loads(sys.argv[1]), sys.argv[2]
out = {}
for key, command in (("command", argv), ("import", ["python3", "-c", "import datastore"])):
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    out[key] = {"rc": proc.returncode, "stderr": proc.stderr[-1000:]}
print(json.dumps(out))
"""


def _archive_config(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        (manifest,) = json.load(tar.extractfile("manifest.json"))
        return json.load(tar.extractfile(manifest["Config"]))["config"]


@pytest.fixture(scope="module")
def example(image_cache_dir: Path) -> dict[str, dict]:
    """Each example Dockerfile built for real: its build outcome, archive, and what its container really does."""
    out: dict[str, dict] = {}
    for name, dockerfile in (("broken", "Dockerfile.broken"), ("fixed", "Dockerfile")):
        entry: dict = {"dockerfile": EXAMPLE / dockerfile}
        try:
            ref = build_image(EXAMPLE, EXAMPLE / dockerfile, f"localhost/imagepolicy-test/example-{name}:latest",
                              cache_dir=image_cache_dir, layers=False, replace_from=True)
        except ImageBuildError as exc:
            entry.update(build="fails", log=str(exc)[-3000:])
            out[name] = entry
            continue
        archive = cached_archive(ref, "docker-archive", image_cache_dir)
        config = _archive_config(archive)
        argv = (config.get("Entrypoint") or []) + (config.get("Cmd") or [])
        probe = run_in_image(ref, ["python3", "-c", EXAMPLE_PROBE, json.dumps(argv), config.get("WorkingDir") or "/"],
                             cache_dir=image_cache_dir, expect_output=True)
        assert probe.returncode == 0, probe.stderr
        entry.update(build="green", archive=archive, argv=argv, real=json.loads(probe.stdout))
        out[name] = entry
    return out


@pytest.mark.buildah
def test_the_broken_example_builds_green_and_crashes_as_its_readme_says(example):
    broken = example["broken"]
    assert broken["build"] == "green", broken.get("log")
    assert broken["argv"] == ["datastore"]
    for key in ("command", "import"):
        assert broken["real"][key]["rc"] == 1, broken["real"]
        assert "ModuleNotFoundError: No module named 'datastore'" in broken["real"][key]["stderr"]
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert "the image builds" in readme and "fail with `ModuleNotFoundError`" in readme


@pytest.mark.buildah
def test_py001_on_the_broken_example_tells_what_the_build_really_did(example):
    broken = example["broken"]
    (finding,) = [f for f in imagepolicy(broken["dockerfile"], "--context", EXAMPLE) if f["rule"] == "PY001"]
    assert finding["line"] == 4 and finding["severity"] == "error"
    says_green = "The build succeeds" in finding["message"]
    assert says_green == (broken["build"] == "green"), finding["message"]
    assert ("`import datastore` fails at run time" in finding["message"]) == (broken["real"]["import"]["rc"] != 0)


@pytest.mark.buildah
def test_py003_and_py006_on_the_broken_examples_archive_agree_with_its_container(example):
    broken = example["broken"]
    findings = python_findings(imagepolicy("--image", broken["archive"], "--context", EXAMPLE))
    py003 = [f for f in findings if f["rule"] == "PY003"]
    py006 = [f for f in findings if f["rule"] == "PY006"]
    # PY003 models `python -c "import datastore"` from the WORKDIR; PY006 the image's command.
    assert bool(py003) == (broken["real"]["import"]["rc"] != 0), py003
    assert bool(py006) == (broken["real"]["command"]["rc"] != 0), py006
    (finding,) = py006
    assert finding["path_in_image"] == "/usr/local/bin/datastore"
    assert "`datastore` (CMD/ENTRYPOINT of the image, run as root from /app) cannot import datastore.cli" in finding["message"]
    assert "no module datastore on sys.path" in finding["message"]
    assert py003[0]["message"].startswith("module datastore cannot be imported")
    assert {f["rule"] for f in findings} == {"PY003", "PY006"}


@pytest.mark.buildah
def test_the_fixed_example_works_and_imagepolicy_is_silent_on_python(example):
    fixed = example["fixed"]
    assert fixed["build"] == "green", fixed.get("log")
    assert fixed["real"]["command"]["rc"] == 0 and fixed["real"]["import"]["rc"] == 0, fixed["real"]
    assert python_findings(imagepolicy(fixed["dockerfile"], "--context", EXAMPLE)) == []
    assert python_findings(imagepolicy("--image", fixed["archive"], "--context", EXAMPLE)) == []


# --- issue 10's cases, many in one image ------------------------------------------------------


@pytest.fixture(scope="module")
def ci_cases(image_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    return judge_cases("ci", image_cache_dir, tmp_path_factory.mktemp("cases"))


@pytest.mark.buildah
@pytest.mark.parametrize("name", [c.name for c in pycases.cases("ci")])
def test_ci_case_is_decided_right_from_the_dockerfile_and_from_the_image(ci_cases, name):
    assert_decided_right(ci_cases[name])


@pytest.mark.buildah
def test_the_entry_rule_catches_the_issues_crashes_on_real_images(ci_cases):
    """Issue 10's "done when": flattened package, Django layout, missing dependency (and the console script run
    from its own folder, which PY003's `python -c` model misses) crash for real, and PY006 alone names them."""
    for name, module in (("pkg_flattened", "acme"), ("django_flattened", "mysite"), ("dep_missing", "yaml"),
                         ("script_own_folder", "orrery")):
        result = ci_cases[name]
        assert pycases.real_outcome(result["probe"], "image") == ("crashes", {module}), result["probe"]
        assert [f["rule"] for f in result["image"] if f["severity"] == "error"] == ["PY006"], result["image"]


# --- without buildah: the combined build keeps every case's own order, DEVELOPERS.md lists every case -----------


def test_the_combined_build_runs_each_case_in_its_own_order(tmp_path):
    every = pycases.cases("ci") + pycases.cases("opt-in")
    lines = pycases.combined_context(tmp_path, every).joinpath("Dockerfile").read_text(encoding="utf-8").splitlines()
    for case in (c for c in every if c.same_build_as is None):
        mine = [n for n, line in enumerate(lines) if line.startswith(("COPY ", "ADD ")) and f" {case.name}/" in line]
        runs = [n for n, line in enumerate(lines) if line.startswith("RUN ") and f" {case.name}:" in line]
        order = [(n, "COPY") for n in mine] + [(n, "RUN") for n in runs]
        expected = [s.split(None, 1)[0] for s in case.steps if s.startswith(("COPY ", "ADD ", "RUN "))]
        assert [kind for _, kind in sorted(order)] == expected, case.name
        for number, step in enumerate((s for s in case.steps if s.startswith("RUN ")), start=1):
            command = (tmp_path / "probe" / f"{case.name}.{number}.sh").read_text(encoding="utf-8").strip()
            assert step.endswith(command), (case.name, step, command)
    assert lines[-1].startswith(("RUN env -i", "HEALTHCHECK"))


def test_developers_md_lists_every_case_and_whether_ci_builds_it():
    text = (REPO / "DEVELOPERS.md").read_text(encoding="utf-8")
    table = text.split("<!-- pycases:start -->\n", 1)[1].split("<!-- pycases:end -->", 1)[0]
    assert table == pycases.docs_table(), "regenerate: python -c 'import pycases; print(pycases.docs_table())' in tests/"
