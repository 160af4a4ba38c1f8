"""DL4004 multiple-entrypoint: more than one ENTRYPOINT"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL4004"

# (Dockerfile, lines where both hadolint and imagepolicy report DL4004)
CASES = [
    ('FROM python:3.12-slim\nENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n', [3]),
    ('FROM a:1\nENTRYPOINT a\nFROM b:1\nENTRYPOINT b\nENTRYPOINT c\n', [5]),
    ('FROM a:1\nENTRYPOINT a\nFROM b:1\nENTRYPOINT b\n', []),
]


globals().update(standard_tests(CODE, severity="error", cases=CASES, message_contains="line 2"))
