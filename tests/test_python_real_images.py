"""PY002-PY005 on real images built with buildah, checked against what the images really do.

``built_images`` (tests/imagebuild.py) builds the fixture services under
``tests/fixtures/images/`` and saves each as docker-archive and oci-archive.
imagepolicy reads the archives statically through the CLI; the oracles run
``python3 -c "import acme"`` and ``command -v acme`` in a throw-away container
(test oracles only: imagepolicy itself never runs image content).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from imagebuild import fixture_names, run_in_image

FORMATS = ("docker-archive", "oci-archive")
SERVICES = ("service-broken", "service-fixed", "service-multistage")


def _check(archive: Path, context: Path, dockerfile: Path | None = None, config: Path | None = None) -> dict:
    """``imagepolicy check [DOCKERFILE] --image ARCHIVE --format json``, as a CI job runs it."""
    argv = [sys.executable, "-m", "imagepolicy", "check", *([str(dockerfile)] if dockerfile else []),
            "--image", str(archive), "--context", str(context), "--format", "json", *(["--config", str(config)] if config else [])]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 1), proc.stderr  # 2 would be an input or internal error
    report = json.loads(proc.stdout)
    assert not report["errors"], report["errors"]
    return report


@pytest.fixture(scope="module")
def reports(built_images: dict) -> dict[tuple[str, str], dict]:
    return {(name, fmt): _check(built_images[name][fmt], built_images[name]["context"]) for name in SERVICES for fmt in FORMATS}


@pytest.mark.buildah
@pytest.mark.parametrize("name", SERVICES)
def test_py003_agrees_with_importing_in_the_image(built_images, reports, name):
    oracle = run_in_image(built_images[name]["image"], ["python3", "-c", "import acme"])
    importable = oracle.returncode == 0
    for fmt in FORMATS:
        py003 = [f for f in reports[name, fmt]["findings"] if f["rule"] == "PY003"]
        assert (not py003) == importable, (name, fmt, oracle.stderr, py003)
        if not importable:
            assert "No module named 'acme'" in oracle.stderr
            (finding,) = py003
            assert finding["severity"] == "error"
            assert finding["message"].startswith("module acme cannot be imported by /usr/local/bin/python3 (Python 3.11, venv /usr/local on /usr/bin)")


@pytest.mark.buildah
def test_py003_explains_the_broken_service(reports):
    (finding,) = [f for f in reports["service-broken", "docker-archive"]["findings"] if f["rule"] == "PY003"]
    assert "distribution acme-service 0.1.0 is installed editable from /app but provides no modules" in finding["message"]
    assert "/app/src/acme exists but /app/src is not on sys.path" in finding["message"]
    assert finding["path_in_image"] == "/usr/local/lib/python3.11/site-packages/acme_service-0.1.0.dist-info"


# Limits every image breaks, so that IM010's message quotes layers (index, digest, instruction).
LAYER_QUOTING_CONFIG = {"rules": {"IM010": {"max-size": 1, "max-layers": 1}}}


def _named_alike(findings: list[dict], archive: Path) -> list[dict]:
    """The findings with the archive's own file name (which differs by format) written as ``<image>``."""
    return [{**f, "file": "<image>" if f["file"] and f["file"].endswith(Path(archive).name) else f["file"]} for f in findings]


@pytest.mark.buildah
@pytest.mark.parametrize("paired", [False, True], ids=["image-only", "with-dockerfile"])
@pytest.mark.parametrize("name", fixture_names())
def test_docker_and_oci_archives_give_identical_findings(built_images, tmp_path, name, paired):
    """Every finding of every rule, to the byte: layers are quoted by diff_id, never by their (compressed) blob digest."""
    fixture = built_images[name]
    context = Path(fixture["context"])
    config = tmp_path / "imagepolicy.json"
    config.write_text(json.dumps(LAYER_QUOTING_CONFIG), encoding="utf-8")
    dockerfile = context / "Dockerfile" if paired else None
    docker, oci = (_named_alike(_check(fixture[fmt], context, dockerfile, config)["findings"], fixture[fmt]) for fmt in FORMATS)
    assert docker == oci
    assert any(" sha256:" in f["message"] for f in docker if f["rule"] == "IM010"), "a message quotes a layer"
    assert any(f["file"] == "<image>" for f in docker)
    if paired:
        assert any(f["rule"].startswith("IM") and f["line"] is not None for f in docker), "image findings on Dockerfile lines"


@pytest.mark.buildah
def test_py003_with_the_dockerfile_points_at_the_editable_install(built_images):
    fixture = built_images["service-broken"]
    context = Path(fixture["context"])
    lines = (context / "Dockerfile").read_text(encoding="utf-8").splitlines()
    for fmt in FORMATS:
        (finding,) = [f for f in _check(fixture[fmt], context, context / "Dockerfile")["findings"] if f["rule"] == "PY003"]
        assert finding["file"].endswith("service-broken/Dockerfile"), finding
        assert lines[finding["line"] - 1] == "RUN pip install --no-cache-dir -e ."
        assert finding["path_in_image"] == "/usr/local/lib/python3.11/site-packages/acme_service-0.1.0.dist-info"


@pytest.mark.buildah
@pytest.mark.parametrize("name", SERVICES)
def test_py004_agrees_with_the_shell_finding_the_script(built_images, reports, name):
    oracle = run_in_image(built_images[name]["image"], ["sh", "-c", "command -v acme"])
    py004 = [f for f in reports[name, "oci-archive"]["findings"] if f["rule"] == "PY004"]
    assert (not py004) == (oracle.returncode == 0), (name, oracle.stdout, py004)
    if py004:
        assert py004[0]["path_in_image"] == "/usr/local/bin/acme"
        assert "the image's CMD/ENTRYPOINT runs `acme`" in py004[0]["message"]


@pytest.mark.buildah
@pytest.mark.parametrize("name", SERVICES)
def test_py002_agrees_with_direct_url_in_the_image(built_images, reports, name):
    """PY002 fires exactly when the image holds an editable install whose project folder it lacks."""
    code = ("import importlib.metadata as m, json, os, urllib.parse; "
            "d = json.loads(m.distribution('acme-service').read_text('direct_url.json') or '{}'); "
            "folder = urllib.parse.urlparse(d.get('url', '')).path; "
            "print(d.get('dir_info', {}).get('editable', False) and not os.path.isdir(folder))")
    oracle = run_in_image(built_images[name]["image"], ["python3", "-c", code], expect_output=True)
    assert oracle.returncode == 0, oracle.stderr
    py002 = [f for f in reports[name, "docker-archive"]["findings"] if f["rule"] == "PY002"]
    assert bool(py002) == (oracle.stdout.strip() == "True"), (name, py002)


@pytest.mark.buildah
def test_no_version_mismatch_in_the_fixture_images(reports):
    assert not [f for r in reports.values() for f in r["findings"] if f["rule"] == "PY005"]


SYS_PATH = "import json, sys; print(json.dumps(sys.path))"


def _real_sys_path(image: str, python: str, cwd: str) -> list[str]:
    proc = run_in_image(image, [python, "-c", SYS_PATH], expect_output=True)
    assert proc.returncode == 0, proc.stderr
    return [cwd if entry == "" else entry for entry in json.loads(proc.stdout)]


@pytest.mark.buildah
@pytest.mark.parametrize("name", SERVICES)
def test_static_sys_path_equals_the_interpreters(built_images, name):
    from imagepolicy.image import open_image
    from imagepolicy.plugins.python.runtime import load_runtime

    image = open_image(built_images[name]["docker-archive"])
    model = load_runtime(image)
    assert model.path_strings() == _real_sys_path(built_images[name]["image"], "python3", image.workdir)


@pytest.mark.buildah
def test_static_sys_path_of_debians_system_python(built_images):
    """/usr/bin/python3 of the base (no venv): Debian's dist-packages layout."""
    from imagepolicy.image import open_image
    from imagepolicy.plugins.python.runtime import load_runtime

    ref = built_images["service-fixed"]["image"]
    image = open_image(built_images["service-fixed"]["oci-archive"])
    model = load_runtime(image, python="/usr/bin/python3")
    assert model.interpreter.debian and model.interpreter.venv is None
    assert model.path_strings() == _real_sys_path(ref, "/usr/bin/python3", image.workdir)
    assert model.resolve_module("acme").found is False  # installed in the /usr/local venv only
