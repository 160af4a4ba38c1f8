"""DL3047 wget-without-progress: wget without --progress"""

from __future__ import annotations

from fixcases import fix_tests
from rulecases import standard_tests

CODE = "DL3047"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3047)
CASES = [
    ('FROM debian:12-slim\nRUN wget https://example.com/big.tar.gz\n', [2]),
    ('FROM debian:12-slim\nRUN wget -O /tmp/x.tgz https://example.com/x.tgz\n', [2]),
    ('FROM debian:12-slim\nRUN wget -q https://example.com/x && wget -nv https://example.com/y\n', []),
    ('FROM debian:12-slim\nRUN wget --progress=dot:giga https://example.com/x && wget -qO- https://example.com/y\n', []),
    ('FROM debian:12-slim\nRUN wget -o /tmp/log https://example.com/x && wget --no-verbose https://example.com/y\n', []),
]


globals().update(standard_tests(CODE, severity="info", cases=CASES,
                                message_contains="wget https://example.com/big.tar.gz"))


# Fix: GNU wget (Debian, Ubuntu, Red Hat images) gets --progress=dot:giga; BusyBox's or an unknown one gets -q.
globals().update(fix_tests(
    CODE,
    safe=[
        ("FROM debian:12-slim\nRUN wget https://example.com/big.tar.gz\n",
         "FROM debian:12-slim\nRUN wget --progress=dot:giga https://example.com/big.tar.gz\n"),
        ("FROM alpine:3.20\nRUN wget https://example.com/big.tar.gz\n",
         "FROM alpine:3.20\nRUN wget -q https://example.com/big.tar.gz\n"),
        ("FROM node:20-alpine\nRUN wget -O /tmp/a https://example.com/a && wget https://example.com/b\n",
         "FROM node:20-alpine\nRUN wget -q -O /tmp/a https://example.com/a && wget -q https://example.com/b\n"),
        ("FROM registry.example.com/base:1\nRUN wget https://example.com/big.tar.gz\n",
         "FROM registry.example.com/base:1\nRUN wget -q https://example.com/big.tar.gz\n"),
    ],
))
