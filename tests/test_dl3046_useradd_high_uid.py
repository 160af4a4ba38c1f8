"""DL3046 useradd-high-uid: useradd with a high UID without -l"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3046"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3046)
CASES = [
    ('FROM debian:12-slim\nRUN useradd -u 123456789 app\n', [2]),
    ('FROM debian:12-slim\nRUN groupadd app && useradd -g app -u 1000000 app\n', [2]),
    ('FROM debian:12-slim\nRUN useradd -l -u 123456789 app\n', []),
    ('FROM debian:12-slim\nRUN useradd --no-log-init -u 123456789 app\n', []),
    ('FROM debian:12-slim\nRUN useradd -u 10001 app\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    '--uid is the long form of -u': ('FROM debian:12-slim\nRUN useradd --uid 123456789 app\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="123456789"))
