"""DL3052 label-not-url: url label not a URL"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3052"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": False}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# (Dockerfile, lines where both hadolint and imagepolicy report DL3052)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.source="github.com/acme/app"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.source="https://exa mple.com"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.source="https://github.com/acme/app"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.source="git@github.com:acme/app.git"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.title="not a url"\n', []),
    # issue 9: an empty URL is also no URL (DL3051 reports it as empty too)
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.source=""\n', [2]),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'value resolved from an ARG': ('FROM python:3.12-slim\nARG SRC=https://github.com/acme/app\nLABEL org.opencontainers.image.source=$SRC\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES, config=CONFIG,
                                hadolint_config=HADOLINT_CONFIG, message_contains="github.com/acme/app"))
