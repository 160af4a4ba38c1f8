"""DL3030 yum-missing-yes: yum install without -y"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3030"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3030)
CASES = [
    ('FROM centos:7\nRUN yum install httpd-2.4.6 && yum clean all\n', [2]),
    ("FROM centos:7\nRUN yum clean all\nRUN yum groupinstall 'Dev Tools' && yum localinstall x-1.rpm\n", [3]),
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n', []),
    ('FROM centos:7\nRUN yum --assumeyes install httpd-2.4.6 && yum clean all\n', []),
    ('FROM centos:7\nRUN yum update && yum list installed\n', []),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, message_contains="yum install httpd-2.4.6"))
