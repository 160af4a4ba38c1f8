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
    # kiali's distroless build: option values are no packages (hadolint counts them)
    'option values are not packages': ('FROM fedora:40\nRUN dnf install --installroot /mnt/rootfs --releasever 9 --setopt install_weak_deps=false -y bash-5.1 && dnf clean all\n', [2], []),
    'package from a variable': ('FROM fedora:40\nARG PKG=httpd-2.4.62\nRUN dnf install -y $PKG && dnf clean all\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="httpd"))


def test_the_message_names_only_packages_not_option_values(tmp_path):
    from ruletest import check

    text = "FROM fedora:40\nRUN dnf install --installroot /mnt/rootfs --releasever 9 --setopt install_weak_deps=false -y bash openssl && dnf clean all\n"
    (finding,) = check(tmp_path, text, code=CODE)
    assert finding.message.startswith("`dnf install` of bash, openssl without")
