"""DL3033 yum-unpinned: yum install without versions"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3033"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3033)
CASES = [
    ('FROM centos:7\nRUN yum install -y httpd && yum clean all\n', [2]),
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6 x.rpm && yum clean all\n', [2]),
    ('FROM centos:7\nRUN yum module install -y nodejs && yum clean all\n', [2]),
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6 /tmp/tool-1.2.rpm && yum clean all\n', []),
    ('FROM centos:7\nRUN yum module install -y nodejs:18 && yum clean all\n', []),
    ('FROM centos:7\nRUN yum install -y httpd-devel-2.4.6 && yum clean all\n', []),
    # issue 9: a version made of a variable the Dockerfile does not set pins nothing
    ('FROM centos:7\nRUN yum install -y php-${PHP_VERSION} && yum clean all\n', [2]),
    ('FROM centos:7\nRUN INSTALL_PKGS="python3 nss_wrapper" && yum install -y $INSTALL_PKGS && yum clean all\n', [2]),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    # kiali's distroless build: option values are no packages (hadolint counts them)
    'option values are not packages': ('FROM centos:7\nRUN yum install --installroot /mnt/rootfs --releasever 9 --setopt install_weak_deps=false -y bash-5.1 && yum clean all\n', [2], []),
    'package from a variable': ('FROM centos:7\nARG PKG=httpd-2.4.6\nRUN yum install -y $PKG && yum clean all\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="httpd"))


def test_the_message_names_only_packages_not_option_values(tmp_path):
    from ruletest import check

    text = "FROM centos:7\nRUN yum install --installroot /mnt/rootfs --releasever 9 --setopt install_weak_deps=false -y bash openssl && yum clean all\n"
    (finding,) = check(tmp_path, text, code=CODE)
    assert finding.message.startswith("`yum install` of bash, openssl without")
