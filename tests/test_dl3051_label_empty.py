"""DL3051 label-empty: empty schema label"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3051"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": False}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# (Dockerfile, lines where both hadolint and imagepolicy report DL3051)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.title=""\n', [2]),
    ('FROM python:3.12-slim\nLABEL maintainer=a@example.com\nLABEL org.opencontainers.image.title=""\n', [3]),
    ('FROM python:3.12-slim\nLABEL other=""\nLABEL org.opencontainers.image.title=app\n', []),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, config=CONFIG, hadolint_config=HADOLINT_CONFIG,
                                message_contains="'org.opencontainers.image.title'"))
