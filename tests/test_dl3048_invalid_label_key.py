"""DL3048 invalid-label-key: invalid label key"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3048"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3048)
CASES = [
    ('FROM python:3.12-slim\nLABEL Maintainer=x\n', [2]),
    ('FROM python:3.12-slim\nLABEL a.b=1 com.docker.x=1\nLABEL a..b=1\nLABEL a-=1 ok=1\n', [2, 3, 4]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.authors=x a1=2 my-label=3\n', []),
    # issue 9: `_` is allowed in keys, as hadolint allows it
    ('FROM python:3.12-slim\nLABEL build_version="1.0" com.redhat.license_terms="https://x"\n', []),
]


globals().update(standard_tests(CODE, severity="style", cases=CASES, message_contains="'Maintainer'"))
