"""``docker://`` images over the OCI distribution API, against an in-process registry that misbehaves on demand.

The real docker-registry (TLS, htpasswd, a tampered blob) runs in
``test_image_sources_real.py``; this one injects 429/503 answers, broken
connections, a token service, redirects to blob storage elsewhere, odd media
types and wrong digests, and records every request to check what was sent where.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import image_synth
from fake_sources import FakeRegistry, Registry, load_layout
from image_synth import ImageSpec, Layer, oci, oci_multi, write_shape
from imagepolicy.image import open_image
from imagepolicy.image import registry as registry_mod
from imagepolicy.image.auth import ExplicitLogin
from imagepolicy.image.sources import SourceOptions, open_target
from imagepolicy.model import InputError
from test_image_archives import fs_view, sample

PASSWORD = "s3cr3t-Pa55w0rd-planted"
READ = ["/etc/passwd", "/usr/local/bin/tool-hardlink", "/opt/data/new.txt", "/app/main.py", "/lib/libc.so.6"]


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(registry_mod, "RETRY_DELAYS", (0.01, 0.02, 0.03, 0.04))


@pytest.fixture
def home(tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def registry():
    with FakeRegistry() as fake:
        load_layout(fake.state, oci(sample()))
        yield fake


def opts(fake: FakeRegistry, home: Path, login: ExplicitLogin | None = None, **env: str) -> SourceOptions:
    return SourceOptions(login=login, insecure_registries=frozenset({fake.host}),
                         env={"HOME": str(home), "PATH": os.environ.get("PATH", ""), **env})


def ref(fake: FakeRegistry, tail: str = "team/app:1") -> str:
    return f"docker://{fake.host}/{tail}"


def test_registry_image_is_the_same_image_as_its_oci_archive(registry, home, tmp_path):
    image = open_target(ref(registry), options=opts(registry, home))
    archive = open_image(write_shape("oci-archive", sample(), str(tmp_path)))
    assert fs_view(image) == fs_view(archive)
    assert image.format == "registry" and image.repo_tags == ["1"]
    assert [l.diff_id for l in image.layers] == [l.diff_id for l in archive.layers]
    assert image.read_many(READ) == archive.read_many(READ)
    assert image.read_entries(archive.deleted["/root/.ssh/id_rsa"]) == archive.read_entries(archive.deleted["/root/.ssh/id_rsa"])


def test_file_reads_fetch_ranges_not_whole_layers(home, tmp_path):
    big = os.urandom(3 << 20)  # incompressible: the gzip layer is about as big
    spec = ImageSpec(layers=[Layer({"/opt/blob.bin": big, "/etc/passwd": b"root:x:0:0::/root:/bin/sh\n"}, compression="none")])
    with FakeRegistry() as fake:
        load_layout(fake.state, oci(spec))
        image = open_target(ref(fake), options=opts(fake, home))
        fake.state.seen.clear()
        assert image.read("/etc/passwd") == b"root:x:0:0::/root:/bin/sh\n"
        ranges = [s.headers.get("Range") for s in fake.state.seen if "/blobs/" in s.path]
        assert len(ranges) == 1 and ranges[0] and int(ranges[0].split("=")[1].rstrip("-")) > len(big)


def test_digest_reference_and_a_platform_from_an_index(home):
    amd = ImageSpec(layers=[Layer({"/arch": b"amd64"})])
    arm = ImageSpec(layers=[Layer({"/arch": b"arm64"})], architecture="arm64", variant="v8")
    with FakeRegistry() as fake:
        top = load_layout(fake.state, oci_multi([amd, arm]))
        assert open_target(ref(fake), options=opts(fake, home)).read("/arch") == b"amd64"
        image = open_target(ref(fake, f"team/app@{top}"), platform="linux/arm64", options=opts(fake, home))
        assert image.read("/arch") == b"arm64" and image.platform == "linux/arm64/v8"
        with pytest.raises(InputError, match="no image manifest for platform linux/s390x; available: linux/amd64, linux/arm64/v8"):
            open_target(ref(fake), platform="linux/s390x", options=opts(fake, home))


# --- authentication -----------------------------------------------------------------------------------


def write_docker_config(home: Path, config: dict) -> None:
    folder = home / ".docker"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))


def auth_entry(user: str, password: str) -> dict:
    return {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_auth_from_docker_config(registry, home):
    registry.state.auth, registry.state.users = "basic", {"ci": PASSWORD}
    with pytest.raises(InputError) as err:
        open_target(ref(registry), options=opts(registry, home))
    assert "refused anonymous access (HTTP 401)" in str(err.value) and "docker login" in str(err.value)
    write_docker_config(home, {"auths": {f"https://{registry.host}/v1/": auth_entry("ci", "wrong-password-x")}})
    with pytest.raises(InputError) as err:
        open_target(ref(registry), options=opts(registry, home))
    assert "refused the credentials from ~/.docker/config.json auths (HTTP 401)" in str(err.value)
    assert "wrong-password-x" not in str(err.value)
    write_docker_config(home, {"auths": {registry.host: auth_entry("ci", PASSWORD)}})
    assert open_target(ref(registry), options=opts(registry, home)).read("/app/main.py") == b"print('hi')\n"


def test_403_names_the_credentials_that_may_not_pull(registry, home):
    registry.state.auth, registry.state.users, registry.state.pull_allowed = "basic", {"ci": PASSWORD, "other": "x" * 8}, {"other"}
    write_docker_config(home, {"auths": {registry.host: auth_entry("ci", PASSWORD)}})
    with pytest.raises(InputError, match=r"credentials from ~/.docker/config.json auths may not pull team/app \(HTTP 403\)"):
        open_target(ref(registry), options=opts(registry, home))


def test_bearer_token_with_explicit_login_never_goes_to_another_registry(registry, home):
    registry.state.auth, registry.state.users = "bearer", {"gitlab-ci-token": PASSWORD}
    login = ExplicitLogin("gitlab-ci-token", PASSWORD, "CI_REGISTRY_PASSWORD", registry.host)
    image = open_target(ref(registry), options=opts(registry, home, login))
    assert image.read("/opt/data/new.txt") == b"fresh"
    token_requests = [s for s in registry.state.seen if s.path.startswith("/token")]
    assert token_requests and "scope=repository%3Ateam%2Fapp%3Apull" in token_requests[0].path
    assert token_requests[0].headers["Authorization"] == "Basic " + base64.b64encode(f"gitlab-ci-token:{PASSWORD}".encode()).decode()
    pulls = [s for s in registry.state.seen if s.path.startswith("/v2/team")]
    assert "Authorization" not in pulls[0].headers, "the first request learns the challenge"
    assert all(s.headers.get("Authorization") == f"Bearer {registry.state.token}" for s in pulls[1:])
    with FakeRegistry() as other:  # the same login, another registry: nothing is sent there
        load_layout(other.state, oci(sample()))
        other.state.auth, other.state.users = "bearer", {"gitlab-ci-token": PASSWORD}
        with pytest.raises(InputError, match="refused anonymous access"):
            open_target(ref(other), options=SourceOptions(login=login, insecure_registries=frozenset({other.host}), env={"HOME": str(home)}))
        assert not any("Authorization" in s.headers for s in other.state.seen if not s.path.startswith("/token"))
        assert not any(s.headers.get("Authorization", "").startswith("Basic") for s in other.state.seen)


def test_anonymous_bearer_token_for_a_public_image(registry, home):
    registry.state.auth = "bearer"
    assert open_target(ref(registry), options=opts(registry, home)).read("/etc/passwd").startswith(b"root:")
    assert not any("Authorization" in s.headers for s in registry.state.seen if s.path.startswith("/token"))


def test_identity_token_is_exchanged_with_a_post(registry, home):
    registry.state.auth, registry.state.users = "bearer", {"refresh": "rfr-token-0123456789"}
    write_docker_config(home, {"auths": {registry.host: {"identitytoken": "rfr-token-0123456789"}}})
    assert open_target(ref(registry), options=opts(registry, home)).read("/app/main.py") == b"print('hi')\n"
    posts = [s for s in registry.state.seen if s.method == "POST"]
    assert len(posts) == 1 and posts[0].path == "/token"


def fake_helper(folder: Path, name: str, secret: str, user: str = "helper-user") -> Path:
    folder.mkdir(exist_ok=True)
    script = folder / f"docker-credential-{name}"
    script.write_text(
        "#!/bin/sh\nread server\n"
        f"case \"$server\" in *127.0.0.1*) printf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{secret}\"}}' \"$server\";;\n"
        "*) echo 'credentials not found in native keychain'; exit 1;; esac\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.mark.parametrize("key", ["credHelpers", "credsStore"])
def test_credential_helpers_are_asked(registry, home, tmp_path, key):
    registry.state.auth, registry.state.users = "basic", {"helper-user": PASSWORD}
    bin_dir = fake_helper(tmp_path / "bin", "fake", PASSWORD)
    write_docker_config(home, {"credHelpers": {registry.host: "fake"}} if key == "credHelpers" else {"credsStore": "fake"})
    options = SourceOptions(insecure_registries=frozenset({registry.host}), env={"HOME": str(home), "PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert open_target(ref(registry), options=options).read("/app/main.py") == b"print('hi')\n"


def test_a_missing_credential_helper_is_named(registry, home):
    write_docker_config(home, {"credHelpers": {registry.host: "nosuchhelper"}})
    registry.state.auth = "basic"
    with pytest.raises(InputError, match=r"credHelpers: the credential helper docker-credential-nosuchhelper is not installed"):
        open_target(ref(registry), options=opts(registry, home))


def test_registry_auth_file_wins_and_matches_repository_scoped_keys(registry, home, tmp_path):
    registry.state.auth, registry.state.users = "basic", {"podman": PASSWORD}
    write_docker_config(home, {"auths": {registry.host: auth_entry("docker", "not-this-one")}})
    auth_file = tmp_path / "auth.json"
    auth_file.write_text(json.dumps({"auths": {registry.host: auth_entry("nobody", "nope-nope"),
                                               f"{registry.host}/team": auth_entry("podman", PASSWORD)}}))
    image = open_target(ref(registry), options=opts(registry, home, REGISTRY_AUTH_FILE=str(auth_file)))
    assert image.read("/etc/passwd").startswith(b"root:")


# --- failures: retried, or reported -------------------------------------------------------------------


def test_429_and_503_are_retried_with_backoff(registry, home):
    registry.state.fail, registry.state.retry_after = [429, 503, 502], "0"
    image = open_target(ref(registry), options=opts(registry, home))
    assert image.read("/app/main.py") == b"print('hi')\n"
    assert registry.state.fail == []


def test_a_registry_that_keeps_failing_is_an_input_error(registry, home):
    registry.state.fail = [503] * 10
    with pytest.raises(InputError, match=r"answered HTTP 503 for tag 1 of team/app: UNAVAILABLE: try later"):
        open_target(ref(registry), options=opts(registry, home))
    assert len(registry.state.fail) == 5, "five attempts, then the error"


def test_a_connection_broken_in_a_layer_resumes_with_a_range_request(home):
    spec = ImageSpec(layers=[Layer({"/opt/blob.bin": os.urandom(1 << 20), "/etc/passwd": b"root\n"}, compression="gzip")])
    with FakeRegistry() as fake:
        load_layout(fake.state, oci(spec))
        fake.state.cut_blob_at = 300_000
        image = open_target(ref(fake), options=opts(fake, home))
        assert image.read("/etc/passwd") == b"root\n"
        assert any(s.headers.get("Range") == "bytes=300000-" for s in fake.state.seen)


def test_a_registry_without_range_requests_still_serves_file_reads(registry, home, tmp_path):
    registry.state.ranges = False
    image = open_target(ref(registry), options=opts(registry, home))
    assert image.read_many(READ) == open_image(write_shape("oci-archive", sample(), str(tmp_path))).read_many(READ)


def test_blob_redirects_to_storage_elsewhere_carry_no_credentials(registry, home):
    with FakeRegistry(Registry(blobs=registry.state.blobs)) as storage:
        registry.state.auth, registry.state.users = "basic", {"ci": PASSWORD}
        registry.state.redirect_blobs = lambda digest: f"http://{storage.host}/storage/{digest}?X-Signature=abc"
        write_docker_config(home, {"auths": {registry.host: auth_entry("ci", PASSWORD)}})
        options = SourceOptions(insecure_registries=frozenset({registry.host, storage.host}), env={"HOME": str(home)})
        assert open_target(ref(registry), options=options).read("/app/main.py") == b"print('hi')\n"
        assert storage.state.seen and not any("Authorization" in s.headers for s in storage.state.seen)


@pytest.mark.parametrize("media_type, says", [
    ("application/vnd.docker.distribution.manifest.v1+prettyjws", "Docker schema 1 manifest"),
    ("application/vnd.example.unknown+json", "has media type application/vnd.example.unknown+json, which is not an image manifest"),
])
def test_manifest_of_an_unknown_or_retired_media_type(registry, home, media_type, says):
    registry.state.media_types[registry.state.tags["1"]] = media_type
    with pytest.raises(InputError, match=re.escape(says)):
        open_target(ref(registry), options=opts(registry, home))


def test_an_artifact_is_not_an_image(home):
    with FakeRegistry() as fake:
        members = oci(sample())
        top = load_layout(fake.state, members)
        doc = json.loads(fake.state.blobs[top])
        doc["config"]["mediaType"] = "application/vnd.cncf.helm.config.v1+json"
        body = json.dumps(doc).encode()
        digest = image_synth.sha256(body)
        fake.state.blobs[digest], fake.state.media_types[digest], fake.state.tags["1"] = body, doc["mediaType"], digest
        with pytest.raises(InputError, match="is not a container image: its config has media type application/vnd.cncf.helm.config.v1"):
            open_target(ref(fake), options=opts(fake, home))


def test_manifest_digest_mismatch(registry, home):
    top = registry.state.tags["1"]
    registry.state.blobs[top] = registry.state.blobs[top].replace(b'"schemaVersion": 2', b'"schemaVersion":2')
    registry.state.send_digest_header = False  # the reader's own check: the body against the digest asked for
    with pytest.raises(InputError, match=rf"manifest 'blobs/sha256/{top[7:]}': the content does not match its digest {top}"):
        open_target(ref(registry, f"team/app@{top}"), options=opts(registry, home))
    registry.state.send_digest_header = True  # by tag: the digest the registry says it served
    with pytest.raises(InputError, match="digest mismatch: the registry's Docker-Content-Digest is"):
        open_target(ref(registry), options=opts(registry, home))


def test_config_blob_digest_mismatch(registry, home):
    manifest = json.loads(registry.state.blobs[registry.state.tags["1"]])
    config = manifest["config"]["digest"]
    registry.state.blobs[config] = registry.state.blobs[config].replace(b'"amd64"', b'"arm64"')
    with pytest.raises(InputError, match=rf"image config 'blobs/sha256/{config[7:]}': the content does not match its digest {config}"):
        open_target(ref(registry), options=opts(registry, home))


def test_unknown_tag_and_repository(registry, home):
    with pytest.raises(InputError, match=r"tag 2 of team/app not found in the registry at http://127.0.0.1:\d+ \(HTTP 404, MANIFEST_UNKNOWN: manifest unknown\)"):
        open_target(ref(registry, "team/app:2"), options=opts(registry, home))
    with pytest.raises(InputError, match="NAME_UNKNOWN"):
        open_target(ref(registry, "team/nope:1"), options=opts(registry, home))


def test_unreachable_registry_fails_at_once(home):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    options = SourceOptions(insecure_registries=frozenset({f"127.0.0.1:{port}"}), env={"HOME": str(home)})
    with pytest.raises(InputError, match=rf"cannot reach the registry at http://127.0.0.1:{port}: Connection refused"):
        open_target(f"docker://127.0.0.1:{port}/team/app:1", options=options)


def test_plain_http_registry_without_insecure_flag_gets_a_hint(registry, home):
    with pytest.raises(InputError, match="the registry speaks plain HTTP: if it is a test registry, allow it with --insecure-registry"):
        open_target(ref(registry), options=SourceOptions(env={"HOME": str(home)}))


# --- the CLI: credentials from the environment never reach any output -------------------------------------


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--no-config", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_planted_secrets_never_appear_in_output_reports_or_errors(registry, home, tmp_path):
    token = registry.state.token
    registry.state.auth, registry.state.users = "bearer", {"robot": PASSWORD}
    env = {**os.environ, "HOME": str(home), "PLANTED_PASSWORD": PASSWORD, "DOCKER_HOST": "unix:///nonexistent.sock"}
    reports = tmp_path / "reports"
    common = ["--insecure-registry", registry.host, "--registry-username", "robot", "--registry-password-env", "PLANTED_PASSWORD",
              "--junit", str(reports / "j.xml"), "--json", str(reports / "r.json"), "--sarif", str(reports / "r.sarif"),
              "--codeclimate", str(reports / "cq.json"), "--github-summary", str(reports / "s.md")]
    good = run_cli([*common, "--image", ref(registry), "--format", "github"], env, tmp_path)
    assert good.returncode in (0, 1), good.stderr
    outputs = [good.stdout, good.stderr] + [p.read_text() for p in reports.iterdir()]
    registry.state.users = {"robot": "rotated-password"}  # now the planted password is refused
    bad = run_cli([*common, "--image", ref(registry), "--image", ref(registry, "team/app:2"), "--debug"], env, tmp_path)
    assert bad.returncode == 2 and "refused the credentials from --registry-username with $PLANTED_PASSWORD" in bad.stdout
    outputs += [bad.stdout, bad.stderr] + [p.read_text() for p in reports.iterdir()]
    basic = base64.b64encode(f"robot:{PASSWORD}".encode()).decode()
    for text in outputs:
        for secret in (PASSWORD, token, basic):
            assert secret not in text


def test_explicit_login_needs_one_registry_and_its_password_variable(registry, home, tmp_path):
    env = {**os.environ, "HOME": str(home)}
    env.pop("IMAGEPOLICY_REGISTRY_PASSWORD", None)
    two = run_cli(["--registry-username", "u", "--image", ref(registry), "--image", "docker://ghcr.io/acme/app:1"], {**env, "IMAGEPOLICY_REGISTRY_PASSWORD": "pw-pw-pw"}, tmp_path)
    assert two.returncode == 2 and "the images name 2 registries" in two.stderr and "--registry-host" in two.stderr
    unset = run_cli(["--registry-username", "u", "--image", ref(registry)], env, tmp_path)
    assert unset.returncode == 2 and "$IMAGEPOLICY_REGISTRY_PASSWORD is unset or empty" in unset.stderr


def test_a_credential_helper_inside_the_checked_tree_is_never_run(registry, home, tmp_path):
    """A pull request could plant docker-credential-NAME in a folder on PATH: it is refused, not run."""
    from imagepolicy import tree

    checkout = tmp_path / "checkout"
    marker = tmp_path / "ran"
    bin_dir = checkout / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    helper = bin_dir / "docker-credential-desktop"
    helper.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{\"Username\":\"u\",\"Secret\":\"s\"}}'\n")
    helper.chmod(0o755)
    write_docker_config(home, {"credsStore": "desktop"})
    registry.state.auth = "basic"
    options = SourceOptions(insecure_registries=frozenset({registry.host}), env={"HOME": str(home), "PATH": f"{bin_dir}:/usr/bin:/bin"})
    with tree.use(checkout):
        with pytest.raises(InputError, match="docker-credential-desktop found on PATH is .*, inside the checked tree"):
            open_target(ref(registry), options=options)
    assert not marker.exists()


def test_layer_blob_digest_mismatch(registry, home):
    """A layer whose bytes are not the ones its digest names: the reader's check, in the one pass that streams it."""
    manifest = json.loads(registry.state.blobs[registry.state.tags["1"]])
    layer = manifest["layers"][0]["digest"]
    data = bytearray(registry.state.blobs[layer])
    data[4:8] = b"\x01\x02\x03\x04"  # gzip mtime: the same tar inflates, the blob's digest differs
    registry.state.blobs[layer] = bytes(data)
    with pytest.raises(InputError, match=rf"layer 0 .*does not match its digest {layer}"):
        open_target(ref(registry), options=opts(registry, home))


def test_the_next_build_under_a_new_tag_keeps_fingerprints_and_the_baseline(registry, home, tmp_path):
    # CI pushes each build under its commit (docker://$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA, as docs/ci.md shows):
    # image findings took the tag into their fingerprint, so every run's were new to the baseline and to
    # code scanning's and GitLab's Code Quality comparisons.
    registry.state.tags["c0ffee2"] = registry.state.tags["1"]
    env = {**os.environ, "HOME": str(home), "DOCKER_HOST": "unix:///nonexistent.sock"}
    common = ["--no-config", "--insecure-registry", registry.host]
    recorded = subprocess.run([sys.executable, "-m", "imagepolicy", "baseline", "--output", str(tmp_path / "base.json"),
                               "--image", ref(registry), *common], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=120)
    assert recorded.returncode == 0, recorded.stderr
    entries = {e["fingerprint"] for e in json.loads((tmp_path / "base.json").read_text())["findings"]}
    assert entries, "the sample image has findings"
    checked = run_cli([*common, "--image", ref(registry, "team/app:c0ffee2"), "--baseline", "base.json", "--format", "json",
                       "--sarif", "s.sarif"], env, tmp_path)
    report = json.loads(checked.stdout)
    assert checked.returncode == 0 and report["findings"] == [] and report["suppressed"]["baseline"] == len(entries)
    results = json.loads((tmp_path / "s.sarif").read_text())["runs"][0]["results"]
    assert {r["partialFingerprints"]["imagepolicy/v1"] for r in results} == entries
    assert {r["baselineState"] for r in results} == {"unchanged"}
