"""DL4001 wget-and-curl: wget and curl in one stage"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL4001"

# (Dockerfile, lines where both hadolint and imagepolicy report DL4001)
CASES = [
    ('FROM debian:12-slim\nRUN curl -fsSLO https://example.com/a\nRUN wget -q https://example.com/b\n', [3]),
    ('FROM debian:12-slim\nRUN curl -fsSLO https://example.com/a && wget -q https://example.com/b\nRUN curl -fsSLO https://example.com/c\n', [2, 3]),
    ('FROM debian:12-slim\nRUN curl -fsSLO https://example.com/a\nFROM debian:12-slim\nRUN wget -q https://example.com/b\n', []),
    ('FROM debian:12-slim\nRUN curl -fsSLO https://example.com/a\nRUN echo wget\n', []),
    ('FROM debian:12-slim\nRUN curl -fsSLO https://example.com/a\nRUN <<EOF\nwget -q https://example.com/b\nEOF\n', [3]),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, message_contains="wget"))
