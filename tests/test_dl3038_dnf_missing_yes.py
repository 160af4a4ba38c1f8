"""DL3038 dnf-missing-yes: dnf install without -y"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3038"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3038)
CASES = [
    ('FROM fedora:40\nRUN dnf install httpd-2.4.62 && dnf clean all\n', [2]),
    ('FROM fedora:40\nRUN dnf clean all\nRUN microdnf install httpd-2.4.62 && microdnf clean all\n', [3]),
    ('FROM fedora:40\nRUN dnf groupinstall Tools && dnf clean all\n', [2]),
    ('FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n', []),
    ('FROM fedora:40\nRUN dnf --assumeyes install httpd-2.4.62 && dnf clean all\n', []),
    ('FROM fedora:40\nRUN dnf upgrade --refresh\n', []),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, message_contains="dnf install httpd-2.4.62"))
