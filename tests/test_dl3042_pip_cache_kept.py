"""DL3042 pip-cache-kept: pip install without --no-cache-dir"""

from __future__ import annotations

from fixcases import fix_tests
from rulecases import standard_tests

CODE = "DL3042"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3042)
CASES = [
    ('FROM python:3.12-slim\nRUN pip install requests==2.32.3\n', [2]),
    ('FROM python:3.12-slim\nRUN python3 -m pip install -r requirements.txt\n', [2]),
    ('FROM python:3.12-slim\nRUN pip3 install --no-cache-dir requests==2.32.3\n', []),
    ('FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install requests==2.32.3\n', []),
    ('FROM python:3.12-slim\nRUN PIP_NO_CACHE_DIR=1 pip install requests==2.32.3\n', []),
    ('FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install requests==2.32.3\n', []),
    ('FROM python:3.12-slim\nRUN pipx install black==24.4.2\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'cache mount on /root/.cache': ('FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache pip install requests==2.32.3\n', [2], []),
    "PIP_NO_CACHE_DIR=off still disables pip's cache": ('FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=off\nRUN pip install requests==2.32.3\n', [3], []),
    'builder stage not in the final image': ('FROM python:3.12 AS build\nRUN pip wheel --wheel-dir /w requests==2.32.3 && pip install build==1.2.1\nFROM python:3.12-slim\nCOPY --from=build /w /w\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="pip install requests==2.32.3"))


# Fixes: --no-cache-dir after `install` in every pip install of the RUN.
globals().update(fix_tests(
    CODE,
    safe=[
        ("FROM python:3.12-slim\nRUN pip install requests==2.32.3\n",
         "FROM python:3.12-slim\nRUN pip install --no-cache-dir requests==2.32.3\n"),
        ("FROM python:3.12-slim\nRUN pip install requests==2.32.3 \\\n && python3 -m pip install 'flask==3.0.3'\n",
         "FROM python:3.12-slim\nRUN pip install --no-cache-dir requests==2.32.3 \\\n && python3 -m pip install --no-cache-dir 'flask==3.0.3'\n"),
        ("FROM python:3.12-slim\nRUN <<EOF\nset -e\npip --disable-pip-version-check install requests==2.32.3\nEOF\n",
         "FROM python:3.12-slim\nRUN <<EOF\nset -e\npip --disable-pip-version-check install --no-cache-dir requests==2.32.3\nEOF\n"),
    ],
    no_fix=['FROM python:3.12-slim\nRUN ["pip", "install", "requests==2.32.3"]\n'],
))
