"""IM002 missing-healthcheck."""

from __future__ import annotations

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings

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


def test_with_the_dockerfile_the_finding_is_on_the_final_stages_from(tmp_path):
    steps = ["COPY . /app", 'CMD ["python", "-m", "acme"]']
    dockerfile = "FROM python:3.12 AS build\nRUN make\n\n" + dockerfile_of(steps, base="python:3.12-slim")
    (finding,) = image_findings(tmp_path, BASE + [{"/app/main.py": b""}], "IM002", runtime={"Cmd": ["python", "-m", "acme"]},
                                history=buildkit_history(steps), dockerfile=dockerfile)
    assert finding.file.endswith("Dockerfile") and finding.line == 4


def test_a_dockerfile_with_a_healthcheck_did_not_build_this_image(tmp_path):
    steps = ["COPY . /app", "HEALTHCHECK CMD true", 'CMD ["app"]']
    (finding,) = image_findings(tmp_path, BASE + [{"/app/main.py": b""}], "IM002", runtime={"Cmd": ["app"]},
                                history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert finding.line is None and finding.file.endswith(".tar")
