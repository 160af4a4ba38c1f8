"""PY002-PY005 on real images built with buildah, checked against what the images really do.

``built_images`` (tests/imagebuild.py) builds the fixture services under
``tests/fixtures/images/`` and saves each as docker-archive and oci-archive.
imagepolicy reads the archives statically through the CLI; the oracles run
``python3 -c "import acme"`` and ``command -v acme`` in a throw-away container
(test oracles only: imagepolicy itself never runs image content).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from imagebuild import run_in_image

pytest_plugins = ["imagebuild"]

FORMATS = ("docker-archive", "oci-archive")
SERVICES = ("service-broken", "service-fixed", "service-multistage")


def _check(archive: Path, context: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "imagepolicy", "check", "--image", str(archive), "--context", str(context), "--format", "json"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr  # 2 would be an input or internal error
    report = json.loads(proc.stdout)
    assert not [r for r in report.get("results", []) if r.get("errors")], proc.stdout
    return report


def _python_findings(report: dict) -> list[dict]:
    """PY findings without the archive's file name, in report order."""
    return [{k: v for k, v in f.items() if k != "file"} for f in report["findings"] if f["rule"].startswith("PY")]


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


def _masked(findings: list[dict]) -> list[dict]:
    """Findings without the archive name, layer blob digests masked.

    A layer's blob digest is a property of the archive encoding (docker-archive
    stores layers uncompressed, oci-archive gzip-compressed), so messages that
    quote it legitimately differ; everything else must be identical.
    """
    return [{k: _BLOB.sub("sha256:<blob>", v) if isinstance(v, str) else v for k, v in f.items() if k != "file"} for f in findings]


_BLOB = re.compile(r"sha256:[0-9a-f]{12,64}")


@pytest.mark.buildah
@pytest.mark.parametrize("name", SERVICES)
def test_docker_and_oci_archives_give_identical_findings(reports, name):
    # The Python rules quote no blob digest: identical to the byte.
    assert _python_findings(reports[name, "docker-archive"]) == _python_findings(reports[name, "oci-archive"])
    assert _masked(reports[name, "docker-archive"]["findings"]) == _masked(reports[name, "oci-archive"]["findings"])


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
    code = ("import importlib.metadata as m, json; "
            "print(json.loads(m.distribution('acme-service').read_text('direct_url.json') or '{}')"
            ".get('dir_info', {}).get('editable', False))")
    oracle = run_in_image(built_images[name]["image"], ["python3", "-c", code])
    assert oracle.returncode == 0, oracle.stderr
    py002 = [f for f in reports[name, "docker-archive"]["findings"] if f["rule"] == "PY002"]
    assert bool(py002) == (oracle.stdout.strip() == "True"), (name, py002)


@pytest.mark.buildah
def test_no_version_mismatch_in_the_fixture_images(reports):
    assert not [f for r in reports.values() for f in r["findings"] if f["rule"] == "PY005"]


SYS_PATH = "import json, sys; print(json.dumps(sys.path))"


def _real_sys_path(image: str, python: str, cwd: str) -> list[str]:
    proc = run_in_image(image, [python, "-c", SYS_PATH])
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
