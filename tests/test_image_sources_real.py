"""The seed scenario end to end against a real Docker Engine and a real registry.

``docker build`` (classic builder, and BuildKit) builds the bundled example's
broken and fixed Dockerfiles in a private dockerd; the images are pushed with
skopeo to docker-registry (TLS from a test CA, htpasswd auth). imagepolicy then
checks each image three ways, ``docker-daemon:``, ``docker://`` and the
``docker save`` archive, and must give the same findings on the same
Dockerfile lines. Failures a real engine and registry give (an unknown image or
tag, refused credentials, a blob changed on the registry's disk) are input
errors that leave the other targets checked. See ``tests/dockerengine.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import image_synth
from dockerengine import Engine, TestRegistry

pytestmark = [pytest.mark.buildah, pytest.mark.docker]

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "service"


def run_check(args: list[str], env: dict[str, str], cwd: Path, out: Path) -> tuple[int, dict, str]:
    """``imagepolicy check ... --format json --output OUT``: (exit code, report, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--no-config", *args, "--format", "json", "--output", str(out)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    report = json.loads(out.read_text()) if out.exists() else {}
    return proc.returncode, report, proc.stderr


def comparable(report: dict) -> list[tuple]:
    """Findings without the target name (each source names the image its own way)."""
    keys = ("rule", "severity", "line", "end_line", "path_in_image", "message", "fix")
    return sorted((tuple(f[k] for k in keys) for f in report["findings"]), key=json.dumps)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def env(docker_engine: Engine, test_registry: TestRegistry, home: Path) -> dict[str, str]:
    """The CI job's environment: DOCKER_HOST, the registry's CA, its password in a variable; no docker config."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "REGISTRY_AUTH"))}
    return {**base, "HOME": str(home), "DOCKER_HOST": docker_engine.host, "SSL_CERT_FILE": str(test_registry.ca_file),
            "CI_REGISTRY_PASSWORD": test_registry.password}


def login(registry: TestRegistry) -> list[str]:
    return ["--registry-username", registry.user, "--registry-password-env", "CI_REGISTRY_PASSWORD"]


@pytest.fixture(scope="module")
def seed(docker_engine: Engine, test_registry: TestRegistry, tmp_path_factory) -> dict[str, dict[str, str]]:
    """The example's broken and fixed images: built, saved and pushed once per session."""
    out = tmp_path_factory.mktemp("seed")
    images: dict[str, dict[str, str]] = {}
    for name, dockerfile in (("broken", "Dockerfile.broken"), ("fixed", "Dockerfile")):
        tag = f"imagepolicy-test/seed-{name}:ci"
        docker_engine.build(EXAMPLE, EXAMPLE / dockerfile, tag)
        images[name] = {
            "dockerfile": str(EXAMPLE / dockerfile),
            "daemon": f"docker-daemon:{tag}",
            "archive": str(docker_engine.save(tag, out / f"{name}.tar")),
            "registry": "docker://" + test_registry.push(docker_engine, tag, f"seed/{name}:ci"),
        }
    return images


@pytest.mark.parametrize("name", ["broken", "fixed"])
def test_daemon_and_registry_give_the_archive_findings_on_the_same_dockerfile_lines(name, seed, env, test_registry, tmp_path):
    image = seed[name]
    reports = {}
    for source in ("archive", "daemon", "registry"):
        code, report, stderr = run_check([image["dockerfile"], "--image", image[source], *login(test_registry)], env, REPO, tmp_path / f"{source}.json")
        assert report.get("errors") == [], stderr
        image_findings = [f for f in report["findings"] if f["path_in_image"] or f["rule"].startswith("IM")]
        assert image_findings, f"{source}: no image findings at all"
        reports[source] = (code, comparable(report))
    assert reports["daemon"] == reports["archive"]
    assert reports["registry"] == reports["archive"]
    findings = reports["archive"][1]
    py_image_errors = [f for f in findings if f[0] in ("PY003", "PY004") and f[1] == "error"]
    if name == "broken":
        # The seed: installed before its source existed, so the module cannot be imported.
        run_line = next(i for i, text in enumerate(Path(image["dockerfile"]).read_text().splitlines(), 1) if "pip install" in text and "-e" in text)
        assert any(f[0] == "PY003" and f[2] is not None and f[2] <= run_line <= (f[3] or f[2]) for f in py_image_errors), findings
        assert reports["archive"][0] == 1
    else:
        assert py_image_errors == []


def test_buildkit_images_map_to_the_same_lines_as_classic_ones(docker_engine: Engine, seed, env, tmp_path):
    tag = "imagepolicy-test/seed-broken:buildkit"
    docker_engine.build(EXAMPLE, EXAMPLE / "Dockerfile.broken", tag, buildkit=True)
    history = docker_engine.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", tag).stdout.decode()
    assert "# buildkit" in history and "#(nop)" not in history
    classic_history = docker_engine.docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", seed["broken"]["daemon"].split(":", 1)[1]).stdout.decode()
    assert "#(nop)" in classic_history
    lines = {}
    for label, ref in (("classic", seed["broken"]["daemon"]), ("buildkit", f"docker-daemon:{tag}")):
        _, report, stderr = run_check([seed["broken"]["dockerfile"], "--image", ref], env, REPO, tmp_path / f"{label}.json")
        assert report["errors"] == [], stderr
        lines[label] = sorted((f["rule"], f["path_in_image"], f["line"]) for f in report["findings"] if f["path_in_image"])
    assert lines["buildkit"] == lines["classic"]
    assert any(line is not None for _, _, line in lines["classic"])


def test_unknown_image_tag_and_refused_credentials_are_input_errors_and_the_rest_is_checked(seed, env, test_registry, tmp_path):
    registry_ref = seed["broken"]["registry"]
    missing_tag = registry_ref.rsplit(":", 1)[0] + ":no-such-tag"
    code, report, _ = run_check([seed["broken"]["dockerfile"], "--image", "docker-daemon:imagepolicy-test/nope:1",
                                 "--image", missing_tag, "--image", seed["broken"]["archive"], *login(test_registry)],
                                env, REPO, tmp_path / "missing.json")
    assert code == 2
    errors = {e["target"]: e["message"] for e in report["errors"]}
    assert "has no image imagepolicy-test/nope:1" in errors["docker-daemon:imagepolicy-test/nope:1"]
    assert "tag no-such-tag of seed/broken not found" in errors[missing_tag] and "MANIFEST_UNKNOWN" in errors[missing_tag]
    assert any(f["rule"] == "PY003" for f in report["findings"]), "the archive is still checked"

    anonymous_code, anonymous, _ = run_check(["--image", registry_ref], env, REPO, tmp_path / "anon.json")
    assert anonymous_code == 2 and "refused anonymous access (HTTP 401)" in anonymous["errors"][0]["message"]

    wrong = {**env, "CI_REGISTRY_PASSWORD": "planted-wrong-password-0xC0FFEE"}
    code, report, stderr = run_check(["--image", registry_ref, *login(test_registry)], wrong, REPO, tmp_path / "wrong.json")
    assert code == 2 and "refused the credentials from --registry-username with $CI_REGISTRY_PASSWORD" in report["errors"][0]["message"]
    for text in ((tmp_path / "wrong.json").read_text(), stderr):
        assert "planted-wrong-password-0xC0FFEE" not in text and test_registry.password not in text


def test_credentials_from_a_docker_config_file(seed, env, test_registry, tmp_path):
    import base64

    home = tmp_path / "home"
    (home / ".docker").mkdir(parents=True)
    auth = base64.b64encode(f"{test_registry.user}:{test_registry.password}".encode()).decode()
    (home / ".docker" / "config.json").write_text(json.dumps({"auths": {f"https://{test_registry.host}": {"auth": auth}}}))
    code, report, stderr = run_check(["--image", seed["fixed"]["registry"]], {**env, "HOME": str(home)}, REPO, tmp_path / "r.json")
    assert report["errors"] == [], stderr


def test_a_multi_platform_image_in_the_registry_is_picked_by_platform(docker_engine, test_registry, env, tmp_path):
    amd = image_synth.ImageSpec(layers=[image_synth.Layer({"/etc/arch": b"amd64\n"})], runtime={"User": "1000"})
    arm = image_synth.ImageSpec(layers=[image_synth.Layer({"/etc/arch": b"arm64\n"})], runtime={}, architecture="arm64", variant="v8")
    layout = image_synth.emit(image_synth.oci_multi([amd, arm], "gzip"), str(tmp_path / "layout"), as_dir=True)
    ref = test_registry.push(docker_engine, "", "synthetic/multi:1", all_platforms=True, source=f"oci:{layout}")
    runs = {}
    for platform in ("linux/amd64", "linux/arm64"):
        code, report, stderr = run_check(["--image", f"docker://{ref}", "--platform", platform, *login(test_registry)], env, REPO,
                                         tmp_path / f"{platform.replace('/', '-')}.json")
        assert report["errors"] == [], stderr
        runs[platform] = {f["rule"] for f in report["findings"]}
    assert "IM001" in runs["linux/arm64"] and "IM001" not in runs["linux/amd64"], runs  # only the arm64 image runs as root


def test_a_blob_changed_on_the_registry_disk_is_a_digest_mismatch(docker_engine, test_registry, env, tmp_path):
    spec = image_synth.ImageSpec(layers=[image_synth.Layer({"/app/data.txt": b"the original bytes\n" * 64})], runtime={"User": "1000"})
    layout = image_synth.emit(image_synth.oci(spec, "gzip"), str(tmp_path / "layout"), as_dir=True)
    ref = test_registry.push(docker_engine, "", "synthetic/tampered:1", source=f"oci:{layout}:latest")
    code, report, stderr = run_check(["--image", f"docker://{ref}", *login(test_registry)], env, REPO, tmp_path / "before.json")
    assert report["errors"] == [], stderr
    index = json.loads((Path(layout) / "index.json").read_text())
    manifest = json.loads((Path(layout) / "blobs" / "sha256" / index["manifests"][0]["digest"].split(":")[1]).read_bytes())
    blob = test_registry.blob_file(manifest["layers"][0]["digest"])
    data = bytearray(blob.read_bytes())
    data[4:8] = b"\x01\x02\x03\x04"  # the gzip header's mtime: still a valid gzip of the same tar, other bytes
    blob.write_bytes(bytes(data))
    code, report, stderr = run_check(["--image", f"docker://{ref}", *login(test_registry)], env, REPO, tmp_path / "after.json")
    assert code == 2, stderr
    message = report["errors"][0]["message"]
    assert manifest["layers"][0]["digest"] in message and "does not match" in message, message


def test_podman_api_is_the_same_transport(podman_service, built_images, tmp_path):
    """Podman's Docker-compatible service serves the buildah-built fixture: same findings as its archive."""
    fixture = built_images["service-broken"]
    dockerfile = str(Path(fixture["context"]) / "Dockerfile")
    env = {**os.environ, "HOME": str(tmp_path), "DOCKER_HOST": podman_service.host}
    found = {}
    for source, ref in (("archive", str(fixture["docker-archive"])), ("podman", f"docker-daemon:{fixture['image']}")):
        code, report, stderr = run_check([dockerfile, "--image", ref], env, REPO, tmp_path / f"{source}.json")
        assert report["errors"] == [], stderr
        found[source] = comparable(report)
    assert found["podman"] == found["archive"]
    assert any(f[0] == "PY003" and f[2] is not None for f in found["podman"]), "the seed is caught through Podman too"


def test_a_daemon_over_tcp_with_tls_and_client_certificates(docker_engine: Engine, seed, env, tmp_path):
    """DOCKER_HOST=tcp://..., DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as the docker CLI reads them."""
    if not docker_engine.tcp_host:
        pytest.skip("openssl not installed: the daemon has no TLS port")
    tls = {**env, "DOCKER_HOST": docker_engine.tcp_host, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(docker_engine.client_cert_path)}
    code, report, stderr = run_check([seed["broken"]["dockerfile"], "--image", seed["broken"]["daemon"]], tls, REPO, tmp_path / "tls.json")
    assert report["errors"] == [], stderr
    _, archive, _ = run_check([seed["broken"]["dockerfile"], "--image", seed["broken"]["archive"]], env, REPO, tmp_path / "archive.json")
    assert comparable(report) == comparable(archive)
    no_client = tmp_path / "ca-only"
    no_client.mkdir()
    (no_client / "ca.pem").write_bytes((docker_engine.client_cert_path / "ca.pem").read_bytes())
    code, report, _ = run_check(["--image", seed["broken"]["daemon"]], {**tls, "DOCKER_CERT_PATH": str(no_client)}, REPO, tmp_path / "refused.json")
    message = report["errors"][0]["message"]
    assert code == 2 and f"cannot reach the Docker daemon at https://127.0.0.1:{docker_engine.tcp_host.rsplit(':', 1)[1]}: TLS failed" in message
    assert "check DOCKER_CERT_PATH" in message
