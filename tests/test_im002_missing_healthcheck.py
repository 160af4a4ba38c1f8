"""IM002 missing-healthcheck."""

from __future__ import annotations

from test_image_secrets import PASSWD, image_findings

BASE = [{"/etc/passwd": PASSWD}]


def test_no_healthcheck_fires(tmp_path):
    (finding,) = image_findings(tmp_path, BASE, "IM002", runtime={"Cmd": ["python", "-m", "acme"]})
    assert finding.severity.label == "info"
    assert "no HEALTHCHECK" in finding.message
    assert "CIS-DI-0006" in finding.aliases


def test_a_healthcheck_is_silent(tmp_path):
    runtime = {"Cmd": ["app"], "Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "Interval": 30000000000}}
    assert image_findings(tmp_path, BASE, "IM002", runtime=runtime) == []


def test_healthcheck_none_is_a_decision(tmp_path):
    assert image_findings(tmp_path, BASE, "IM002", runtime={"Cmd": ["app"], "Healthcheck": {"Test": ["NONE"]}}) == []


def test_images_that_run_nothing_are_skipped_unless_asked(tmp_path):
    assert image_findings(tmp_path, BASE, "IM002") == []
    config = {"rules": {"IM002": {"skip-without-command": False}}}
    assert len(image_findings(tmp_path, BASE, "IM002", config=config)) == 1
