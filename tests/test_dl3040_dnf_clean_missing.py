"""DL3040 dnf-clean-missing: dnf install without dnf clean all"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3040"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3040)
CASES = [
    ('FROM fedora:40\nRUN dnf install -y httpd-2.4.62\n', [2]),
    ('FROM fedora:40\nRUN dnf clean all\nRUN microdnf install -y httpd-2.4.62\n', [3]),
    ('FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n', []),
    ('FROM fedora:40\nRUN microdnf install -y httpd-2.4.62 && microdnf clean all\n', []),
    ('FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && rm -rf /var/cache/dnf\n', []),
    ('FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y httpd-2.4.62\n', []),
    # issue 9: a clean before the install is no clean; an upgrade fills the cache too; dnf5's cache
    ('FROM fedora:40\nRUN dnf clean all && dnf install -y httpd-2.4.62\n', [2]),
    ('FROM fedora:40\nRUN dnf upgrade -y\n', [2]),
    ('FROM fedora:40\nRUN microdnf upgrade -y && microdnf clean all\n', []),
    ('FROM fedora:41\nRUN dnf install -y httpd-2.4.62 && rm -rf /var/cache/libdnf5\n', []),
    ('FROM fedora:41\nRUN dnf install -y httpd-2.4.62 && rm -rf /var/cache/libdnf5*\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'cache mount on /var/cache/dnf': ('FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y httpd-2.4.62\n', [2], []),
    'an rm of another folder is no clean': ('FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && rm -rf "$GNUPGHOME"\n', [], [2]),
    'an rm before the install does not hide a later clean': (
        'FROM fedora:40\nRUN rm -rf /tmp/x && microdnf install -y httpd-2.4.62 && microdnf clean all\n', [2], []),
    'dnf update fills the cache as dnf upgrade does': ('FROM fedora:40\nRUN dnf update -y\n', [], [2]),
    'builder stage not in the final image': ('FROM fedora:40 AS build\nRUN dnf install -y gcc-14\nFROM scratch\nCOPY --from=build /usr/bin/gcc /gcc\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="dnf install -y httpd-2.4.62"))
