"""DL3060 yarn-cache-kept: yarn install without yarn cache clean"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3060"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3060)
CASES = [
    ('FROM node:20-slim\nRUN yarn install --frozen-lockfile\n', [2]),
    ('FROM node:20 AS base\nRUN yarn install\nFROM base\nRUN yarn install\n', [2, 4]),
    ('FROM node:20-slim\nRUN yarn install && yarn cache clean\n', []),
    ('FROM node:20-slim\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n', []),
    ('FROM node:20-slim\nRUN yarn add left-pad\n', []),
    ('FROM node:20\nRUN yarn install\nFROM node:20-slim\nCMD ["node"]\n', []),
    ('FROM node:20-slim\nRUN --mount=type=cache,target=/root/.cache/yarn yarn install\n', []),
    # issue 9: a clean before the install is no clean
    ('FROM node:20-slim\nRUN yarn cache clean && yarn install\n', [2]),
]


globals().update(standard_tests(CODE, severity="info", cases=CASES, message_contains="yarn install"))
