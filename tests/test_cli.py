"""The command line as a user runs it: exit codes, reports on disk, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import clirun

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "service"


def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """``imagepolicy ARGS`` in this process (``clirun``): what it prints and its exit code are the command's."""
    return clirun.run(*args, cwd=cwd or REPO, env={**os.environ, "NO_COLOR": "1", **(env or {})})


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the bundled example, outside any config of this repository."""
    dest = tmp_path / "service"
    shutil.copytree(EXAMPLE, dest)
    (dest / ".git").mkdir()  # stop config discovery here
    return dest


def test_broken_example_reports_py001_on_the_run_line_in_text_json_and_junit(example):
    junit, js = example / "out" / "report.xml", example / "out" / "report.json"
    proc = run("check", "Dockerfile.broken", "--junit", str(junit), "--json", str(js), cwd=example)
    assert proc.returncode == 1, proc.stderr
    assert "Dockerfile.broken:4 PY001 error" in proc.stdout
    assert "fix: Move `COPY src/ ./src/` (line 6) above this RUN" in proc.stdout
    data = json.loads(js.read_text())
    assert data["version"] == 1 and data["tool"]["name"] == "imagepolicy"
    py001 = [f for f in data["findings"] if f["rule"] == "PY001"]
    assert [(f["file"], f["line"], f["severity"]) for f in py001] == [("Dockerfile.broken", 4, "error")]
    assert set(py001[0]) >= {"rule", "name", "aliases", "severity", "file", "line", "end_line", "path_in_image", "message"}
    assert data["summary"]["error"] == 1
    assert data["summary"]["warning"] == sum(f["severity"] == "warning" for f in data["findings"]) >= 1
    assert ("PY002", 4) not in {(f["rule"], f["line"]) for f in data["findings"]}  # the editable folder stays in the image (PY002 docs)
    root = ET.parse(junit).getroot()
    failing = [tc for tc in root.iter("testcase") if tc.find("failure") is not None]
    assert {(tc.get("file"), tc.get("line")) for tc in failing} == {("Dockerfile.broken", "4")}
    assert any("PY001" in tc.get("name") for tc in failing)


def test_process_substitution_under_sh_is_an_error_on_its_line(example):
    proc = run("check", "Dockerfile.multistage", "--format", "json", cwd=example)
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    errors = [(f["rule"], f["line"]) for f in findings if f["severity"] == "error"]
    assert ("SC3001", 9) in errors


def test_fixed_example_is_clean(example):
    proc = run("check", "Dockerfile", "--format", "json", cwd=example)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rules = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    assert not rules & {"PY001", "PY002"}


def test_folder_argument_finds_every_dockerfile(example):
    proc = run("check", ".", "--format", "json", cwd=example)
    files = {f["file"] for f in json.loads(proc.stdout)["findings"]}
    assert files == {"Dockerfile.broken", "Dockerfile.multistage"}
    assert proc.returncode == 1


@pytest.mark.parametrize("threshold,code", [("none", 0), ("error", 1), ("warning", 1)])
def test_failure_threshold(example, threshold, code):
    assert run("check", "Dockerfile.broken", "--failure-threshold", threshold, cwd=example).returncode == code


def test_warning_threshold_from_the_config_file(example):
    (example / "Dockerfile.warn").write_text("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -e .\n")
    assert run("check", "Dockerfile.warn", cwd=example).returncode == 0
    (example / ".imagepolicy.yml").write_text("version: 1\nfailure-threshold: warning\n")
    assert run("check", "Dockerfile.warn", cwd=example).returncode == 1


def test_config_turns_a_rule_off_and_changes_severity(example):
    (example / ".imagepolicy.yml").write_text("version: 1\nrules:\n  install-before-source: warning\n  PY002: off\n")
    proc = run("check", "Dockerfile.broken", "--format", "json", cwd=example)
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["rule"], f["severity"]) for f in findings if f["rule"].startswith("PY")] == [("PY001", "warning")]
    assert proc.returncode == 0


def test_invalid_config_exits_2_with_file_line_key_and_suggestion(example):
    (example / ".imagepolicy.yml").write_text("version: 1\nrules:\n  PY01: error\n")
    proc = run("check", "Dockerfile.broken", cwd=example)
    assert proc.returncode == 2
    assert ".imagepolicy.yml:3" in proc.stderr
    assert "rules.PY01" in proc.stderr and "did you mean 'PY001'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_top_level_key_is_an_error_not_ignored(example):
    (example / ".imagepolicy.yml").write_text("version: 1\nignored:\n  - rules: [PY002]\n")
    proc = run("check", "Dockerfile.broken", cwd=example)
    assert proc.returncode == 2
    assert ".imagepolicy.yml:2" in proc.stderr and "'ignored'" in proc.stderr


def test_bad_yaml_exits_2(example):
    (example / ".imagepolicy.yml").write_text("version: 1\nrules: [\n")
    proc = run("check", "Dockerfile.broken", cwd=example)
    assert proc.returncode == 2 and ".imagepolicy.yml:" in proc.stderr and "Traceback" not in proc.stderr


def test_malformed_dockerfile_is_reported_and_the_others_still_checked(example):
    (example / "Dockerfile.bad").write_text("FROM python:3.12-slim\nRUNN echo hi\n")
    junit = example / "junit.xml"
    proc = run("check", "Dockerfile.bad", "Dockerfile.broken", "missing/Dockerfile", "--format", "json", "--junit", str(junit), cwd=example)
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert ("PY001", 4) in {(f["rule"], f["line"]) for f in data["findings"]}
    errors = {e["target"]: e["message"] for e in data["errors"]}
    assert "Dockerfile.bad:2: unknown instruction 'RUNN'" in errors["Dockerfile.bad"]
    assert "missing/Dockerfile" in errors["missing/Dockerfile"]
    assert "Dockerfile.bad:2" in proc.stderr
    root = ET.parse(junit).getroot()
    error_cases = [tc for tc in root.iter("testcase") if tc.find("error") is not None]
    assert len(error_cases) == 2
    assert "Traceback" not in proc.stderr


def test_inline_and_hadolint_pragmas(example):
    (example / "Dockerfile.pragma").write_text(
        "# imagepolicy global ignore=PY002\nFROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml README.md ./\n"
        "# hadolint ignore=SC3001\nRUN pip install -r <(pip freeze)\n# imagepolicy ignore=install-before-source\nRUN pip install -e .\nCOPY src ./src\n"
    )
    proc = run("check", "Dockerfile.pragma", "--format", "json", cwd=example)
    rules = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    assert not rules & {"PY001", "PY002", "SC3001"}, rules
    assert proc.returncode == 0


def test_config_ignore_by_path_glob(example):
    (example / ".imagepolicy.yml").write_text("version: 1\nignore:\n  - paths: ['Dockerfile.b*']\n    rules: [PY001, PY002]\n")
    proc = run("check", "Dockerfile.broken", "--format", "json", cwd=example)
    rules = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    assert not rules & {"PY001", "PY002"} and proc.returncode == 0


def test_build_arg_reaches_from_and_paths(example):
    (example / "Dockerfile.args").write_text("ARG DIR=/srv\nFROM python:3.12-slim\nARG DIR\nWORKDIR $DIR\nCOPY pyproject.toml README.md ./\nRUN pip install .\nCOPY src ./src\n")
    proc = run("check", "Dockerfile.args", "--build-arg", "DIR=/opt/app", "--format", "json", cwd=example)
    (f,) = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "PY001"]
    assert "/opt/app/src/datastore" in f["message"]


def test_build_arg_without_value_comes_from_the_environment_or_not_at_all(example):
    # As `docker build --build-arg BASE`: a name the environment lacks is not passed, so the file is
    # linted as without the flag (it was refused: "FROM ${BASE} expands to an empty image name").
    (example / "Dockerfile.base").write_text("ARG BASE\nFROM ${BASE}\nRUN [[ -d /opt ]] && echo yes\n")
    env = {key: value for key, value in os.environ.items() if key != "BASE"}
    unset = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "Dockerfile.base", "--build-arg", "BASE",
                            "--format", "json"], cwd=example, env={**env, "NO_COLOR": "1"},
                           capture_output=True, text=True, timeout=120)
    without = run("check", "Dockerfile.base", "--format", "json", cwd=example)
    assert unset.returncode == 0 and json.loads(unset.stdout)["errors"] == []
    assert json.loads(unset.stdout)["findings"] == json.loads(without.stdout)["findings"]
    alpine = run("check", "Dockerfile.base", "--build-arg", "BASE", "--format", "json", cwd=example,
                 env={"BASE": "alpine:3.20"})
    assert "SC3010" not in {f["rule"] for f in json.loads(alpine.stdout)["findings"]}  # busybox ash runs [[


def test_colour_only_when_asked_or_on_a_tty(example):
    plain = run("check", "Dockerfile.broken", cwd=example)
    assert "\x1b[" not in plain.stdout
    coloured = run("check", "Dockerfile.broken", "--color", "always", cwd=example)
    assert "\x1b[" in coloured.stdout


def test_output_file_and_every_format_agree(example):
    out = example / "out"
    proc = run("check", ".", "--format", "sarif", "--output", str(out / "r.sarif"), "--json", str(out / "r.json"),
               "--junit", str(out / "r.xml"), "--codeclimate", str(out / "cq.json"), cwd=example)
    assert proc.returncode == 1 and proc.stdout == ""
    findings = json.loads((out / "r.json").read_text())["findings"]
    sarif = json.loads((out / "r.sarif").read_text())
    cq = json.loads((out / "cq.json").read_text())
    junit_failures = [tc for tc in ET.parse(out / "r.xml").getroot().iter("testcase") if tc.find("failure") is not None]
    expected = sorted((f["rule"], f["line"]) for f in findings)
    assert sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in sarif["runs"][0]["results"]) == expected
    assert sorted((i["check_name"], i["location"]["lines"]["begin"]) for i in cq) == expected
    assert len(junit_failures) == len(findings)


def test_no_arguments_and_no_dockerfile_is_a_usage_error(tmp_path):
    proc = run("check", cwd=tmp_path)
    assert proc.returncode == 2 and "nothing to check" in proc.stderr


def test_an_empty_image_value_is_a_usage_error_that_names_the_flag(tmp_path):
    # it was ".: error: : no such file or folder", naming neither the flag nor the value
    proc = run("check", "--image", "", cwd=tmp_path)
    assert proc.returncode == 2 and "--image '': an empty value" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_format_is_a_usage_error(example):
    proc = run("check", "Dockerfile", "--format", "xml", cwd=example)
    assert proc.returncode == 2 and "unknown format" in proc.stderr


def test_rules_json_contract():
    proc = run("rules", "--format", "json")
    rows = json.loads(proc.stdout)
    assert proc.returncode == 0
    by_code = {r["rule"]: r for r in rows}
    assert by_code["PY001"] == {"rule": "PY001", "name": "install-before-source", "aliases": [], "severity": "error",
                                "target": "dockerfile", "description": by_code["PY001"]["description"], "fix": "sometimes"}
    assert all(set(r) == {"rule", "name", "aliases", "severity", "target", "description", "fix"} for r in rows)
    assert by_code["DL3042"]["fix"] == "safe" and by_code["DL3015"]["fix"] == "unsafe" and by_code["DL3008"]["fix"] is None


def test_explain_prints_the_docs_and_suggests_on_typos():
    proc = run("explain", "install-before-source")
    assert proc.returncode == 0
    assert proc.stdout.startswith("PY001 install-before-source (error, dockerfile)")
    assert "## Use instead" in proc.stdout
    typo = run("explain", "PY01")
    assert typo.returncode == 2 and "did you mean" in typo.stderr


def test_committed_schema_is_fresh():
    proc = run("schema")
    committed = (REPO / "schemas" / "imagepolicy.schema.json").read_text()
    assert proc.stdout == committed, "run `imagepolicy schema > schemas/imagepolicy.schema.json`"


def test_dockerfile_from_standard_input_uses_the_working_directory_as_context(example):
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "-", "--format", "json"], cwd=example,
                          input=(example / "Dockerfile.broken").read_text(), capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert ("-", 4, "PY001") in {(f["file"], f["line"], f["rule"]) for f in json.loads(proc.stdout)["findings"]}


def test_text_errors_name_the_file_once(example):
    (example / "Dockerfile.bad").write_text("FROM python:3.12-slim\nRUNN echo hi\n")
    proc = run("check", "Dockerfile.bad", cwd=example)
    assert "Dockerfile.bad:2: error: unknown instruction 'RUNN'" in proc.stdout
    assert "Dockerfile.bad: error: Dockerfile.bad" not in proc.stdout



def test_errors_of_targets_with_colons_name_the_whole_target(example, tmp_path):
    # An image reference or a path with a colon was cut at its first colon: `docker-daemon: error: app:ci: ...`.
    (example / "v1:beta").mkdir()
    (example / "v1:beta" / "Dockerfile").write_text("FROM python:3.12-slim\nRUNN echo hi\n")
    summary = example / "summary.md"
    proc = run("check", "v1:beta/Dockerfile", "--image", "docker-daemon:app:ci", "--github-summary", str(summary),
               cwd=example, env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    assert "v1:beta/Dockerfile:2: error: unknown instruction 'RUNN'" in lines[0]
    assert any(line.startswith("docker-daemon:app:ci: error: cannot reach the Docker daemon at unix://")
               for line in lines), proc.stdout
    items = [line for line in summary.read_text().splitlines() if line.startswith("- ")]
    assert [item.split(": ", 1)[0] for item in items] == ["- v1:beta/Dockerfile:2", "- docker-daemon:app:ci"]

def test_an_image_with_several_dockerfiles_gets_a_note_about_pairing(example):
    (example / "image.tar").write_bytes(b"not an archive")
    proc = run("check", ".", "--image", "image.tar", cwd=example)
    assert "note:" in proc.stderr and "give the one Dockerfile that built the image" in proc.stderr
