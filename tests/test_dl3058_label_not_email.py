"""DL3058 label-not-email: email label not an address"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3058"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": False}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# (Dockerfile, lines where both hadolint and imagepolicy report DL3058)
CASES = [
    ('FROM python:3.12-slim\nLABEL maintainer="Platform Team"\n', [2]),
    ('FROM python:3.12-slim\nLABEL maintainer="platform@"\n', [2]),
    ('FROM python:3.12-slim\nLABEL maintainer="platform@example.com"\n', []),
    ('FROM python:3.12-slim\nLABEL maintainer="first.last+tag@mail.example.org"\n', []),
    ('FROM python:3.12-slim\nLABEL maintainer=""\n', [2]),  # empty: also DL3051's finding
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, config=CONFIG, hadolint_config=HADOLINT_CONFIG,
                                message_contains="Platform Team"))
