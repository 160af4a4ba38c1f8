"""DL3041 dnf-unpinned: dnf install without versions"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3041"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3041)
CASES = [
    ('FROM fedora:40\nRUN dnf install -y httpd && dnf clean all\n', [2]),
    ('FROM fedora:40\nRUN dnf clean all\nRUN microdnf install -y httpd-devel && microdnf clean all\n', [3]),
    ('FROM fedora:40\nRUN dnf module install -y nodejs && dnf clean all\n', [2]),
    ('FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n', []),
    ('FROM fedora:40\nRUN dnf module install -y nodejs:20 && dnf clean all\n', []),
    # issue 9: a version made of a variable the Dockerfile does not set pins nothing
    ('FROM fedora:40\nRUN dnf install -y php-${PHP_VERSION} && dnf clean all\n', [2]),
    ('FROM fedora:40\nARG PHP_VERSION=8.3.1\nRUN dnf install -y php-${PHP_VERSION} && dnf clean all\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'package from a variable': ('FROM fedora:40\nARG PKG=httpd-2.4.62\nRUN dnf install -y $PKG && dnf clean all\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="httpd"))
