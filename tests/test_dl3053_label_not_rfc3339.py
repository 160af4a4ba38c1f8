"""DL3053 label-not-rfc3339: rfc3339 label not a time"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3053"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
CONFIG = {"rules": {"DL3049": {"label-schema": SCHEMA, "strict-labels": False}}}


def _hadolint_config(tmp_path):
    path = tmp_path / "hadolint.yaml"
    body = "label-schema:\n" + "".join(f"  {k}: {v}\n" for k, v in SCHEMA.items())
    path.write_text(body + "strict-labels: false\n")
    return path

# (Dockerfile, lines where both hadolint and imagepolicy report DL3053)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="01/05/2024"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="2024-05-01"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="2024-13-01T12:00:00Z"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="2024-05-01T12:00:00Z"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="2024-05-01T12:00:00.123+02:00"\n', []),
]



def _text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _ours(tmp_path, text: str) -> list[int]:
    return lines(check(tmp_path, text, code=CODE, config=CONFIG))


def _theirs(tmp_path, text: str) -> set[tuple[str, int]]:
    return only(CODE, hadolint_findings(text, '--config', str(_hadolint_config(tmp_path))))


@pytest.mark.parametrize("text,expected", CASES, ids=range(len(CASES)))
def test_fires_on_the_same_lines_as_hadolint(tmp_path, text, expected):
    text = _text(text)
    assert _ours(tmp_path, text) == expected
    assert _theirs(tmp_path, text) == {(CODE, line) for line in expected}


def test_message_severity_and_fix(tmp_path):
    text, expected = next((t, e) for t, e in CASES if e)
    findings = check(tmp_path, _text(text), code=CODE, config=CONFIG)
    assert findings[0].severity.label == "warning"
    assert findings[0].fix
    assert '01/05/2024' in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE, config=CONFIG)
    assert check(tmp_path / "b", instead, code=CODE, config=CONFIG) == []
