"""Image references through the CI integrations: the GitHub Action and the GitLab template.

The action runs on the simulated runner of ``test_action_harness.py``, the
GitLab job script under ``sh`` as in ``test_ci_integrations.py``; the images
come from the in-process Engine API and an HTTPS registry (a test CA made with
openssl) of ``fake_sources.py``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from fake_sources import FakeDaemon, FakeRegistry, load_layout
from image_synth import oci, write_shape
from test_action_harness import Runner
from test_ci_integrations import run_gitlab_job
from test_image_archives import sample

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "service"
PASSWORD = "glpat-planted-0123456789abcdef"


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory) -> tuple[Path, Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    from dockerengine import _make_ca

    return _make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture
def registry(test_ca):
    ca, crt, key = test_ca
    with FakeRegistry(tls=(str(crt), str(key))) as fake:
        load_layout(fake.state, oci(sample()))
        fake.state.auth, fake.state.users = "basic", {"ci-user": PASSWORD}
        yield fake


class CIRunner(Runner):
    """The simulated runner, with the job's own environment on top (DOCKER_HOST, SSL_CERT_FILE)."""

    extra: dict[str, str] = {}

    def runner_env(self) -> dict[str, str]:
        return {**super().runner_env(), **self.extra}


def run_action(tmp_path: Path, workspace: Path, extra: dict[str, str], **inputs: str):
    runner = CIRunner(tmp_path, workspace, {key.replace("_", "-"): value for key, value in inputs.items()})
    runner.extra = extra
    return runner.run()


def test_action_checks_an_image_in_the_runners_docker_engine(tmp_path, workspace):
    archive = write_shape("docker-legacy", sample(), str(tmp_path))
    folder = tempfile.mkdtemp(prefix="ipd-")
    with FakeDaemon(os.path.join(folder, "docker.sock")) as daemon:
        daemon.add("app:ci", archive)
        result = run_action(tmp_path, workspace, {"DOCKER_HOST": f"unix://{daemon.socket_path}"},
                            dockerfiles="", image="docker-daemon:app:ci", failure_threshold="none")
    os.rmdir(folder)
    assert result.failed_step is None, result.stderr
    report = json.loads(Path(result.outputs["json"]).read_text())
    assert report["errors"] == [] and {f["file"] for f in report["findings"]} == {"docker-daemon:app:ci"}
    direct = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--image", archive, "--format", "json"],
                            capture_output=True, text=True, cwd=workspace, timeout=120)
    expected = json.loads(direct.stdout)["findings"]
    assert expected and [(f["rule"], f["message"]) for f in report["findings"]] == [(f["rule"], f["message"]) for f in expected]


def test_action_reads_a_pushed_image_with_the_registry_inputs_and_shows_no_secret(tmp_path, workspace, registry, test_ca):
    extra = {"SSL_CERT_FILE": str(test_ca[0])}
    image = f"docker://{registry.host}/team/app:1"
    denied = run_action(tmp_path / "a", workspace, extra, dockerfiles="", image=image)
    assert denied.failed_step == "Run imagepolicy" and denied.exit_status == 2
    assert "refused anonymous access" in denied.stdout
    result = run_action(tmp_path / "b", workspace, extra, dockerfiles="", image=image, failure_threshold="none",
                        registry_username="ci-user", registry_password=PASSWORD)
    assert result.failed_step is None, result.stdout + result.stderr
    report = json.loads(Path(result.outputs["json"]).read_text())
    assert report["errors"] == [] and report["findings"]
    texts = [result.stdout, result.stderr, result.summary] + [Path(result.outputs[k]).read_text() for k in ("json", "junit", "sarif")]
    basic = base64.b64encode(f"ci-user:{PASSWORD}".encode()).decode()
    assert not [t for t in texts if PASSWORD in t or basic in t]


def _gitlab_env(registry: FakeRegistry, test_ca, **extra: str) -> dict[str, str]:
    return {"CI_REGISTRY": registry.host, "CI_REGISTRY_IMAGE": f"{registry.host}/team/app", "CI_REGISTRY_USER": "ci-user",
            "CI_REGISTRY_PASSWORD": PASSWORD, "CI_COMMIT_SHA": "1", "SSL_CERT_FILE": str(test_ca[0]), **extra}


def _expand(value: str, env: dict[str, str]) -> str:
    """GitLab expands variables inside the values of ``variables:``."""
    return re.sub(r"\$\{?([A-Z_][A-Z0-9_]*)\}?", lambda m: env.get(m[1], m[0]), value)


def test_gitlab_job_reads_the_pushed_image_with_the_jobs_registry_credentials(tmp_path, workspace, registry, test_ca):
    ci = _gitlab_env(registry, test_ca)
    image = _expand("docker://$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA", ci)
    proc, job = run_gitlab_job(tmp_path, workspace, {"dockerfiles": "Dockerfile", "image": image, "failure-threshold": "none"}, **ci)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((workspace / "imagepolicy-reports" / "imagepolicy.json").read_text())
    assert report["errors"] == [] and any(f["file"] == image for f in report["findings"])
    sent = {s.headers.get("Authorization") for s in registry.state.seen}
    assert "Basic " + base64.b64encode(f"ci-user:{PASSWORD}".encode()).decode() in sent
    assert PASSWORD not in proc.stdout + proc.stderr


def test_gitlab_job_never_sends_the_job_token_to_another_registry(tmp_path, workspace, registry, test_ca):
    ca, crt, key = test_ca
    with FakeRegistry(tls=(str(crt), str(key))) as other:
        load_layout(other.state, oci(sample()))
        other.state.auth, other.state.users = "basic", {"ci-user": PASSWORD}
        ci = _gitlab_env(registry, test_ca)
        proc, _ = run_gitlab_job(tmp_path, workspace, {"image": f"docker://{other.host}/team/app:1"}, **ci)
        assert proc.returncode == 2 and "refused anonymous access" in proc.stdout
        assert not any("Authorization" in s.headers for s in other.state.seen)
