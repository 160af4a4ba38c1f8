"""DL4003 multiple-cmd: more than one CMD"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL4003"

# (Dockerfile, lines where both hadolint and imagepolicy report DL4003)
CASES = [
    ('FROM python:3.12-slim\nCMD ["a"]\nCMD ["b"]\n', [3]),
    ('FROM a:1\nCMD a\nFROM b:1\nCMD b\nCMD c\nCMD d\n', [5, 6]),
    ('FROM a:1\nCMD a\nFROM b:1\nCMD b\nONBUILD CMD c\n', []),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, message_contains="line 2"))
