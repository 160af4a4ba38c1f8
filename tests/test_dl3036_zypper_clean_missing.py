"""DL3036 zypper-clean-missing: zypper install without zypper clean"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3036"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3036)
CASES = [
    ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58\n', [2]),
    ('FROM opensuse/leap:15.6\nRUN zypper clean\nRUN zypper -n in httpd=2.4.58\n', [3]),
    ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58 && zypper clean\n', []),
    ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58 && zypper cc -a\n', []),
    ('FROM opensuse/leap:15.6\nRUN zypper -n refresh\n', []),
    ('FROM opensuse/leap:15.6\nRUN --mount=type=cache,target=/var/cache/zypp zypper install -y httpd=2.4.58\n', []),
    # issue 9: a clean before the install is no clean
    ('FROM opensuse/leap:15.6\nRUN zypper clean && zypper install -y php=1\n', [2]),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'rm of /var/cache/zypp': ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58 && rm -rf /var/cache/zypp/*\n', [2], []),
    'a clean after the install counts, even after an earlier one': (
        'FROM opensuse/leap:15.6\nRUN zypper clean && zypper install -y php=1 && zypper clean\n', [2], []),
    'builder stage not in the final image': ('FROM opensuse/leap:15.6 AS build\nRUN zypper install -y gcc=7\nFROM scratch\nCOPY --from=build /usr/bin/gcc /gcc\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="zypper install -y httpd=2.4.58"))
