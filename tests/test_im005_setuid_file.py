"""IM005 setuid-file."""

from __future__ import annotations

from image_ruletest import PASSWD, image_findings
from image_synth import File

LAYERS = [
    {"/etc/passwd": PASSWD, "/bin/su": File(b"su", mode=0o4755), "/usr/bin/passwd": File(b"pw", mode=0o4755), "/usr/bin/chage": File(b"c", mode=0o2755, gid=42)},
    {"/usr/bin/sudo": File(b"sudo", mode=0o4755), "/usr/local/bin/tool": File(b"t", mode=0o2755, gid=50), "/usr/local/bin/plain": File(b"p", mode=0o755)},
]
HISTORY = [{"created_by": "ADD base"}, {"created_by": "RUN /bin/sh -c apt-get install -y sudo"}]


def test_setuid_and_setgid_files_beyond_the_base_fire(tmp_path):
    found = image_findings(tmp_path, LAYERS, "IM005", history=HISTORY)
    assert [f.path_in_image for f in found] == ["/usr/bin/sudo", "/usr/local/bin/tool"]
    sudo, tool = found
    assert "is setuid (-rwsr-xr-x, runs as uid 0)" in sudo.message and "RUN apt-get install -y sudo" in sudo.message
    assert "is setgid (-rwxr-sr-x, runs as gid 50)" in tool.message
    assert "chmod u-s,g-s /usr/bin/sudo" in sudo.fix
    assert sudo.severity.label == "warning" and "CIS-DI-0008" in sudo.aliases


def test_empty_allow_list_reports_every_one_like_dockle(tmp_path):
    found = image_findings(tmp_path, LAYERS, "IM005", config={"rules": {"IM005": {"allow": []}}})
    assert len(found) == 5


def test_allow_globs_and_setgid_option(tmp_path):
    config = {"rules": {"IM005": {"allow": ["/usr/bin/*", "/bin/*"], "setgid": False}}}
    assert image_findings(tmp_path, LAYERS, "IM005", config=config) == []


def test_plain_executables_are_silent(tmp_path):
    assert image_findings(tmp_path, [{"/etc/passwd": PASSWD, "/usr/bin/x": File(b"x", mode=0o1777)}], "IM005") == []


def test_with_the_dockerfile_the_finding_is_on_the_instruction_that_set_the_bit(tmp_path):
    dockerfile = "FROM debian:12\nRUN apt-get install -y sudo\n"
    found = image_findings(tmp_path, LAYERS, "IM005", history=HISTORY, dockerfile=dockerfile, config={"rules": {"IM005": {"allow": []}}})
    lines = {f.path_in_image: f.line for f in found}
    assert lines["/usr/bin/sudo"] == 2 and lines["/usr/local/bin/tool"] == 2
    assert lines["/bin/su"] is None, "the base image's layer maps to no instruction"
