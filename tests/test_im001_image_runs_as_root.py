"""IM001 image-runs-as-root, through the real engine on synthesized images."""

from __future__ import annotations

import pytest

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings

BASE = [{"/etc/passwd": PASSWD}]


@pytest.mark.parametrize("user, shown", [(None, "sets no User"), ("root", "'root'"), ("0", "'0'"), ("0:0", "'0:0'"), ("root:app", "'root:app'")])
def test_root_users_fire(tmp_path, user, shown):
    runtime = {"User": user} if user is not None else {}
    (finding,) = image_findings(tmp_path, BASE, "IM001", runtime=runtime)
    assert finding.severity.label == "warning"
    assert shown in finding.message and "root" in finding.message
    assert "CIS-DI-0001" in finding.aliases
    assert "USER" in finding.fix


def test_a_name_with_uid_zero_in_passwd_fires(tmp_path):
    layers = [{"/etc/passwd": PASSWD + b"toor:x:0:0::/root:/bin/sh\n"}]
    (finding,) = image_findings(tmp_path, layers, "IM001", runtime={"User": "toor"})
    assert finding.path_in_image == "/etc/passwd"
    assert "'toor' has UID 0" in finding.message


@pytest.mark.parametrize("user", ["app", "1000", "1000:1000", "10001", "app:root", "nobody-unknown"])
def test_non_root_users_are_silent(tmp_path, user):
    assert image_findings(tmp_path, BASE, "IM001", runtime={"User": user}) == []


def test_allow_option_accepts_root(tmp_path):
    assert image_findings(tmp_path, BASE, "IM001", config={"rules": {"IM001": {"allow": True}}}) == []


def test_allowed_users_option(tmp_path):
    config = {"rules": {"IM001": {"allowed-users": ["root"]}}}
    assert image_findings(tmp_path, BASE, "IM001", runtime={"User": "root"}, config=config) == []
    assert len(image_findings(tmp_path, BASE, "IM001", runtime={"User": "0"}, config=config)) == 1


def test_the_dockle_code_turns_it_off(tmp_path):
    assert image_findings(tmp_path, BASE, "IM001", config={"rules": {"CIS-DI-0001": "off"}}) == []


def test_with_the_dockerfile_the_finding_is_on_its_user_line(tmp_path):
    steps = ["RUN useradd --uid 10001 app", "USER root", 'CMD ["app"]']
    layers = BASE + [{"/etc/passwd": PASSWD + b"app2:x:10001:10001::/home/app2:/bin/sh\n"}]
    (finding,) = image_findings(tmp_path, layers, "IM001", runtime={"User": "root", "Cmd": ["app"]},
                                history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert finding.file.endswith("Dockerfile") and (finding.line, finding.end_line) == (3, 3)


def test_a_user_the_dockerfile_did_not_set_stays_on_the_image(tmp_path):
    steps = ['CMD ["app"]']
    (finding,) = image_findings(tmp_path, BASE, "IM001", runtime={"User": "0"}, history=buildkit_history(steps),
                                dockerfile=dockerfile_of(steps))
    assert finding.line is None and finding.file.endswith(".tar")
