"""DL3037 zypper-unpinned: zypper install without versions"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3037"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3037)
CASES = [
    ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd && zypper clean\n', [2]),
    ("FROM opensuse/leap:15.6\nRUN zypper clean\nRUN zypper in -y 'httpd=2.4.58' vim && zypper clean\n", [3]),
    ("FROM opensuse/leap:15.6\nRUN zypper install -y 'httpd=2.4.58' 'vim>=9' && zypper clean\n", []),
    ('FROM opensuse/leap:15.6\nRUN zypper install -y /tmp/tool.rpm && zypper clean\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'package from a variable': ('FROM opensuse/leap:15.6\nARG PKG=httpd=2.4.58\nRUN zypper install -y $PKG && zypper clean\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="httpd"))
