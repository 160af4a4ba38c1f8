"""What an ``--image`` value names, and where registry credentials come from."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from imagepolicy.image.auth import Credential, explicit_login, find_credential, normalize_registry_key, redact, remember_secret
from imagepolicy.image.reference import parse_target
from imagepolicy.model import InputError


@pytest.mark.parametrize("text, kind, fields", [
    ("docker-daemon:app:ci", "daemon", {"name": "app:ci"}),
    ("docker-daemon:app", "daemon", {"name": "app"}),
    ("docker-daemon:localhost:5000/team/app@sha256:" + "a" * 64, "daemon", {"name": "localhost:5000/team/app@sha256:" + "a" * 64}),
    ("docker-daemon:sha256:" + "b" * 64, "daemon", {"name": "sha256:" + "b" * 64}),
    ("app:ci", "daemon", {"name": "app:ci"}),
    ("ghcr.io/acme/app:1.2", "daemon", {"name": "ghcr.io/acme/app:1.2"}),
    ("docker://ghcr.io/acme/app:1.2", "registry", {"registry": "ghcr.io", "repository": "acme/app", "tag": "1.2"}),
    ("registry:ghcr.io/acme/app", "registry", {"registry": "ghcr.io", "repository": "acme/app", "tag": "", "reference": "latest"}),
    ("docker://python:3.12-slim", "registry", {"registry": "docker.io", "repository": "library/python", "api_host": "registry-1.docker.io"}),
    ("docker://index.docker.io/team/app", "registry", {"registry": "docker.io", "repository": "team/app"}),
    ("docker://127.0.0.1:5000/team/app@sha256:" + "c" * 64, "registry",
     {"registry": "127.0.0.1:5000", "repository": "team/app", "digest": "sha256:" + "c" * 64, "reference": "sha256:" + "c" * 64}),
    ("docker://localhost/app:1", "registry", {"registry": "localhost", "repository": "app"}),
    ("docker://[::1]:5000/app:1", "registry", {"registry": "[::1]:5000", "repository": "app"}),
    ("docker-archive:out/app.tar", "archive", {"path": "out/app.tar"}),
    ("oci:build/layout", "archive", {"path": "build/layout"}),
    ("app.tar", "archive", {"path": "app.tar"}),
    ("app", "archive", {"path": "app"}),
])
def test_image_values_are_classified(text, kind, fields):
    target = parse_target(text, exists=lambda path: False)
    assert target.kind == kind and target.text == text
    for key, value in fields.items():
        assert getattr(target, key) == value


@pytest.mark.parametrize("text, says", [
    ("docker://ghcr.io/Acme/App:1", "not a valid image reference"),
    ("docker://user:pw@ghcr.io/acme/app", "takes no scheme or user name"),
    ("docker://https://ghcr.io/acme/app", "takes no scheme or user name"),
    ("docker-daemon:", "expected docker-daemon:NAME"),
    ("docker-daemon:has space:1", "expected docker-daemon:NAME"),
])
def test_malformed_references_are_input_errors(text, says):
    with pytest.raises(InputError, match=says):
        parse_target(text, exists=lambda path: False)


def test_a_credential_in_a_reference_is_not_repeated(tmp_path):
    with pytest.raises(InputError) as err:
        parse_target("docker://robot:hunter2-secret@ghcr.io/acme/app:1", exists=lambda path: False)
    assert str(err.value).startswith("docker://robot:hunter2-secret@ghcr.io/acme/app:1: ") is True
    # The value as given is the target's name, as for every target; the message adds nothing from it.
    assert str(err.value).count("hunter2-secret") == 1


def test_a_file_named_like_an_image_is_ambiguous(tmp_path):
    (tmp_path / "app:ci").write_bytes(b"x")
    exists = lambda path: (tmp_path / path).exists()
    with pytest.raises(InputError) as err:
        parse_target("app:ci", exists=exists)
    assert "ambiguous" in str(err.value) and "./app:ci for the file" in str(err.value) and "docker-daemon:app:ci for the image" in str(err.value)
    assert parse_target("./app:ci", exists=exists).kind == "archive"
    assert parse_target("docker-daemon:app:ci", exists=exists).kind == "daemon"


def test_cli_names_an_untagged_missing_path_with_the_daemon_hint(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--no-config", "--image", "myapp"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert "myapp: error: no such file or folder" in proc.stdout and "write docker-daemon:myapp" in proc.stdout


# --- credentials ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key, normalized", [
    ("https://index.docker.io/v1/", "docker.io"),
    ("registry-1.docker.io", "docker.io"),
    ("http://Registry.Example.com:5000", "registry.example.com:5000"),
    ("quay.io/team/", "quay.io/team"),
    ("ghcr.io/v2/", "ghcr.io"),
])
def test_auth_keys_are_normalized_as_docker_and_podman_read_them(key, normalized):
    assert normalize_registry_key(key) == normalized


def test_docker_hub_credentials_are_found_under_the_legacy_key(tmp_path):
    (tmp_path / ".docker").mkdir()
    entry = base64.b64encode(b"hubuser:hub-password-123").decode()
    (tmp_path / ".docker" / "config.json").write_text(json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": entry}}}))
    found = find_credential("docker.io", "library/python", None, {"HOME": str(tmp_path)})
    assert found is not None and (found.username, found.secret) == ("hubuser", "hub-password-123")
    assert found.source == "~/.docker/config.json auths"
    assert find_credential("ghcr.io", "acme/app", None, {"HOME": str(tmp_path)}) is None


def test_docker_config_env_moves_the_config_folder(tmp_path):
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"auths": {"ghcr.io": {"username": "u", "password": "p-p-p-p"}}}))
    found = find_credential("ghcr.io", "acme/app", None, {"HOME": str(tmp_path / "nohome"), "DOCKER_CONFIG": str(folder)})
    assert found is not None and found.secret == "p-p-p-p"


def test_a_broken_credential_file_is_named_without_its_content(tmp_path):
    (tmp_path / ".docker").mkdir()
    (tmp_path / ".docker" / "config.json").write_text('{"auths": {"ghcr.io": {"auth": "dG9rZW4tc2VjcmV0"}')
    with pytest.raises(InputError) as err:
        find_credential("ghcr.io", "acme/app", None, {"HOME": str(tmp_path)})
    assert "config.json: the registry credential file is not valid JSON" in str(err.value)
    assert "dG9rZW4" not in str(err.value)


def test_explicit_login_reads_its_password_from_the_named_variable():
    login = explicit_login("gitlab-ci-token", "CI_REGISTRY_PASSWORD", "registry.gitlab.com", {"CI_REGISTRY_PASSWORD": "glcbt-xyz-123"})
    assert login is not None and login.password == "glcbt-xyz-123" and "glcbt" not in repr(login)
    assert find_credential("registry.gitlab.com", "g/p", login, {}) == login.credential()
    assert find_credential("docker.io", "library/python", login, {"HOME": "/nonexistent"}) is None
    with pytest.raises(InputError, match=r"\$CI_REGISTRY_PASSWORD is unset or empty"):
        explicit_login("gitlab-ci-token", "CI_REGISTRY_PASSWORD", "registry.gitlab.com", {})
    with pytest.raises(InputError, match="give --registry-username too"):
        explicit_login(None, "GITHUB_TOKEN", None, {"GITHUB_TOKEN": "x"})


def test_secrets_are_redacted_and_never_shown_by_repr():
    credential = Credential("robot", "very-secret-value-42", "test")
    assert "very-secret-value-42" not in repr(credential)
    remember_secret("another-token-value")
    text = "failed with very-secret-value-42 and another-token-value and " + base64.b64encode(b"robot:very-secret-value-42").decode()
    assert redact(text) == "failed with *** and *** and ***"
