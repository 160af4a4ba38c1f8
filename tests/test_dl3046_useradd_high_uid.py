"""DL3046 useradd-high-uid: useradd with a high UID without -l"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3046"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3046)
CASES = [
    ('FROM debian:12-slim\nRUN useradd -u 123456789 app\n', [2]),
    ('FROM debian:12-slim\nRUN groupadd app && useradd -g app -u 1000000 app\n', [2]),
    ('FROM debian:12-slim\nRUN useradd -l -u 123456789 app\n', []),
    ('FROM debian:12-slim\nRUN useradd --no-log-init -u 123456789 app\n', []),
    ('FROM debian:12-slim\nRUN useradd -u 10001 app\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    '--uid is the long form of -u': ('FROM debian:12-slim\nRUN useradd --uid 123456789 app\n', [], [2]),
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
    assert findings[0].severity.label == "warning"
    assert findings[0].fix
    assert '123456789' in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE)
    assert check(tmp_path / "b", instead, code=CODE) == []
