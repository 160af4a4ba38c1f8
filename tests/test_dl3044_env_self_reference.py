"""DL3044 env-self-reference: ENV refers to a variable it defines"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3044"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3044)
CASES = [
    ('FROM python:3.12-slim\nENV APP_HOME=/opt/app APP_BIN=$APP_HOME/bin\n', [2]),
    ('FROM python:3.12-slim\nENV A=1\nENV B=2 C=${B}/x\n', [3]),
    ('FROM python:3.12-slim\nENV APP_HOME=/opt/app\nENV APP_BIN=$APP_HOME/bin\n', []),
    ('FROM python:3.12-slim\nARG A\nENV A=1 B=$A\n', []),
    ('FROM python:3.12-slim\nENV A=1 B=$AB\n', []),
    ('FROM python:3.12-slim\nENV PATH=/opt/bin:$PATH\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'a variable of an unrelated stage is not in scope': ('FROM python:3.12-slim AS a\nENV C=1\nFROM python:3.12-slim\nENV C=2 D=$C\n', [], [4]),
}


globals().update(standard_tests(CODE, severity="error", cases=CASES, divergences=DIVERGENCES,
                                message_contains="APP_HOME"))


def test_the_message_does_not_claim_there_is_no_earlier_value(tmp_path):
    # quay's ENV PATH=/app/bin/:$PATH ... PATH=$HOME/.local/bin/:$PATH: the second PATH sees the base image's
    # PATH, which the message called "(none)".
    from ruletest import check

    (finding,) = check(tmp_path, "FROM debian:12\nENV PATH=/app/bin:$PATH X=1 PATH=/opt/bin:$PATH\n", code="DL3044")
    assert "(none)" not in finding.message and "the base image's, if it sets PATH" in finding.message
