"""IM012 exposed-port."""

from __future__ import annotations

import pytest

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings

BASE = [{"/etc/passwd": PASSWD}]


def ports(*names):
    return {"ExposedPorts": {n: {} for n in names}}


def test_ssh_is_denied_by_default(tmp_path):
    (finding,) = image_findings(tmp_path, BASE, "IM012", runtime=ports("22/tcp", "8080/tcp"))
    assert finding.message == "the image exposes port 22/tcp, which the policy denies (22)"
    assert "EXPOSE 22" in finding.fix


def test_ordinary_ports_are_silent_by_default(tmp_path):
    assert image_findings(tmp_path, BASE, "IM012", runtime=ports("8080/tcp", "53/udp")) == []


def test_allowed_list_with_ranges_and_protocols(tmp_path):
    config = {"rules": {"IM012": {"allowed": ["8000-8999", "53/udp", 443]}}}
    found = image_findings(tmp_path, BASE, "IM012", runtime=ports("8080/tcp", "53/udp", "53/tcp", "443/tcp", "9090/tcp"), config=config)
    assert [f.message for f in found] == [
        "the image exposes port 53/tcp, which is not in the allowed ports (8000-8999, 53/udp, 443)",
        "the image exposes port 9090/tcp, which is not in the allowed ports (8000-8999, 53/udp, 443)",
    ]


def test_denied_can_be_changed(tmp_path):
    assert image_findings(tmp_path, BASE, "IM012", runtime=ports("22/tcp"), config={"rules": {"IM012": {"denied": []}}}) == []


@pytest.mark.parametrize("bad", ["80-", "http", "80/icmp"])
def test_bad_port_specs_are_rejected_by_the_schema(tmp_path, bad):
    from imagepolicy.model import InputError

    with pytest.raises(InputError, match="IM012"):
        image_findings(tmp_path, BASE, "IM012", config={"rules": {"IM012": {"allowed": [bad]}}})


def test_with_the_dockerfile_the_finding_is_on_the_expose_line(tmp_path):
    steps = ["EXPOSE 8080", "EXPOSE 22/tcp 2222"]
    (finding,) = image_findings(tmp_path, BASE, "IM012", runtime=ports("22/tcp", "2222/tcp", "8080/tcp"),
                                history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert finding.file.endswith("Dockerfile") and finding.line == 3
