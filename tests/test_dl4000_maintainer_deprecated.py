"""DL4000 maintainer-deprecated: MAINTAINER"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL4000"

# (Dockerfile, lines where both hadolint and imagepolicy report DL4000)
CASES = [
    ('FROM python:3.12-slim\nMAINTAINER Jane Doe <jane@example.com>\n', [2]),
    ('FROM a:1\nRUN true\nFROM b:1\nMAINTAINER x\n', [4]),
    ('FROM python:3.12-slim\nLABEL org.opencontainers.image.authors=jane@example.com\n', []),
]


globals().update(standard_tests(CODE, severity="error", cases=CASES, message_contains="jane@example.com"))
