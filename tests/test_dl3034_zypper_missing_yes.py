"""DL3034 zypper-missing-yes: zypper without -y"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3034"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3034)
CASES = [
    ('FROM opensuse/leap:15.6\nRUN zypper install httpd=2.4.58 && zypper clean\n', [2]),
    ('FROM opensuse/leap:15.6\nRUN zypper refresh\nRUN zypper rm vim\n', [3]),
    ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58 && zypper clean\n', []),
    ('FROM opensuse/leap:15.6\nRUN zypper -n install httpd=2.4.58 && zypper clean\n', []),
    ('FROM opensuse/leap:15.6\nRUN zypper --non-interactive in httpd=2.4.58 && zypper clean\n', []),
    ('FROM opensuse/leap:15.6\nRUN zypper refresh\n', []),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, message_contains="zypper install httpd=2.4.58"))
