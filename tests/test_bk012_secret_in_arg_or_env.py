"""BK012 secret-in-arg-or-env (BuildKit SecretsUsedInArgOrEnv): BuildKit's lint test and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check as run_check
from ruletest import lines, rule_by_code

CODE = "BK012"
# Off by default (a hadolint rule overlaps it); these tests turn it on as a user would.
ENABLED = {"version": 1, "rules": {CODE: "warning"}}


def check(tmp_path, text, files=None, code=None, config=None):
    return run_check(tmp_path, text, files, code=code, config=config or ENABLED)


def test_off_by_default(tmp_path):
    assert rule_by_code(CODE).default_enabled is False

BUILDKIT_TEST = """\
#
FROM scratch
ARG SECRET_PASSPHRASE
ENV SUPER_Secret=foo
ENV password=bar secret=baz
ARG super_duper_secret_token=foo auth=bar
ENV apikey=bar sunflower=foo
ENV git_key=
ENV PUBLIC_KEY=
ARG public_token
"""

globals().update(standard_tests(CODE, example_lines=[2, 3], config=ENABLED))


def test_buildkit_lint_test_parity(tmp_path):
    found = check(tmp_path, BUILDKIT_TEST, code=CODE)
    got = sorted((f.line, f.message) for f in found)
    expected = [
        (3, 'ARG "SECRET_PASSPHRASE"'), (4, 'ENV "SUPER_Secret"'), (5, 'ENV "password"'), (5, 'ENV "secret"'),
        (6, 'ARG "auth"'), (6, 'ARG "super_duper_secret_token"'), (7, 'ENV "apikey"'), (8, 'ENV "git_key"'),
    ]
    assert got == sorted((line, f"Do not use ARG or ENV instructions for sensitive data ({what})") for line, what in expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("FROM alpine\nENV MONKEY=1 KEYBOARD=2 TOKENIZER=3\n", []),  # near miss: the word must stand alone
        ("FROM alpine\nENV TOKEN_FILE=/run/secrets/t GPG_KEY_VERSION=2\n", []),  # allowed words
        ("ARG NPM_TOKEN\nFROM alpine\n", []),  # global ARG: reported only where a stage redeclares it
        ("ARG NPM_TOKEN\nFROM alpine\nARG NPM_TOKEN\n", [3]),
        ("FROM alpine\nENV DB_PASSWORD secret\n", [2]),  # legacy form too
    ],
    ids=["inner-words", "allow-list", "global-arg", "redeclared", "legacy-form"],
)
def test_fires_on_the_instruction(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected
