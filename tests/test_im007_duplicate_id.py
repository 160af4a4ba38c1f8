"""IM007 duplicate-id."""

from __future__ import annotations

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings

GROUP = b"root:x:0:\nstaff:x:50:\napp:x:1000:\n"


def test_duplicate_uid_fires_naming_both(tmp_path):
    layers = [{"/etc/passwd": PASSWD + b"admin:x:0:0::/root:/bin/sh\n", "/etc/group": GROUP}]
    (finding,) = image_findings(tmp_path, layers, "IM007")
    assert finding.path_in_image == "/etc/passwd"
    assert finding.message == "UID 0 is shared by 2 users in /etc/passwd: root (line 1), admin (line 3)"
    assert "DKL-LI-0002" in finding.aliases


def test_duplicate_gid_fires(tmp_path):
    layers = [{"/etc/passwd": PASSWD, "/etc/group": GROUP + b"devs:x:1000:\n"}]
    (finding,) = image_findings(tmp_path, layers, "IM007")
    assert finding.path_in_image == "/etc/group" and "GID 1000" in finding.message and "app (line 3), devs (line 4)" in finding.message


def test_unique_ids_are_silent(tmp_path):
    assert image_findings(tmp_path, [{"/etc/passwd": PASSWD, "/etc/group": GROUP}], "IM007") == []


def test_allow_options(tmp_path):
    layers = [{"/etc/passwd": PASSWD + b"admin:x:0:0::/root:/bin/sh\n", "/etc/group": GROUP + b"devs:x:1000:\n"}]
    config = {"rules": {"IM007": {"allow-uids": [0], "allow-gids": [1000]}}}
    assert image_findings(tmp_path, layers, "IM007", config=config) == []


def test_with_the_dockerfile_each_file_points_at_its_last_writer(tmp_path):
    steps = ["RUN useradd -o -u 0 admin", "RUN groupadd -g 1000 devs"]
    layers = [{"/etc/passwd": PASSWD, "/etc/group": GROUP}, {"/etc/passwd": PASSWD + b"admin:x:0:0::/root:/bin/sh\n"},
              {"/etc/group": GROUP + b"devs:x:1000:\n"}]
    found = image_findings(tmp_path, layers, "IM007", history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert {f.path_in_image: f.line for f in found} == {"/etc/passwd": 2, "/etc/group": 3}
