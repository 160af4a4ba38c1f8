"""DL3032 yum-clean-missing: yum install without yum clean all"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3032"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3032)
CASES = [
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6\n', [2]),
    ('FROM centos:7\nRUN yum clean all\nRUN yum -y install httpd-2.4.6\n', [3]),
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n', []),
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6 && rm -rf /var/cache/yum/*\n', []),
    ('FROM centos:7\nRUN yum groupinstall -y Tools\n', []),
    # issue 9: a clean before the install is no clean
    ('FROM centos:7\nRUN yum clean all && yum install -y httpd-2.4.6\n', [2]),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'cache mount on /var/cache/yum': ('FROM centos:7\nRUN --mount=type=cache,target=/var/cache/yum yum install -y httpd-2.4.6\n', [2], []),
    'a clean after the install counts, even after an earlier one': (
        'FROM centos:7\nRUN yum clean all && yum install -y httpd-2.4.6 && yum clean all\n', [2], []),
    'an rm of another folder is no clean': ('FROM centos:7\nRUN yum install -y httpd-2.4.6 && rm -rf /tmp/x\n', [], [2]),
    'builder stage not in the final image': ('FROM centos:7 AS build\nRUN yum install -y gcc-4.8.5\nFROM scratch\nCOPY --from=build /usr/bin/gcc /gcc\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="yum install -y httpd-2.4.6"))
