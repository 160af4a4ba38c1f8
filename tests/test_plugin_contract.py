"""The plugin contract from a third party's side: distributions installed into a venv, run as users run them.

Two throwaway venvs are made once per session (about 3 s each; see ``fakedist.py``):

* ``acme``: the distribution ``acme-crash`` (entry point ``acme``), a plugin that
  implements every hook and whose hooks raise on demand (``ACME_CRASH=hook,...``);
* ``shadow``: the distribution ``acme-shadow``, which registers an entry point
  named ``dockerfile`` like the built-in plugin. It sorts before ``imagepolicy``,
  so it used to load first and switch the built-in Dockerfile rules off (107 rules
  became 21 and a bad Dockerfile passed with exit 0).
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fakedist import make_venv, write_wheel
from image_ruletest import PASSWD, write_image

ACME = '''"""acme-crash: a third-party plugin whose hooks raise on demand (ACME_CRASH=hook,hook)."""
import os

from imagepolicy import hookimpl
from imagepolicy.model import Option, ReportFormat, Rule, Settings, Severity, Violation, rule


def _crash(what):
    if what in os.environ.get("ACME_CRASH", "").split(","):
        raise RuntimeError(f"acme {what} broke")


def _tool():
    return os.environ.get("ACME_TOOL", "1")  # stands for an external tool's version


@rule("AX001", "acme-every-from", "warning", "dockerfile", "Reports every FROM line")
def every_from(dockerfile, ctx):
    _crash("AX001")
    for stage in dockerfile.stages:
        yield Violation(f"{ctx.settings.get('greeting', '?')} FROM {stage.base}", line=stage.from_instruction.line,
                        fix=f"Nothing to fix: a test rule (acme-tool {_tool()})")


@rule("AX002", "acme-image-only", "info", "image", "Image rule that never fires")
def image_only(image, ctx):
    return []


WHOLE_FILE = Rule("AX003", "acme-whole-file", Severity.INFO, "dockerfile", "Reported by the check hook")


@hookimpl
def imagepolicy_rules():
    _crash("rules")
    return [every_from, image_only, WHOLE_FILE]


@hookimpl
def imagepolicy_settings():
    _crash("settings")
    return Settings("acme", "Settings of the acme test plugin",
                    (Option("greeting", {"type": "string", "minLength": 1}, "hello", "What AX001 says first"),))


@hookimpl
def imagepolicy_presets():
    _crash("presets")
    return {"acme-strict": {"failure-threshold": "warning"}}


@hookimpl
def imagepolicy_report_formats():
    _crash("report_formats")
    return [ReportFormat("acme-count", "the number of findings", lambda report, color: f"{len(report.findings)}\\n")]


@hookimpl
def imagepolicy_cache_key():
    _crash("cache_key")
    return f"acme-tool {_tool()}"


@hookimpl
def imagepolicy_prepare_dockerfiles(dockerfiles, config):
    _crash("prepare_dockerfiles")


@hookimpl
def imagepolicy_check_dockerfile(dockerfile, session):
    _crash("check_dockerfile")
    return [session.finding(WHOLE_FILE, Violation("the whole file", line=1))]


@hookimpl
def imagepolicy_check_image(image, session):
    _crash("check_image")
    return []


@hookimpl
def imagepolicy_amended_findings(findings, target, session):
    _crash("amended_findings")
    return None
'''

SHADOW = '''"""acme-shadow: registers an entry point named like a built-in plugin."""
from imagepolicy import hookimpl
from imagepolicy.model import Violation, rule


@rule("SH001", "shadow-rule", "info", "dockerfile", "A rule of the shadowing plugin")
def check(dockerfile, ctx):
    return []


@hookimpl
def imagepolicy_rules():
    return [check]
'''

# DL3004 (sudo) is an error of the built-in Dockerfile plugin: exit 1 when all is well.
BAD_DOCKERFILE = "FROM debian:12\nRUN sudo true\n"


@pytest.fixture(scope="session")
def venvs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("thirdparty")
    acme = write_wheel(root / "wheels", "acme-crash", "1.0", {"acme_crash/__init__.py": ACME}, {"acme": "acme_crash"})
    shadow = write_wheel(root / "wheels", "acme-shadow", "1.0", {"acme_shadow/__init__.py": SHADOW}, {"dockerfile": "acme_shadow"})
    return {"acme": make_venv(root / "acme", [acme]), "shadow": make_venv(root / "shadow", [shadow])}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    (folder / ".git").mkdir(parents=True)
    (folder / "Dockerfile").write_text(BAD_DOCKERFILE)
    return folder


def imagepolicy(python: Path, cwd: Path, *args: str, crash: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "ACME_CRASH": crash, **(env or {})}
    env.pop("PYTHONPATH", None)
    return subprocess.run([str(python), "-m", "imagepolicy", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def junit_cases(path: Path) -> dict[str, list[tuple[str, str]]]:
    """Per testsuite: (testcase name, outcome) with outcome passed, failure or error."""
    suites = {}
    for suite in ET.parse(path).getroot().iter("testsuite"):
        suites[suite.get("name")] = [
            (case.get("name"), "failure" if case.find("failure") is not None else "error" if case.find("error") is not None else "passed")
            for case in suite.iter("testcase")
        ]
    return suites


def test_a_distribution_registering_a_builtin_plugin_name_is_refused_naming_both(venvs, work):
    listed = imagepolicy(venvs["shadow"], work, "rules", "--format", "json")
    checked = imagepolicy(venvs["shadow"], work, "check", "Dockerfile")
    for proc in (listed, checked):
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "'dockerfile'" in proc.stderr and "'acme-shadow'" in proc.stderr and "'imagepolicy'" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert proc.stdout == ""  # no report that could pass for a clean run


def test_an_installed_plugin_is_loaded_and_its_declared_rules_run_without_calling_anything(venvs, work):
    image = write_image(work.parent, [{"/etc/passwd": PASSWD}])
    proc = imagepolicy(venvs["acme"], work, "check", "Dockerfile", "--image", image, "--format", "acme-count",
                       "--json", "report.json", "--junit", "junit.xml", "--junit-passing", "rule")
    assert proc.returncode == 1, proc.stderr
    report = json.loads((work / "report.json").read_text())
    assert report["errors"] == []
    assert proc.stdout == f"{len(report['findings'])}\n"  # the plugin's report format
    found = {(f["rule"], f["line"]) for f in report["findings"]}
    # AX001 runs although the plugin never calls session.run_rules; AX003 comes from its check hook.
    assert {("AX001", 1), ("AX003", 1), ("DL3004", 2)} <= found
    assert "hello FROM debian:12" in {f["message"] for f in report["findings"]}  # the setting's default
    suites = junit_cases(work / "junit.xml")
    dockerfile_cases = dict(suites["Dockerfile"])
    assert dockerfile_cases["DL3000 relative-workdir"] == "passed"
    assert not any(name.startswith("AX002") for name in dockerfile_cases), "an image rule never runs on a Dockerfile"
    image_cases = dict(next(cases for name, cases in suites.items() if name != "Dockerfile"))
    assert image_cases["AX002 acme-image-only"] == "passed"
    assert not any(name.startswith(("AX001", "DL3000")) for name in image_cases)


PER_TARGET_HOOKS = ["prepare_dockerfiles", "check_dockerfile", "check_image", "amended_findings"]


def test_per_target_hooks_and_rules_that_crash_are_errors_naming_plugin_and_hook(venvs, work):
    """Every per-target hook of the plugin and one of its rules raise at once: each is one error, nothing else is lost."""
    image = write_image(work.parent, [{"/etc/passwd": PASSWD}])
    proc = imagepolicy(venvs["acme"], work, "check", "Dockerfile", "--image", image, "--format", "json",
                       "--junit", "junit.xml", "--junit-passing", "rule", crash=",".join([*PER_TARGET_HOOKS, "AX001"]))
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    errors = [(e["target"], e["message"]) for e in report["errors"]]
    for hook in PER_TARGET_HOOKS:
        named = [m for _, m in errors if "plugin 'acme'" in m and f"hook imagepolicy_{hook}" in m]
        assert named, (hook, errors)
        assert all("distribution 'acme-crash'" in m and f"acme {hook} broke" in m for m in named)
    assert any("rule AX001" in m and "acme AX001 broke" in m for _, m in errors), errors
    assert not any("Traceback" in m for _, m in errors) and "Traceback" not in proc.stderr
    found = {f["rule"] for f in report["findings"]}
    assert "DL3004" in found, "the built-in plugins' findings are still reported"
    assert "AX001" not in found and "AX003" not in found  # crashed rule; crashed check hook
    dockerfile_cases = dict(junit_cases(work / "junit.xml")["Dockerfile"])
    assert "AX001 acme-every-from" not in dockerfile_cases, "a rule that crashed is no passing testcase"
    assert "AX003 acme-whole-file" not in dockerfile_cases, "nor is a rule whose hook crashed"
    assert dockerfile_cases["DL3000 relative-workdir"] == "passed"


def test_declaration_hooks_that_crash_are_errors_and_the_other_plugins_still_report(venvs, work):
    hooks = ["rules", "settings", "presets", "report_formats"]
    proc = imagepolicy(venvs["acme"], work, "check", "Dockerfile", "--format", "json", crash=",".join(hooks))
    assert proc.returncode == 2, proc.stderr
    report = json.loads(proc.stdout)
    messages = [e["message"] for e in report["errors"]]
    for hook in hooks:
        assert any("plugin 'acme'" in m and f"hook imagepolicy_{hook}" in m and f"acme {hook} broke" in m for m in messages), (hook, messages)
    assert "DL3004" in {f["rule"] for f in report["findings"]}
    assert not {f["rule"] for f in report["findings"]} & {"AX001", "AX003"}
    unknown = imagepolicy(venvs["acme"], work, "check", "Dockerfile", "--format", "acme-count", crash="report_formats")
    assert unknown.returncode == 2 and "hook imagepolicy_report_formats" in unknown.stderr and "'acme-count': unknown format" in unknown.stderr
    listed = imagepolicy(venvs["acme"], work, "rules", "--format", "json", crash="rules")
    assert listed.returncode == 2 and "hook imagepolicy_rules" in listed.stderr
    assert "DL3004" in {r["rule"] for r in json.loads(listed.stdout)}


def test_an_installed_plugins_settings_are_configured_validated_and_in_the_schema(venvs, work):
    (work / ".imagepolicy.yml").write_text(textwrap.dedent("""\
        version: 1
        settings:
          acme: {greeting: hi}
        trusted-registries: [registry.example.com]
        rules:
          DL3049: {label-schema: {maintainer: email}}
        """))
    proc = imagepolicy(venvs["acme"], work, "check", "Dockerfile", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert "hi FROM debian:12" in {f["message"] for f in findings}
    # The built-in plugin's settings, written where older versions read them, still apply ...
    assert {"DL3026", "DL3049"} <= {f["rule"] for f in findings}
    # ... with one note each, naming the file, the line and the new key.
    notes = [line for line in proc.stderr.splitlines() if line.startswith("imagepolicy: note:")]
    assert notes == [
        "imagepolicy: note: .imagepolicy.yml:4: trusted-registries is deprecated; write it as settings.dockerfile.trusted-registries (it still works)",
        "imagepolicy: note: .imagepolicy.yml:6: rules.DL3049.label-schema is deprecated; write it as settings.dockerfile.label-schema (it still works)",
    ]
    (work / ".imagepolicy.yml").write_text("version: 1\nsettings:\n  acme: {greting: hi}\n")
    typo = imagepolicy(venvs["acme"], work, "check", "Dockerfile")
    assert typo.returncode == 2 and typo.stdout == ""
    assert ".imagepolicy.yml:3: settings.acme.greting: unknown setting 'greting' of section acme; did you mean 'greeting'?" in typo.stderr
    schema = json.loads(imagepolicy(venvs["acme"], work, "schema").stdout)
    acme = schema["properties"]["settings"]["properties"]["acme"]
    assert acme["additionalProperties"] is False
    assert acme["properties"]["greeting"] == {"type": "string", "minLength": 1, "default": "hello", "description": "What AX001 says first"}


def test_a_plugins_cache_key_keeps_its_cached_results_apart_and_a_crash_of_it_is_a_note(venvs, work, tmp_path):
    """AX001's fix names the acme tool's version, which the plugin's imagepolicy_cache_key declares."""
    cache_dir = tmp_path / "cache"

    def run(tool: str, crash: str = "") -> tuple[subprocess.CompletedProcess, set[str]]:
        proc = imagepolicy(venvs["acme"], work, "check", "Dockerfile", "--format", "json", "--cache-dir", str(cache_dir),
                           crash=crash, env={"ACME_TOOL": tool, "IMAGEPOLICY_NO_CACHE": ""})
        assert proc.returncode == 1, proc.stderr
        fixes = {f["fix"] for f in json.loads(proc.stdout)["findings"] if f["rule"] == "AX001"}
        return proc, fixes

    def kept() -> int:
        return sum(1 for _ in (cache_dir / "v1" / "file").glob("*/*.json"))

    first, fixes = run("1")
    assert fixes == {"Nothing to fix: a test rule (acme-tool 1)"} and kept() == 1
    _, fixes = run("2")
    assert fixes == {"Nothing to fix: a test rule (acme-tool 2)"} and kept() == 2  # not tool 1's kept result
    again, fixes = run("1")
    assert again.stdout == first.stdout and kept() == 2  # tool 1's result, from the cache
    crashed, fixes = run("3", crash="cache_key")
    assert fixes == {"Nothing to fix: a test rule (acme-tool 3)"} and kept() == 2
    assert "imagepolicy: note:" in crashed.stderr and "hook imagepolicy_cache_key" in crashed.stderr
    assert "acme cache_key broke" in crashed.stderr and "results are not cached" in crashed.stderr
