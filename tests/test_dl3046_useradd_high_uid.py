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
    'a variable UID is judged by its value': ('FROM debian:12-slim\nARG APP_UID=1000\nRUN useradd -u $APP_UID app\n', [3], []),
    'an unknown UID is not judged': ('FROM debian:12-slim\nARG APP_UID\nRUN useradd -u "${APP_UID}" app\n', [3], []),
}


def test_the_value_a_variable_gives_is_measured(tmp_path):
    from ruletest import check

    text = 'FROM debian:12-slim\nENV APP_UID=123456789\nRUN useradd -u ${APP_UID} app\n'
    findings = check(tmp_path, text, code=CODE)
    assert [f.line for f in findings] == [3] and "123456789" in findings[0].message


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="123456789"))
