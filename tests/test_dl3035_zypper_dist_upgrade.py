"""DL3035 zypper-dist-upgrade: zypper dist-upgrade"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3035"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3035)
CASES = [
    ('FROM opensuse/leap:15.6\nRUN zypper -n dist-upgrade\n', [2]),
    ('FROM opensuse/leap:15.6\nRUN zypper refresh && \\\n    zypper -n dup\n', [2]),
    ('FROM opensuse/leap:15.6\nRUN zypper -n patch && zypper -n update\n', []),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, message_contains="zypper -n dist-upgrade"))
