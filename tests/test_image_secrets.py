"""The secret pattern library (plugins/image/_secrets.py) that IM003 and IM004 share."""

from __future__ import annotations

import pytest

from image_ruletest import GHP
from imagepolicy.plugins.image import _secrets as secrets


@pytest.mark.parametrize(
    "text, expected",
    [
        ("key = AKIAQWERTYUIOPASDFGH", "aws-access-key-id"),
        ("aws_secret_access_key = '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'", "aws-secret-access-key"),
        (f"token: {GHP}", "github-pat"),
        ("GITLAB=glpat-Ab3dEf6hIj9kLm2nOp5q", "gitlab-pat"),
        ("xoxb-123456789012-abcdefABCDEF", "slack-access-token"),
        ("//registry.npmjs.org/:_authToken=npm_" + "a1B2c3D4e5" * 3 + "F6g7H8", "npm-access-token"),
        ("password = pypi-AgEIcHlwaS5vcmc" + "x1Y2z3" * 10, "pypi-upload-token"),
        ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe-secret-token"),
        ("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + "Ab3+" * 21 + "Ab==", "azure-storage-account-key"),
        ('{"type": "service_account", "project_id": "p", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE"}', "gcp-service-account"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n", "private-key"),
    ],
)
def test_token_patterns_find_each_kind(text, expected):
    assert [m.id for m in secrets.find_tokens(text)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "AKIAIOSFODNN7EXAMPLE",  # AWS's documentation key
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAQWERTYUIOPASDFGHJ",  # 21 characters: not a key id
        "ghp_short",
        'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):',
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\n",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",  # test keys are not live keys
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
    ],
)
def test_near_misses_and_example_keys_are_not_tokens(text):
    assert secrets.find_tokens(text) == []


@pytest.mark.parametrize("name", ["DB_PASSWORD", "NPM_TOKEN", "API_KEY", "apiKey", "SECRET_KEY", "AWS_SECRET_ACCESS_KEY", "CLIENT_SECRET", "MYSQL_ROOT_PWD"])
def test_secret_names(name):
    assert secrets.is_secret_name(name)


@pytest.mark.parametrize("name", ["GPG_KEY", "PWD", "OLDPWD", "DB_PASSWORD_FILE", "TOKEN_URL", "AWS_ACCESS_KEY_ID", "PATH", "PYTHON_SHA256", "KEYRING"])
def test_names_that_are_not_secrets(name):
    assert not secrets.is_secret_name(name)


@pytest.mark.parametrize("value", ["", "changeme", "${DB_PASSWORD}", "$NPM_TOKEN", "<your-token>", "xxxxxxxx", "********", "{{ vault_pw }}", "/run/secrets/db", "AKIAIOSFODNN7EXAMPLE"])
def test_placeholders(value):
    assert secrets.is_placeholder(value)


def test_real_values_are_not_placeholders():
    assert not secrets.is_placeholder("hunter2hunter2")
    assert not secrets.is_placeholder(GHP)


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/root/.npmrc", "npmrc"), ("/home/app/.pypirc", "pypirc"), ("/root/.netrc", "netrc"),
        ("/root/.git-credentials", "git-credentials"), ("/root/.docker/config.json", "docker-config"),
        ("/root/.aws/credentials", "aws-credentials"), ("/app/.env", "dotenv"), ("/app/.env.production", "dotenv"),
        ("/app/prod.env", "dotenv"), ("/root/.ssh/id_ed25519", "ssh-key"), ("/etc/ssh/ssh_host_rsa_key", "key"),
        ("/app/tls.key", "key"), ("/app/gcp-service-account.json", "json-key"), ("/root/.pgpass", "pgpass"),
        ("/app/.env.example", None), ("/app/.env.sample", None), ("/root/.ssh/id_rsa.pub", None), ("/app/package.json", None),
    ],
)
def test_credential_file_kinds(path, kind):
    assert secrets.credential_file_kind(path) == kind


@pytest.mark.parametrize(
    "kind, text, ids",
    [
        ("npmrc", "registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken=abcd1234efgh5678\n", ["npmrc-auth"]),
        ("npmrc", "registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken=${NPM_TOKEN}\n", []),
        ("pypirc", "[pypi]\nusername = __token__\npassword = s3cr3t-pass-word\n", ["pypirc-password"]),
        ("pypirc", "[distutils]\nindex-servers = pypi\n[pypi]\nusername = __token__\n", []),
        ("netrc", "machine github.com login bot password 0123abcd4567\n", ["netrc-password"]),
        ("docker-config", '{"auths": {"ghcr.io": {"auth": "Ym90OnNlY3JldA=="}}}', ["docker-config-auth"]),
        ("docker-config", '{"auths": {"ghcr.io": {}}, "credsStore": "desktop"}', []),
        ("git-credentials", "https://bot:0123abcd4567@github.com\n", ["url-credentials"]),
        ("aws-credentials", "[default]\naws_access_key_id = AKIAQWERTYUIOPASDFGH\naws_secret_access_key = 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\n", ["aws-secret-access-key", "aws-access-key-id"]),
        ("dotenv", "DEBUG=1\nDB_PASSWORD=hunter2hunter2\nAPI_KEY=changeme\nSECRET_KEY=\n", ["dotenv-secret"]),
        ("dotenv", "DATABASE_URL=postgres://app:s3cr3tpw@db:5432/app\n", ["url-credentials"]),
        ("dotenv", "DATABASE_URL=postgres://user:password@localhost/app\n", []),
        ("pgpass", "db:5432:app:app:s3cr3tpw\n", ["pgpass-password"]),
    ],
)
def test_credential_files_are_judged_by_their_format(kind, text, ids):
    assert sorted(m.id for m in secrets.scan_credential_file(kind, text)) == sorted(ids)


def test_lines_are_reported():
    (match,) = secrets.scan_credential_file("dotenv", "A=1\n\nDB_PASSWORD=hunter2hunter2\n")
    assert match.line == 3


def test_redaction_never_shows_the_secret():
    assert secrets.redact(GHP) == "ghp_\u2026(40 chars)"
    assert secrets.redact("postgres://app:s3cr3tpw@db") == "postgres://app:****@db"
    assert secrets.redact("short") == "*****"
