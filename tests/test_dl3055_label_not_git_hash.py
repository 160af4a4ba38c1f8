"""DL3055 label-not-git-hash: hash label not a commit"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3055"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": False}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# (Dockerfile, lines where both hadolint and imagepolicy report DL3055)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.revision="main"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.revision="4F3C2A1"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.revision="4f3c2a1f"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.revision="4f3c2a1"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.revision="4f3c2a14f3c2a14f3c2a14f3c2a14f3c2a1abcde"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.revision=""\n', [2]),  # empty: also DL3051's finding
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, config=CONFIG, hadolint_config=HADOLINT_CONFIG,
                                message_contains="'main'"))
