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
    # issue 9: how commands are counted, as hadolint counts them
    ('FROM debian:12-slim\nRUN [ -d /x ] && mkdir /y\nRUN b\n', [3]),
    ('FROM debian:12-slim\nRUN [[ -d /x ]] || mkdir /y\nRUN b\n', [3]),
    ('FROM debian:12-slim\nRUN x=$(cat /f)\nRUN b\n', [3]),
    ('FROM debian:12-slim\nRUN cp $(cat /f) /x\nRUN b\n', []),
    ('FROM debian:12-slim\nRUN cp `cat /f` /x\nRUN b\n', []),
    ('FROM debian:12-slim\nRUN a $((1 + 2))\nRUN b\n', [3]),
    ('FROM debian:12-slim\nRUN if true; then a; fi\nRUN b\n', []),
    ('FROM debian:12-slim\nRUN ["a"]\nRUN ["b"]\nRUN ["/bin/sh", "-c", "c && d"]\n', [3]),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'PowerShell statements are counted': (
        'FROM python:3.12\nSHELL ["powershell", "-Command"]\nRUN if ($x) { a; b }\nRUN c\n', [4], []),
    'a heredoc RUN counts as several commands': ('FROM debian:12-slim\nRUN a\nRUN python3 <<EOF\nprint(1)\nEOF\n', [3], []),
}


globals().update(standard_tests(CODE, severity="info", cases=CASES, divergences=DIVERGENCES, message_contains="line 2"))
