"""DL3049 label-missing: label from the schema missing"""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check

CODE = "DL3049"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": False}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# The schema of DL3049's own docs (its Options section).
DOCS_CONFIG = {"rules": {"DL3049": {"label-schema": {
    "org.opencontainers.image.source": "url", "org.opencontainers.image.version": "semver"}}}}

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


globals().update(standard_tests(CODE, severity="info", cases=CASES, divergences=DIVERGENCES, config=CONFIG,
                                docs_config=DOCS_CONFIG, hadolint_config=HADOLINT_CONFIG,
                                message_contains="'maintainer'"))


def test_unknown_label_type_is_a_config_error(tmp_path):
    from imagepolicy import config as config_mod
    from imagepolicy.model import InputError
    from ruletest import registry

    cfg = tmp_path / ".imagepolicy.json"
    cfg.write_text('{"rules": {"DL3049": {"label-schema": {"maintainer": "mail"}}}}')
    with pytest.raises(InputError) as err:
        config_mod.resolve(config_mod.load_raw(cfg), list(registry().rules), registry().presets, settings=registry().settings.values())
    message = str(err.value)
    assert "DL3049" in message and "label-schema" in message and "email" in message, message


def test_other_label_rules_read_the_schema_when_dl3049_is_off(tmp_path):
    config = {"rules": {"DL3049": {"severity": "off", "label-schema": {"maintainer": "email"}}}}
    findings = check(tmp_path, "FROM python:3.12-slim\nLABEL maintainer=nobody\n", config=config)
    assert [(f.rule, f.line) for f in findings if f.rule.startswith("DL30")] == [("DL3058", 2)]


def test_without_a_schema_the_label_rules_are_silent(tmp_path):
    findings = check(tmp_path, "FROM python:3.12-slim\nLABEL maintainer=nobody version=x\n")
    assert [f.rule for f in findings if "DL3049" <= f.rule <= "DL3058"] == []
