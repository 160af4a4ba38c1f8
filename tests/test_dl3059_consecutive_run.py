"""DL3059 consecutive-run: consecutive RUN instructions"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3059"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3059)
CASES = [
    ('FROM debian:12-slim\nRUN mkdir -p /app\nRUN chown nobody /app\n', [3]),
    ('FROM debian:12-slim\nRUN a\nRUN b\n# comment\nRUN c\n', [3, 5]),
    ('FROM debian:12-slim\nRUN a && b && c\nRUN d\nRUN e\n', [4]),
    ('FROM debian:12-slim\nRUN --mount=type=cache,target=/x d\nRUN e\nWORKDIR /x\nRUN f\n', []),
    ('FROM debian:12-slim\nRUN a\nFROM debian:12-slim\nRUN b\n', []),
    ('FROM debian:12-slim\nRUN a\nRUN b | c\nRUN d\nRUN e\n', [5]),
    ('FROM debian:12-slim\nRUN a && b\nRUN c\nRUN d && e\nRUN f\n', []),
    ('FROM debian:12-slim\nLABEL a=1\nRUN <<EOF\necho x\nEOF\nRUN b\n', []),
]


globals().update(standard_tests(CODE, severity="info", cases=CASES, message_contains="line 2"))
