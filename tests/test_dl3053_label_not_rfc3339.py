"""DL3053 label-not-rfc3339: rfc3339 label not a time"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3053"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": False}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# (Dockerfile, lines where both hadolint and imagepolicy report DL3053)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="01/05/2024"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="2024-05-01"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="2024-13-01T12:00:00Z"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="2024-05-01T12:00:00Z"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created="2024-05-01T12:00:00.123+02:00"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.created=""\n', [2]),  # empty: also DL3051's finding
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, config=CONFIG, hadolint_config=HADOLINT_CONFIG,
                                message_contains="01/05/2024"))
