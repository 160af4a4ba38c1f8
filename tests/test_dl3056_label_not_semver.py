"""DL3056 label-not-semver: semver label not a version"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3056"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": False}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# (Dockerfile, lines where both hadolint and imagepolicy report DL3056)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.version="v1.4"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.version="1.4"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.version="1.4.2"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.version="2.0.0-rc.1+build.5"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.version=""\n', [2]),  # empty: also DL3051's finding
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, config=CONFIG, hadolint_config=HADOLINT_CONFIG,
                                message_contains="'v1.4'"))
