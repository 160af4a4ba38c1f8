"""IM004 secret-in-layer: credential files, keys, tokens and .git folders in any layer."""

from __future__ import annotations

import pytest

from image_ruletest import GHP, PASSWD, image_findings
from image_synth import DIR, OPAQUE, WHITEOUT, File

PEM = (
    b"-----BEGIN RSA PRIVATE KEY-----\n"
    b"MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    b"VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    b"-----END RSA PRIVATE KEY-----\n"
)
BASE = {"/etc/passwd": PASSWD}
HISTORY = [{"created_by": "/bin/sh -c #(nop) ADD file:base in / "}, {"created_by": "COPY . /app # buildkit"}, {"created_by": "RUN /bin/sh -c rm -rf /app/.npmrc /app/.git # buildkit"}]


def findings(tmp_path, app_layer, later=None, config=None, shape="oci-archive"):
    layers = [BASE, app_layer] + ([later] if later is not None else [])
    history = HISTORY[: len(layers)]
    return image_findings(tmp_path, layers, "IM004", config=config, history=history, shape=shape)


def test_npmrc_token_names_file_layer_and_instruction(tmp_path):
    (finding,) = findings(tmp_path, {"/app/.npmrc": b"registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken=abcd1234efgh5678\n"})
    assert finding.severity.label == "error"
    assert finding.path_in_image == "/app/.npmrc"
    assert ".npmrc _authToken" in finding.message and "line 2" in finding.message
    assert "layer 1 sha256:" in finding.message and "(COPY . /app)" in finding.message
    assert "abcd1234efgh5678" not in finding.message
    assert finding.details["diff_id"].startswith("sha256:") and finding.details["diff_id"][:19] in finding.message


def test_a_deleted_file_still_fires_with_the_deleting_layer(tmp_path):
    (finding,) = findings(tmp_path, {"/app/.npmrc": b"//r/:_authToken=abcd1234efgh5678\n"}, later={"/app/.npmrc": WHITEOUT})
    assert finding.path_in_image == "/app/.npmrc"
    assert finding.message.startswith("a deleted version of /app/.npmrc")
    assert "layer 2 sha256:" in finding.message and "RUN rm -rf /app/.npmrc /app/.git" in finding.message
    assert finding.details["deleted"] is True


def test_files_hidden_by_an_opaque_folder_and_overwritten_versions_fire(tmp_path):
    app = {"/app/": DIR, "/app/.env": b"DB_PASSWORD=hunter2hunter2\n", "/srv/.env": b"API_TOKEN=tok_9f8e7d6c5b4a\n"}
    later = {"/app/": OPAQUE, "/app/main.py": b"print(1)\n", "/srv/.env": b"API_TOKEN=${API_TOKEN}\n"}
    found = findings(tmp_path, app, later=later)
    assert sorted(f.path_in_image for f in found) == ["/app/.env", "/srv/.env"]
    assert all(f.details["deleted"] for f in found)


@pytest.mark.parametrize(
    "path, content, kind",
    [
        ("/root/.ssh/id_rsa", PEM, "private key"),
        ("/app/certs/server.key", PEM, "private key"),
        ("/app/config/settings.yaml", b"aws:\n  key_id: AKIAQWERTYUIOPASDFGH\n", "AWS access key ID"),
        ("/app/deploy.sh", f"curl -H 'Authorization: token {GHP}' https://api.github.com\n".encode(), "GitHub personal access token"),
        ("/app/sa.json", b'{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQ..."}', "Google Cloud service account key"),
        ("/root/.docker/config.json", b'{"auths": {"ghcr.io": {"auth": "Ym90OnNlY3JldHRva2Vu"}}}', "Docker registry credential"),
        ("/root/.pypirc", b"[pypi]\nusername = __token__\npassword = s3cr3t-pass-word\n", ".pypirc password"),
        ("/root/.netrc", b"machine github.com login bot password 0123abcd4567\n", ".netrc password"),
        ("/root/.git-credentials", b"https://bot:0123abcd4567@github.com\n", "URL with a password"),
        ("/root/.aws/credentials", b"[default]\naws_secret_access_key = Zx8vQ2mN7pL4kJ9hG3fD6sA1wE5rT0yU8iO2pK4m\n", "AWS aws_secret_access_key"),
        ("/app/requirements.txt", b"--extra-index-url https://deploy:gl0bAlT0ken99@pypi.acme.dev/simple\nflask\n", "URL with a password"),
    ],
)
def test_each_kind_fires(tmp_path, path, content, kind):
    (finding,) = findings(tmp_path, {path: content})
    assert finding.path_in_image == path
    assert kind in finding.message


def test_git_folder_fires_once_even_when_deleted_later(tmp_path):
    app = {"/app/.git/HEAD": b"ref: refs/heads/main\n", "/app/.git/config": b"[core]\n", "/app/main.py": b"x=1\n"}
    (finding,) = findings(tmp_path, app, later={"/app/.git": WHITEOUT})
    assert finding.path_in_image == "/app/.git"
    assert "deleted git repository folder" in finding.message and ".dockerignore" in finding.fix


@pytest.mark.parametrize(
    "files",
    [
        {"/app/.npmrc": b"registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken=${NPM_TOKEN}\n"},
        {"/app/.env.example": b"DB_PASSWORD=hunter2hunter2\n"},
        {"/app/.env": b"DB_PASSWORD=changeme\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"},
        {"/app/docs.md": f"token {GHP}\n".encode()},  # not a scanned extension
        {"/app/config.yaml": b"aws_access_key_id: AKIAIOSFODNN7EXAMPLE\naws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"},
        {"/app/tests/fixtures/id_rsa": PEM},  # test fixture
        {"/usr/local/lib/python3.12/site-packages/tornado/test/test.key": PEM},
        {"/usr/local/lib/python3.12/site-packages/acme/conf.py": f"T = '{GHP}'\n".encode()},  # library: name-based only
        {"/etc/ssl/certs/ca.pem": b"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\n"},
        {"/app/util.py": b'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    pass\n'},
        {"/app/bin/blob.json": b"\x00\x01" + GHP.encode()},  # binary
        {"/root/.ssh/id_rsa.pub": b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ acme@host\n"},
        {"/app/.git": File(b"gitdir: ../.git/worktrees/app\n")},  # a worktree pointer file, not a repository
    ],
)
def test_near_misses_example_keys_and_fixtures_stay_silent(tmp_path, files):
    assert findings(tmp_path, files) == []


def test_allow_paths_and_patterns_options(tmp_path):
    app = {"/app/.env": b"DB_PASSWORD=hunter2hunter2\n", "/app/deploy.sh": f"T={GHP}\n".encode()}
    assert len(findings(tmp_path, app)) == 2
    assert [f.path_in_image for f in findings(tmp_path, app, config={"rules": {"IM004": {"allow-paths": ["/app/*.sh"]}}})] == ["/app/.env"]
    assert [f.path_in_image for f in findings(tmp_path, app, config={"rules": {"IM004": {"allow-patterns": ["^DB_PASSWORD="]}}})] == ["/app/deploy.sh"]


def test_default_allow_paths_can_be_cleared(tmp_path):
    app = {"/app/tests/fixtures/id_rsa": PEM}
    (finding,) = findings(tmp_path, app, config={"rules": {"IM004": {"allow-paths": []}}})
    assert finding.path_in_image == "/app/tests/fixtures/id_rsa"


def test_git_folders_option(tmp_path):
    assert findings(tmp_path, {"/app/.git/HEAD": b"ref\n"}, config={"rules": {"IM004": {"git-folders": False}}}) == []


def test_reads_are_capped_per_file(tmp_path):
    late = b"#" * 4096 + f"\nT={GHP}\n".encode()
    assert len(findings(tmp_path, {"/app/run.sh": late})) == 1
    assert findings(tmp_path, {"/app/run.sh": late}, config={"rules": {"IM004": {"max-file-bytes": 2048}}}) == []


@pytest.mark.parametrize("shape", ["docker-legacy", "containerd", "oci-layout"])
def test_same_finding_in_every_archive_shape(tmp_path, shape):
    (finding,) = findings(tmp_path, {"/app/.npmrc": b"//r/:_authToken=abcd1234efgh5678\n"}, later={"/app/.npmrc": WHITEOUT}, shape=shape)
    assert finding.path_in_image == "/app/.npmrc" and finding.details["deleted"]


def test_with_the_dockerfile_a_deleted_secret_points_at_the_copy_that_holds_its_bytes(tmp_path):
    layers = [BASE, {"/app/.npmrc": b"//r/:_authToken=abcd1234efgh5678\n", "/app/.git/": DIR, "/app/.git/HEAD": b"ref\n"},
              {"/app/.npmrc": WHITEOUT}]
    dockerfile = "FROM node:20\nCOPY . /app\nRUN rm -rf /app/.npmrc /app/.git\n"
    found = image_findings(tmp_path, layers, "IM004", history=HISTORY, dockerfile=dockerfile)
    assert sorted((f.path_in_image, f.line) for f in found) == [("/app/.git", 2), ("/app/.npmrc", 2)]
    assert all(f.file.endswith("Dockerfile") for f in found)
