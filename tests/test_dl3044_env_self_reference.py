"""DL3044 env-self-reference: ENV refers to a variable it defines"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3044"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3044)
CASES = [
    ('FROM python:3.12-slim\nENV APP_HOME=/opt/app APP_BIN=$APP_HOME/bin\n', [2]),
    ('FROM python:3.12-slim\nENV A=1\nENV B=2 C=${B}/x\n', [3]),
    ('FROM python:3.12-slim\nENV APP_HOME=/opt/app\nENV APP_BIN=$APP_HOME/bin\n', []),
    ('FROM python:3.12-slim\nARG A\nENV A=1 B=$A\n', []),
    ('FROM python:3.12-slim\nENV A=1 B=$AB\n', []),
    ('FROM python:3.12-slim\nENV PATH=/opt/bin:$PATH\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'a variable of an unrelated stage is not in scope': ('FROM python:3.12-slim AS a\nENV C=1\nFROM python:3.12-slim\nENV C=2 D=$C\n', [], [4]),
}


def _text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _ours(tmp_path, text: str) -> list[int]:
    return lines(check(tmp_path, text, code=CODE))


def _theirs(tmp_path, text: str) -> set[tuple[str, int]]:
    return only(CODE, hadolint_findings(text))


@pytest.mark.parametrize("text,expected", CASES, ids=range(len(CASES)))
def test_fires_on_the_same_lines_as_hadolint(tmp_path, text, expected):
    text = _text(text)
    assert _ours(tmp_path, text) == expected
    assert _theirs(tmp_path, text) == {(CODE, line) for line in expected}


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_documented_divergence_from_hadolint(tmp_path, name):
    text, hadolint_lines, our_lines = DIVERGENCES[name]
    text = _text(text)
    assert _theirs(tmp_path, text) == {(CODE, line) for line in hadolint_lines}, "hadolint's verdict changed"
    assert _ours(tmp_path, text) == our_lines


def test_message_severity_and_fix(tmp_path):
    text, expected = next((t, e) for t, e in CASES if e)
    findings = check(tmp_path, _text(text), code=CODE)
    assert findings[0].severity.label == "error"
    assert findings[0].fix
    assert 'APP_HOME' in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE)
    assert check(tmp_path / "b", instead, code=CODE) == []
