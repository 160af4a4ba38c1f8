"""DL3042 pip-cache-kept: pip install without --no-cache-dir"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3042"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3042)
CASES = [
    ('FROM python:3.12-slim\nRUN pip install requests==2.32.3\n', [2]),
    ('FROM python:3.12-slim\nRUN python3 -m pip install -r requirements.txt\n', [2]),
    ('FROM python:3.12-slim\nRUN pip3 install --no-cache-dir requests==2.32.3\n', []),
    ('FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install requests==2.32.3\n', []),
    ('FROM python:3.12-slim\nRUN PIP_NO_CACHE_DIR=1 pip install requests==2.32.3\n', []),
    ('FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install requests==2.32.3\n', []),
    ('FROM python:3.12-slim\nRUN pipx install black==24.4.2\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'cache mount on /root/.cache': ('FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache pip install requests==2.32.3\n', [2], []),
    "PIP_NO_CACHE_DIR=off still disables pip's cache": ('FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=off\nRUN pip install requests==2.32.3\n', [3], []),
    'builder stage not in the final image': ('FROM python:3.12 AS build\nRUN pip wheel --wheel-dir /w requests==2.32.3 && pip install build==1.2.1\nFROM python:3.12-slim\nCOPY --from=build /w /w\n', [2], []),
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
    assert 'pip install requests==2.32.3' in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE)
    assert check(tmp_path / "b", instead, code=CODE) == []
