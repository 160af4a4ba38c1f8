"""DL3054 label-not-spdx: spdx label not a license id"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3054"

SCHEMA = {'org.opencontainers.image.source': 'url', 'org.opencontainers.image.created': 'rfc3339', 'org.opencontainers.image.licenses': 'spdx', 'org.opencontainers.image.revision': 'hash', 'org.opencontainers.image.version': 'semver', 'maintainer': 'email', 'org.opencontainers.image.title': 'text'}
HADOLINT_CONFIG = {"label-schema": SCHEMA, "strict-labels": False}
CONFIG = {"rules": {"DL3049": HADOLINT_CONFIG}}

# (Dockerfile, lines where both hadolint and imagepolicy report DL3054)
CASES = [
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.licenses="Apache License"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.licenses="Apache-3.0"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.licenses="Apache-2.0"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.licenses="MIT"\n', []),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.licenses=""\n', [2]),  # empty: also DL3051's finding
    # one identifier is asked for: an expression or a custom LicenseRef names no listed license
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.licenses="MIT OR Apache-2.0"\n', [2]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.licenses="LicenseRef-acme"\n', [2]),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, config=CONFIG, hadolint_config=HADOLINT_CONFIG,
                                message_contains="Apache License"))
