"""DL3049 label-missing: label from the schema missing"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3049"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
CONFIG = {"rules": {"DL3049": {"label-schema": SCHEMA, "strict-labels": False}}}

# The schema of DL3049's own docs (its Options section).
DOCS_CONFIG = {"rules": {"DL3049": {"label-schema": {
    "org.opencontainers.image.source": "url", "org.opencontainers.image.version": "semver"}}}}


def _hadolint_config(tmp_path):
    path = tmp_path / "hadolint.yaml"
    body = "label-schema:\n" + "".join(f"  {k}: {v}\n" for k, v in SCHEMA.items())
    path.write_text(body + "strict-labels: false\n")
    return path

# (Dockerfile, lines where both hadolint and imagepolicy report DL3049)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.title=app\n', [1, 1, 1, 1, 1, 1]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.source="https://github.com/acme/app" org.opencontainers.image.created="2024-05-01T12:00:00Z" \\\n      org.opencontainers.image.licenses=MIT org.opencontainers.image.revision=4f3c2a1 org.opencontainers.image.version=1.4.2 \\\n      maintainer=platform@example.com org.opencontainers.image.title=app\n', []),
    ('FROM python:3.12-slim AS base\nLABEL org.opencontainers.image.source="https://github.com/acme/app" org.opencontainers.image.created="2024-05-01T12:00:00Z" \\\n      org.opencontainers.image.licenses=MIT org.opencontainers.image.revision=4f3c2a1 org.opencontainers.image.version=1.4.2 \\\n      maintainer=platform@example.com org.opencontainers.image.title=app\nFROM base\nCMD ["app"]\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'builder stages need no labels': ('FROM python:3.12 AS build\nRUN true\nFROM python:3.12-slim\nLABEL org.opencontainers.image.source="https://github.com/acme/app" org.opencontainers.image.created="2024-05-01T12:00:00Z" \\\n      org.opencontainers.image.licenses=MIT org.opencontainers.image.revision=4f3c2a1 org.opencontainers.image.version=1.4.2 \\\n      maintainer=platform@example.com org.opencontainers.image.title=app\n', [1, 1, 1, 1, 1, 1, 1], []),
}


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


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_documented_divergence_from_hadolint(tmp_path, name):
    text, hadolint_lines, our_lines = DIVERGENCES[name]
    text = _text(text)
    assert _theirs(tmp_path, text) == {(CODE, line) for line in hadolint_lines}, "hadolint's verdict changed"
    assert _ours(tmp_path, text) == our_lines


def test_message_severity_and_fix(tmp_path):
    text, expected = next((t, e) for t, e in CASES if e)
    findings = check(tmp_path, _text(text), code=CODE, config=CONFIG)
    assert findings[0].severity.label == "info"
    assert findings[0].fix
    assert "'maintainer'" in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE, config=DOCS_CONFIG)
    assert check(tmp_path / "b", instead, code=CODE, config=DOCS_CONFIG) == []


def test_unknown_label_type_is_a_config_error(tmp_path):
    from imagepolicy import config as config_mod
    from imagepolicy.model import InputError
    from ruletest import registry

    cfg = tmp_path / ".imagepolicy.json"
    cfg.write_text('{"rules": {"DL3049": {"label-schema": {"maintainer": "mail"}}}}')
    with pytest.raises(InputError) as err:
        config_mod.resolve(config_mod.load_raw(cfg), list(registry().rules), registry().presets)
    message = str(err.value)
    assert "DL3049" in message and "label-schema" in message and "email" in message, message


def test_other_label_rules_read_the_schema_when_dl3049_is_off(tmp_path):
    config = {"rules": {"DL3049": {"severity": "off", "label-schema": {"maintainer": "email"}}}}
    findings = check(tmp_path, "FROM python:3.12-slim\nLABEL maintainer=nobody\n", config=config)
    assert [(f.rule, f.line) for f in findings if f.rule.startswith("DL30")] == [("DL3058", 2)]


def test_without_a_schema_the_label_rules_are_silent(tmp_path):
    findings = check(tmp_path, "FROM python:3.12-slim\nLABEL maintainer=nobody version=x\n")
    assert [f.rule for f in findings if "DL3049" <= f.rule <= "DL3058"] == []
