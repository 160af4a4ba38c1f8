"""DL3059 consecutive-run: consecutive RUN instructions"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3059"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3059)
CASES = [
    ('FROM debian:12-slim\nRUN mkdir -p /app\nRUN chown nobody /app\n', [3]),
    ('FROM debian:12-slim\nRUN a\nRUN b\n# comment\nRUN c\n', [3, 5]),
    ('FROM debian:12-slim\nRUN a && b && c\nRUN d\nRUN e\n', [4]),
    ('FROM debian:12-slim\nRUN --mount=type=cache,target=/x d\nRUN e\nWORKDIR /x\nRUN f\n', []),
    ('FROM debian:12-slim\nRUN a\nFROM debian:12-slim\nRUN b\n', []),
    ('FROM debian:12-slim\nRUN a\nRUN b | c\nRUN d\nRUN e\n', [5]),
    ('FROM debian:12-slim\nRUN a && b\nRUN c\nRUN d && e\nRUN f\n', []),
    ('FROM debian:12-slim\nLABEL a=1\nRUN <<EOF\necho x\nEOF\nRUN b\n', []),
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
    assert 'line 2' in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE)
    assert check(tmp_path / "b", instead, code=CODE) == []
