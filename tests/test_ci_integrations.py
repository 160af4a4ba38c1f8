"""The CI integrations besides the GitHub Action: GitLab template, Jenkinsfile, pre-commit hook,
the example pipelines, docs/ci.md and the README's CI snippets, and ``--shard``.

Every file is validated against the CI's official schema (``shared/external-schemas``), and the
shell each CI would run is run here on a copy of the example service (two broken Dockerfiles and a
fixed one) with the installed ``imagepolicy``: the GitLab job script under ``sh`` (dash), the
Jenkins stage's script likewise. The tests then read the reports where the CI would look for them
(``artifacts:reports``, ``junit testResults``, ``sarif(pattern:)``).
"""

from __future__ import annotations

import fnmatch
import json
import os
import random
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from imagepolicy.model import SEVERITY_LABELS, InputError
from imagepolicy.shard import parse_shard, select, shard_key

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "service"
GITLAB_TEMPLATE = ROOT / ".gitlab-ci-template.yml"
GITLAB_EXAMPLE = ROOT / "examples" / "gitlab-ci.yml"
GITHUB_EXAMPLE = ROOT / "examples" / "github-workflow.yml"
JENKINSFILE = ROOT / "examples" / "Jenkinsfile"
PRE_COMMIT_HOOKS = ROOT / ".pre-commit-hooks.yaml"
README = ROOT / "README.md"
CI_PAGE = ROOT / "docs" / "ci.md"
INPUT_REF = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]")
BIN = Path(sys.executable).parent


def _schemas_dir() -> Path:
    for candidate in (ROOT.parent / "shared" / "external-schemas", Path("/work/shared/external-schemas")):
        if candidate.is_dir():
            return candidate
    pytest.skip("external schemas not found in ../shared/external-schemas nor /work/shared/external-schemas")


def _validator(name: str):
    import jsonschema

    return jsonschema.Draft7Validator(json.loads((_schemas_dir() / name).read_text(encoding="utf-8")))


def _problems(validator, document: Any) -> str:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors)


def _yaml_documents(path: Path) -> list[Any]:
    import yaml

    return list(yaml.safe_load_all(path.read_text(encoding="utf-8")))


def _package_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def _check_flags() -> set[str]:
    """The long options ``imagepolicy check --help`` lists."""
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--help"], capture_output=True, text=True)
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", proc.stdout))


def _has_shard_flag() -> bool:
    return "--shard" in _check_flags()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checkout of the example service."""
    target = tmp_path / "project"
    shutil.copytree(EXAMPLE, target)
    return target


def _ci_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A CI-like environment with the installed imagepolicy first on PATH."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}", "HOME": str(home),
            "LANG": "C.UTF-8", "CI": "true", **extra}


def _code_quality_ok(issues: list[dict[str, Any]]) -> None:
    """Every Code Quality issue is valid against GitLab's schema; fingerprints are unique."""
    validator = _validator("gitlab-codeclimate.json")
    for issue in issues:
        assert not _problems(validator, issue), _problems(validator, issue)
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


# --- GitLab: the include template -------------------------------------------------------------


def _template() -> tuple[dict[str, Any], dict[str, Any]]:
    header, jobs = _yaml_documents(GITLAB_TEMPLATE)
    return header, jobs


def interpolate(node: Any, inputs: dict[str, Any]) -> Any:
    """GitLab's ``$[[ inputs.x ]]`` interpolation over keys and string values of a parsed document."""
    if isinstance(node, dict):
        return {interpolate(key, inputs): interpolate(value, inputs) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, inputs) for item in node]
    if isinstance(node, str):
        def replace(match: re.Match[str]) -> str:
            assert match[1] in inputs, f"$[[ inputs.{match[1]} ]] is not declared under spec:inputs"
            return str(inputs[match[1]])

        return INPUT_REF.sub(replace, node)
    return node


def gitlab_job(inputs: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The template's job (name, definition) after interpolating ``inputs`` over the defaults."""
    header, jobs = _template()
    values = {name: spec.get("default", "") for name, spec in header["spec"]["inputs"].items()}
    values.update(inputs or {})
    [(name, job)] = interpolate(jobs, values).items()
    return name, job


def run_gitlab_job(tmp_path: Path, workspace: Path, inputs: dict[str, Any] | None = None,
                   **ci: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run the job's ``script:`` as the runner would (``sh -e``) in ``workspace``; ``before_script`` is
    replaced by the installed imagepolicy (its pip command is tested separately)."""
    _, job = gitlab_job(inputs)
    env = _ci_env(tmp_path, CI_PROJECT_DIR=str(workspace), **ci)
    for key, value in job["variables"].items():
        env[key] = re.sub(r"\$\{?CI_PROJECT_DIR\}?", str(workspace), str(value))
    script = "\n".join(job["script"])
    proc = subprocess.run(["sh", "-e", "-c", script], cwd=workspace, env=env, capture_output=True, text=True,
                          timeout=120)
    return proc, job


def _job_reports(workspace: Path, job: dict[str, Any]) -> tuple[ET.Element, list[dict[str, Any]]]:
    """The JUnit and Code Quality reports where ``artifacts:reports`` tells GitLab to look."""
    reports = job["artifacts"]["reports"]
    junit = ET.parse(workspace / reports["junit"]).getroot()
    issues = json.loads((workspace / reports["codequality"]).read_text(encoding="utf-8"))
    return junit, issues


def test_gitlab_template_documents_validate_against_the_gitlab_ci_schema() -> None:
    validator = _validator("gitlab-ci.json")
    documents = _yaml_documents(GITLAB_TEMPLATE)
    assert len(documents) == 2, "a spec: header, ---, then the jobs"
    assert set(documents[0]) == {"spec"}
    for number, document in enumerate(documents):
        assert not _problems(validator, document), f"document {number}:\n{_problems(validator, document)}"


def test_gitlab_template_inputs_are_typed_described_and_all_used() -> None:
    header, jobs = _template()
    inputs = header["spec"]["inputs"]
    assert {"stage", "job-prefix", "dockerfiles", "image-archive", "context", "config", "failure-threshold",
            "python-image", "version"} <= set(inputs)
    for name, spec in inputs.items():
        assert spec.get("type") == "string", f"{name}: give every input an explicit type"
        assert spec.get("description"), f"{name}: no description"
    used = set(INPUT_REF.findall(GITLAB_TEMPLATE.read_text(encoding="utf-8").split("\n---\n", 1)[1]))
    assert used == set(inputs)
    assert inputs["version"]["default"] == _package_version(), "the template pins the current release"


def test_gitlab_failure_threshold_input_accepts_what_the_cli_accepts() -> None:
    spec = _template()[0]["spec"]["inputs"]["failure-threshold"]
    pattern = re.compile(spec["regex"])
    for value in ["", *SEVERITY_LABELS, "none"]:
        assert pattern.search(value), value
    for value in ["fatal", "errors", " error", "error,warning"]:
        assert not pattern.search(value), value
    assert pattern.search(spec["default"])


def test_gitlab_job_declares_junit_and_code_quality_reports_always_uploaded() -> None:
    name, job = gitlab_job({"job-prefix": "api-", "stage": "lint"})
    assert name == "api-imagepolicy" and job["stage"] == "lint"
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always" and artifacts["expire_in"]
    assert set(artifacts["reports"]) == {"junit", "codequality"}
    for path in artifacts["reports"].values():
        assert any(fnmatch.fnmatch(path, pattern.rstrip("/") + "/*") for pattern in artifacts["paths"])


@pytest.mark.parametrize(("version", "requirement"), [("0.1.0", "imagepolicy==0.1.0"), ("", "imagepolicy")])
def test_gitlab_before_script_installs_the_pinned_release(tmp_path: Path, version: str, requirement: str) -> None:
    _, job = gitlab_job({"version": version})
    [install] = [line for line in job["before_script"] if "pip install" in line]
    assert "-e " not in install
    spec = re.search(r'"(imagepolicy[^"]*)"', install)[1]
    env = _ci_env(tmp_path, IMAGEPOLICY_VERSION=job["variables"]["IMAGEPOLICY_VERSION"])
    shown = subprocess.run(["sh", "-c", f'printf %s "{spec}"'], env=env, capture_output=True, text=True).stdout
    assert shown == requirement


def test_gitlab_job_on_the_broken_example_fails_and_writes_valid_reports(tmp_path: Path, workspace: Path) -> None:
    proc, job = run_gitlab_job(tmp_path, workspace, {"dockerfiles": "."})
    assert proc.returncode == 1, proc.stderr
    assert "Dockerfile.broken:4 PY001" in proc.stdout, "the job log shows the text report"
    assert "failing the job" in proc.stderr
    junit, issues = _job_reports(workspace, job)
    _code_quality_ok(issues)
    critical = {issue["location"]["path"] for issue in issues if issue["severity"] == "critical"}
    assert critical == {"Dockerfile.broken", "Dockerfile.multistage"}, "errors are critical; the fixed Dockerfile has none"
    assert "major" in {issue["severity"] for issue in issues}, "the PY002 warning"
    assert len(junit.findall(".//failure")) == len(issues)

    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is a test dependency (pyproject test extra)")
    for case in junit.iter("testcase"):  # GitLab reads file/line; the xunit XSD does not know them (see junit.py)
        case.attrib.pop("file", None)
        case.attrib.pop("line", None)
    xmlschema.XMLSchema(str(_schemas_dir() / "junit-10.xsd")).validate(junit)


def test_gitlab_job_passes_on_the_fixed_dockerfile(tmp_path: Path, workspace: Path) -> None:
    proc, job = run_gitlab_job(tmp_path, workspace, {"dockerfiles": "Dockerfile"})
    assert proc.returncode == 0, proc.stderr
    junit, issues = _job_reports(workspace, job)
    assert not [issue for issue in issues if issue["severity"] in ("critical", "blocker")]
    assert junit.findall(".//testcase") and len(junit.findall(".//failure")) == len(issues)


def test_gitlab_failure_threshold_none_reports_without_failing(tmp_path: Path, workspace: Path) -> None:
    proc, job = run_gitlab_job(tmp_path, workspace, {"dockerfiles": ".", "failure-threshold": "none"})
    assert proc.returncode == 0, proc.stderr
    assert _job_reports(workspace, job)[1], "the findings are still in the Code Quality report"


def test_gitlab_image_archive_input_reaches_the_check(tmp_path: Path, workspace: Path) -> None:
    (workspace / "image.tar").write_bytes(b"not an archive")
    proc, job = run_gitlab_job(tmp_path, workspace, {"dockerfiles": "Dockerfile", "image-archive": "image.tar"})
    assert proc.returncode == 2
    assert "input or usage error" in proc.stderr
    issues = _job_reports(workspace, job)[1]
    _code_quality_ok(issues)
    assert [i["location"]["path"] for i in issues if i["severity"] == "blocker"] == ["image.tar"]


def test_gitlab_inputs_with_shell_syntax_are_only_paths(tmp_path: Path, workspace: Path) -> None:
    marker = tmp_path / "pwned"
    proc, _ = run_gitlab_job(tmp_path, workspace, {"dockerfiles": f"$(touch {marker}) ;touch {marker}",
                                                   "failure-threshold": "none"})
    assert not marker.exists()
    assert proc.returncode == 2 and "$(touch" in proc.stdout + proc.stderr


def test_gitlab_merge_request_fails_with_exactly_the_added_finding(tmp_path: Path, workspace: Path) -> None:
    """In a merge request pipeline the job compares with CI_MERGE_REQUEST_DIFF_BASE_SHA (new-from-rev: auto)."""
    from test_action_harness import _pull_request

    base = _pull_request(workspace)
    merge_request = {"CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
                     "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    proc, job = run_gitlab_job(tmp_path, workspace, {"dockerfiles": "."}, **merge_request)
    assert proc.returncode == 1, proc.stderr
    junit, issues = _job_reports(workspace, job)
    _code_quality_ok(issues)
    [failure] = [case for case in junit.iter("testcase") if case.find("failure") is not None]
    assert (failure.get("file"), failure.get("line"), failure.get("name")) == (
        "Dockerfile.broken", "2", "DL3004 sudo-in-run (line 2)")
    # Code Quality keeps the old issues: GitLab shows the merge request's new ones by comparing fingerprints with
    # the target branch's report, which has them all (a report without them would list every old issue as fixed).
    from test_adoption import git

    git(workspace, "checkout", "-q", "main")
    _, branch = run_gitlab_job(tmp_path, workspace, {"dockerfiles": "."})
    branch_issues = _job_reports(workspace, branch)[1]
    git(workspace, "checkout", "-q", "feature")
    new = {i["fingerprint"] for i in issues} - {i["fingerprint"] for i in branch_issues}
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"])
            for i in issues if i["fingerprint"] in new] == [("DL3004", "Dockerfile.broken", 2)]
    proc, job = run_gitlab_job(tmp_path, workspace, {"dockerfiles": "."}, **merge_request)
    assert f"outside the change since {base}" in proc.stdout

    proc, job = run_gitlab_job(tmp_path, workspace, {"dockerfiles": ".", "new-from-rev": "none"}, **merge_request)
    assert proc.returncode == 1 and len(_job_reports(workspace, job)[0].findall(".//failure")) > 1, \
        "new-from-rev: none reports everything"


@pytest.mark.skipif(not _has_shard_flag(), reason="the CLI has no --shard flag yet")
def test_gitlab_parallel_jobs_together_report_every_finding_once(tmp_path: Path, workspace: Path) -> None:
    """``parallel: 2``: GitLab concatenates the Code Quality arrays of the two jobs."""
    inputs = {"dockerfiles": ".", "failure-threshold": "none"}
    whole_proc, job = run_gitlab_job(tmp_path, workspace, inputs)
    whole = {issue["fingerprint"] for issue in _job_reports(workspace, job)[1]}
    merged: list[str] = []
    for index in (1, 2):
        proc, job = run_gitlab_job(tmp_path, workspace, inputs, CI_NODE_INDEX=str(index), CI_NODE_TOTAL="2")
        assert proc.returncode == 0, proc.stderr
        merged += [issue["fingerprint"] for issue in _job_reports(workspace, job)[1]]
    assert sorted(merged) == sorted(whole)


# --- GitLab: the example pipeline -------------------------------------------------------------


def test_gitlab_example_validates_and_feeds_the_image_archive_to_the_included_job() -> None:
    validator = _validator("gitlab-ci.json")
    [pipeline] = _yaml_documents(GITLAB_EXAMPLE)
    assert not _problems(validator, pipeline), _problems(validator, pipeline)
    [include] = pipeline["include"]
    assert include["remote"].endswith("/.gitlab-ci-template.yml")
    declared = _template()[0]["spec"]["inputs"]
    assert set(include["inputs"]) <= set(declared)
    job_name, job = gitlab_job(include["inputs"])
    archive = include["inputs"]["image-archive"]
    builders = [name for name, body in pipeline.items() if isinstance(body, dict) and archive in body.get("artifacts", {}).get("paths", [])]
    assert builders, "a job must publish the image archive as an artifact"
    assert pipeline[job_name]["needs"] == [{"job": builders[0], "artifacts": True}]
    stages = pipeline["stages"]
    assert stages.index(pipeline[builders[0]]["stage"]) < stages.index(job["stage"])


# --- GitHub: the example workflow -------------------------------------------------------------


def _action() -> dict[str, Any]:
    [action] = _yaml_documents(ROOT / "action.yml")
    return action


def check_github_workflow(workflow: dict[str, Any]) -> None:
    """A workflow using the action: declared inputs only, real outputs, SARIF and JUnit published."""
    assert workflow.get("on", workflow.get(True)), "no trigger (on:)"
    action = _action()
    for job in workflow["jobs"].values():
        steps = job["steps"]
        ids = {step["id"] for step in steps if "id" in step}
        ours = [step for step in steps if re.search(r"(^|/)imagepolicy@", step.get("uses", ""))]
        if not ours:
            continue
        [step] = ours
        assert set(step.get("with", {})) <= set(action["inputs"]), "inputs the action does not declare"
        text = json.dumps(steps)
        for step_id, output in re.findall(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", text):
            assert step_id in ids, f"steps.{step_id}: no step with that id"
            if step_id == step["id"]:
                assert output in action["outputs"], f"the action has no output {output!r}"
        uploads = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
        assert uploads and all(s["with"].get("category") for s in uploads), "SARIF upload with a category"
        assert all(f"steps.{step['id']}.outputs.sarif" in s["with"]["sarif_file"] for s in uploads)
        junit = [s for s in steps if f"steps.{step['id']}.outputs.junit" in json.dumps(s.get("with", {}))]
        assert junit, "a step publishes the JUnit report"
        for later in uploads + junit:
            assert "cancelled()" in later.get("if", "") or "always()" in later.get("if", ""), \
                f"{later.get('name')}: must run when the imagepolicy step failed"
        assert job["permissions"]["security-events"] == "write"
        return
    raise AssertionError("no job uses the imagepolicy action")


def test_github_example_workflow_uses_the_action_and_publishes_sarif_and_junit() -> None:
    [workflow] = _yaml_documents(GITHUB_EXAMPLE)
    check_github_workflow(workflow)
    steps = workflow["jobs"]["image-policy"]["steps"]
    build = next(step for step in steps if "docker save" in step.get("run", ""))
    assert build.get("continue-on-error") is True, "Dockerfile findings are reported even when the build broke"


# --- Jenkins ----------------------------------------------------------------------------------


def _jenkins_check_script() -> str:
    text = JENKINSFILE.read_text(encoding="utf-8")
    [script] = re.findall(r"sh\(returnStatus: true, script: '''(.*?)'''\)", text, re.S)
    return script.replace("\\\n", " ")  # Groovy drops backslash-newline in ''' strings; the shell would too


def _jenkins_pattern(step: str, key: str) -> str:
    match = re.search(rf"{step}\((?:[^()]|\([^()]*\))*?{key}: '([^']+)'", JENKINSFILE.read_text(encoding="utf-8"))
    assert match, f"no {step}({key}: ...) in the Jenkinsfile"
    return match[1]


def test_jenkinsfile_uses_only_real_flags_and_records_what_the_check_writes() -> None:
    script = _jenkins_check_script()
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", script))
    assert flags and flags <= _check_flags(), f"unknown flags: {flags - _check_flags()}"
    written = dict(re.findall(r"--(junit|sarif|json) (\S+)", script))
    assert fnmatch.fnmatch(written["junit"], _jenkins_pattern("junit", "testResults"))
    assert fnmatch.fnmatch(written["sarif"], _jenkins_pattern("sarif", "pattern"))
    text = JENKINSFILE.read_text(encoding="utf-8")
    assert "skipMarkingBuildUnstable: true" in text
    assert re.search(r"if \(status == 1\) \{\s*unstable\(", text)
    assert re.search(r"else if \(status != 0\) \{\s*error\(", text)
    assert f"imagepolicy=={_package_version()}" in text


@pytest.mark.parametrize(("threshold", "archive", "status"), [("error", "", 1), ("none", "", 0), ("error", "image.tar", 2)])
def test_jenkins_stage_script_runs_and_writes_the_recorded_reports(tmp_path: Path, workspace: Path,
                                                                   threshold: str, archive: str, status: int) -> None:
    venv_bin = workspace / ".imagepolicy-venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "imagepolicy").symlink_to(BIN / "imagepolicy")
    (workspace / "image.tar").write_bytes(b"not an archive")
    env = _ci_env(tmp_path, DOCKERFILES=". ", IMAGE_ARCHIVE=archive, FAILURE_THRESHOLD=threshold, WORKSPACE=str(workspace))
    proc = subprocess.run(["sh", "-xe", "-c", _jenkins_check_script()], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == status, proc.stderr
    junit = list(workspace.glob(_jenkins_pattern("junit", "testResults")))
    sarif = list(workspace.glob(_jenkins_pattern("sarif", "pattern")))
    assert len(junit) == 1 and len(sarif) == 1
    root = ET.parse(junit[0]).getroot()
    assert root.findall(".//failure"), "the broken Dockerfiles' findings"
    assert bool(root.findall(".//testcase/error")) is (status == 2), "the unreadable archive is an <error> testcase"
    validator = _validator("sarif-2.1.0.json")
    log = json.loads(sarif[0].read_text(encoding="utf-8"))
    assert not _problems(validator, log), _problems(validator, log)


def test_jenkins_and_gitlab_show_the_file_for_every_testcase(tmp_path: Path, workspace: Path) -> None:
    """Jenkins' JUnit plugin splits a classname at its last dot (package, class); GitLab shows the classname and
    the file attribute. Read as EnricoMi/publish-unit-test-result-action does, with junitparser."""
    junitparser = pytest.importorskip("junitparser", reason="junitparser is a test dependency (pyproject test extra)")
    (workspace / "svc.v2").mkdir()
    (workspace / "svc.v2" / "api.Dockerfile").write_text("FROM debian:12.5\nWORKDIR app\n", encoding="utf-8")
    proc = subprocess.run([str(BIN / "imagepolicy"), "check", ".", "--junit", "junit.xml"], cwd=workspace,
                          env=_ci_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    xml = junitparser.JUnitXml.fromfile(str(workspace / "junit.xml"))
    cases = [(suite.name, case) for suite in xml for case in suite]
    targets = {"Dockerfile", "Dockerfile.broken", "Dockerfile.multistage", "svc.v2/api.Dockerfile"}
    assert {name for name, _ in cases} == targets
    for _, case in cases:
        package, _, cls = case.classname.rpartition(".")  # Jenkins: lastIndexOf('.')
        assert package == case._elem.get("file") and package in targets | {"Dockerfile.broken"}, case.classname
        assert cls and "/" not in cls and cls == (case.name.split()[0] if case.result else "imagepolicy")
    passing = [case for _, case in cases if not case.result]
    assert len(passing) == len(targets), "one passing testcase per target, not one per rule"
    report = json.loads(subprocess.run([str(BIN / "imagepolicy"), "check", ".", "--format", "json"], cwd=workspace,
                                       env=_ci_env(tmp_path), capture_output=True, text=True).stdout)
    assert len(cases) == len(targets) + len(report["findings"])
    per_rule = subprocess.run([str(BIN / "imagepolicy"), "check", ".", "--junit", "all.xml", "--junit-passing", "rule"],
                              cwd=workspace, env=_ci_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert per_rule.returncode == 1
    every = [case for suite in junitparser.JUnitXml.fromfile(str(workspace / "all.xml")) for case in suite]
    assert len(every) > 4 * 50, "--junit-passing rule: a passing case per rule and target"


# --- pre-commit -------------------------------------------------------------------------------

NAMES = [
    "Dockerfile", "Containerfile", "Dockerfile.broken", "Dockerfile.multistage", "Dockerfile.", "Containerfile.dev",
    "api.Dockerfile", "api.dockerfile", ".Dockerfile", "Dockerfile.dockerignore", "api.Dockerfile.dockerignore",
    ".dockerignore", "Dockerfiles", "dockerfile", "MyDockerfile", "Dockerfile-dev", "Dockerfile.md", "README.md",
    "docker-compose.yml", "Containerfiles", "x.Dockerfile.bak", "Dockerfile.d",
]


def _hook() -> dict[str, Any]:
    [hooks] = _yaml_documents(PRE_COMMIT_HOOKS)
    [hook] = [hook for hook in hooks if hook["id"] == "imagepolicy"]
    return hook


def test_pre_commit_hooks_validate_against_the_schema() -> None:
    [hooks] = _yaml_documents(PRE_COMMIT_HOOKS)
    validator = _validator("pre-commit-hooks.json")
    assert not _problems(validator, hooks), _problems(validator, hooks)
    hook = _hook()
    assert hook["language"] == "python" and hook["entry"] == "imagepolicy check"
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert hook["entry"].split()[0] in scripts


@pytest.mark.parametrize("folder", ["", "services/api/", "a.Dockerfile/"])
def test_pre_commit_files_regex_matches_what_folder_discovery_finds(folder: str) -> None:
    from imagepolicy.discovery import is_dockerfile_name

    files = re.compile(_hook()["files"])
    for name in NAMES:
        assert bool(files.search(folder + name)) is is_dockerfile_name(name), folder + name
    assert not files.search("Dockerfile.d/config"), "a folder named like a Dockerfile is not a Dockerfile"


def test_pre_commit_hook_command_fails_on_the_staged_broken_dockerfile(tmp_path: Path, workspace: Path) -> None:
    hook = _hook()
    files = re.compile(hook["files"])
    staged = sorted(p.relative_to(workspace).as_posix() for p in workspace.rglob("*") if p.is_file())
    chosen = [name for name in staged if files.search(name)]
    assert chosen == ["Dockerfile", "Dockerfile.broken", "Dockerfile.multistage"]
    proc = subprocess.run([*hook["entry"].split(), *hook.get("args", []), *chosen], cwd=workspace,
                          env=_ci_env(tmp_path), capture_output=True, text=True)
    assert proc.returncode == 1 and "Dockerfile.broken:4 PY001" in proc.stdout
    proc = subprocess.run([*hook["entry"].split(), "Dockerfile"], cwd=workspace, env=_ci_env(tmp_path),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


# --- --shard ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("1/1", (1, 1)), ("2/4", (2, 4)), (" 3 / 3 ", (3, 3)), ("10/12", (10, 12))])
def test_parse_shard_accepts_k_of_n(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("3/2", "--shard 3/2: K must be between 1 and N"),
    ("0/2", "--shard 0/2: K must be between 1 and N"),
    ("1/0", "--shard 1/0: N must be at least 1"),
    ("2", "--shard 2: expected K/N"),
    ("a/b", "--shard a/b: expected K/N"),
    ("-1/2", "--shard -1/2: expected K/N"),
    ("1/2/3", "--shard 1/2/3: expected K/N"),
])
def test_parse_shard_rejects_bad_values_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_shard(text)
    assert str(caught.value).startswith(message)


def _paths(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    names = ["Dockerfile", "Containerfile", "Dockerfile.dev", "api.Dockerfile"]
    return sorted({f"services/svc{rng.randrange(10 * count)}/{rng.choice(names)}" for _ in range(count)})


@pytest.mark.parametrize("count", [0, 1, 5, 23, 200])
def test_select_puts_every_target_in_exactly_one_balanced_shard(count: int) -> None:
    targets = _paths(count, seed=count)
    for n in range(1, 8):
        shards = [select(targets, k, n) for k in range(1, n + 1)]
        flat = [target for shard in shards for target in shard]
        assert sorted(flat) == sorted(targets), f"N={n}: not a partition"
        sizes = [len(shard) for shard in shards]
        assert max(sizes) - min(sizes) <= 1, f"N={n}: unbalanced {sizes}"
        for shard in shards:
            assert shard == [t for t in targets if t in shard], "a shard keeps the order the targets were given in"


def test_select_ignores_input_order_and_path_spelling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    targets = _paths(40, seed=7)
    shuffled = targets[:]
    random.Random(1).shuffle(shuffled)
    for k in (1, 2, 3):
        assert sorted(select(shuffled, k, 3)) == sorted(select(targets, k, 3))
    target = targets[0]
    spellings = [target, "./" + target, target.replace("/", "//"), str(tmp_path / target),
                 target.replace("/", "/x/../", 1)]
    assert len({shard_key(s) for s in spellings}) == 1
    homes = {k for s in spellings for k in (1, 2, 3) if select([s, *targets[1:]], k, 3)[:1] == [s]}
    assert len(homes) == 1, "one file named several ways lands in one shard"


def test_select_is_the_same_in_every_process() -> None:
    """No salted hash(): other interpreters with other hash seeds pick the same slices."""
    targets = _paths(30, seed=3)
    code = ("import json, sys; from imagepolicy.shard import select; t = json.loads(sys.argv[1]); "
            "print(json.dumps([select(t, k, 4) for k in range(1, 5)]))")
    here = [select(targets, k, 4) for k in range(1, 5)]
    for seed in ("0", "12345"):
        out = subprocess.run([sys.executable, "-c", code, json.dumps(targets)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
        assert json.loads(out) == here


def test_more_shards_than_targets_leaves_some_empty() -> None:
    targets = ["a/Dockerfile", "b/Dockerfile"]
    shards = [select(targets, k, 5) for k in range(1, 6)]
    assert sorted(t for s in shards for t in s) == targets
    assert sum(1 for s in shards if not s) == 3


def test_select_rejects_k_out_of_range() -> None:
    with pytest.raises(InputError, match="K must be between 1 and N"):
        select(["Dockerfile"], 3, 2)


@pytest.mark.skipif(not _has_shard_flag(), reason="the CLI has no --shard flag yet")
def test_cli_shards_cover_the_whole_run(tmp_path: Path, workspace: Path) -> None:
    def findings(*extra: str) -> list[str]:
        proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", ".", "--format", "json",
                               "--failure-threshold", "none", *extra], cwd=workspace, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return [json.dumps(f, sort_keys=True) for f in json.loads(proc.stdout)["findings"]]

    whole = findings()
    parts = [f for k in (1, 2, 3) for f in findings("--shard", f"{k}/3")]
    assert sorted(parts) == sorted(whole)
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", ".", "--shard", "3/2"], cwd=workspace,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--shard 3/2: K must be between 1 and N" in proc.stderr


# --- docs/ci.md and the README ---------------------------------------------------------------


def _ci_page() -> str:
    return CI_PAGE.read_text(encoding="utf-8")


def _code_blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", section, re.M | re.S)


def test_ci_page_has_a_copy_paste_example_per_ci() -> None:
    import yaml

    section = _ci_page()
    blocks = [yaml.safe_load(block) for block in _code_blocks(section, "yaml")]
    workflows = [b for b in blocks if isinstance(b, dict) and "jobs" in b]
    assert workflows, "a GitHub workflow"
    for workflow in workflows:
        check_github_workflow(workflow)
    validator = _validator("gitlab-ci.json")
    pipelines = [b for b in blocks if isinstance(b, dict) and "include" in b]
    assert pipelines, "a GitLab pipeline with include: remote:"
    declared = set(_template()[0]["spec"]["inputs"])
    for pipeline in pipelines:
        assert not _problems(validator, pipeline), _problems(validator, pipeline)
        for include in pipeline["include"]:
            assert set(include.get("inputs", {})) <= declared
    hooks = [b for b in blocks if isinstance(b, dict) and "repos" in b]
    assert hooks and hooks[0]["repos"][0]["hooks"][0]["id"] == _hook()["id"], "a pre-commit config"
    groovy = _code_blocks(section, "groovy")
    assert groovy, "a Jenkins pipeline"
    for block in groovy:
        flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", block))
        assert flags <= _check_flags(), f"unknown flags in docs/ci.md's Jenkins example: {flags - _check_flags()}"
    for needle in ("recordIssues", "sarif(", "junit", "codequality", "category", "--shard", "parallel"):
        assert needle in section, needle


def test_ci_page_examples_match_the_example_files() -> None:
    """docs/ci.md's GitHub and GitLab examples are the files in examples/, minus their comment headers."""
    import yaml

    section = _ci_page()
    blocks = [yaml.safe_load(block) for block in _code_blocks(section, "yaml")]
    assert yaml.safe_load(GITHUB_EXAMPLE.read_text(encoding="utf-8")) in blocks
    assert yaml.safe_load(GITLAB_EXAMPLE.read_text(encoding="utf-8")) in blocks


def test_readme_ci_snippets_use_only_what_the_action_template_and_hooks_declare() -> None:
    """The README's short snippets: the action's inputs, the template's inputs, the pre-commit hook id."""
    import yaml

    blocks = [yaml.safe_load(block) for block in _code_blocks(README.read_text(encoding="utf-8"), "yaml")]
    steps = [step for block in blocks if isinstance(block, list) for step in block if isinstance(step, dict)]
    ours = [step for step in steps if re.search(r"(^|/)imagepolicy@", step.get("uses", ""))]
    assert ours, "a GitHub Actions step that uses the action"
    for step in ours:
        assert set(step.get("with", {})) <= set(_action()["inputs"]), "inputs the action does not declare"
    pipelines = [b for b in blocks if isinstance(b, dict) and "include" in b]
    assert pipelines, "a GitLab include"
    declared = set(_template()[0]["spec"]["inputs"])
    for pipeline in pipelines:
        assert not _problems(_validator("gitlab-ci.json"), pipeline), _problems(_validator("gitlab-ci.json"), pipeline)
        for include in pipeline["include"]:
            assert set(include.get("inputs", {})) <= declared
    hooks = [b for b in blocks if isinstance(b, dict) and "repos" in b]
    assert hooks and hooks[0]["repos"][0]["hooks"][0]["id"] == _hook()["id"], "a pre-commit config"
