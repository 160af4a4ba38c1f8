"""DL3050 label-superfluous: label outside the schema with strict-labels"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3050"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": True}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# (Dockerfile, lines where both hadolint and imagepolicy report DL3050)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.title=app build-host=ci-7\n', [2]),
    ('FROM python:3.12-slim\nLABEL maintainer=a@example.com\nLABEL x=1\nLABEL y=2 z=3\n', [3, 4]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.source="https://github.com/acme/app" org.opencontainers.image.created="2024-05-01T12:00:00Z" \\\n      org.opencontainers.image.licenses=MIT org.opencontainers.image.revision=4f3c2a1 org.opencontainers.image.version=1.4.2 \\\n      maintainer=platform@example.com org.opencontainers.image.title=app\n', []),
]


globals().update(standard_tests(CODE, severity="info", cases=CASES, config=CONFIG, hadolint_config=HADOLINT_CONFIG,
                                message_contains="'build-host'"))
