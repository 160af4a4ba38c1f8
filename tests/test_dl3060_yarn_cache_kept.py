"""DL3060 yarn-cache-kept: yarn install without yarn cache clean"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3060"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3060)
CASES = [
    ('FROM node:20-slim\nRUN yarn install --frozen-lockfile\n', [2]),
    ('FROM node:20 AS base\nRUN yarn install\nFROM base\nRUN yarn install\n', [2, 4]),
    ('FROM node:20-slim\nRUN yarn install && yarn cache clean\n', []),
    ('FROM node:20-slim\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n', []),
    ('FROM node:20-slim\nRUN yarn add left-pad\n', []),
    ('FROM node:20\nRUN yarn install\nFROM node:20-slim\nCMD ["node"]\n', []),
    ('FROM node:20-slim\nRUN --mount=type=cache,target=/root/.cache/yarn yarn install\n', []),
]



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


def test_message_severity_and_fix(tmp_path):
    text, expected = next((t, e) for t, e in CASES if e)
    findings = check(tmp_path, _text(text), code=CODE)
    assert findings[0].severity.label == "info"
    assert findings[0].fix
    assert 'yarn install' in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE)
    assert check(tmp_path / "b", instead, code=CODE) == []
