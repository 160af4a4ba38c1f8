"""Plugins as a third party writes them: the plugin guide's example works, load errors are clear."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run(cwd: Path, *args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-m", "imagepolicy", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def readme_blocks() -> list[str]:
    """The Python blocks of docs/plugins.md, the plugin guide (it was the README's 'Writing a plugin')."""
    guide = (REPO / "docs" / "plugins.md").read_text()
    return re.findall(r"```python\n(.*?)```", guide, flags=re.S)


def readme_plugin(dest: Path) -> Path:
    """Write the plugin guide's example as the package acme_policy, and its tests."""
    rule_module, init_module, test_module = readme_blocks()[:3]
    package = dest / "acme_policy"
    package.mkdir(parents=True)
    (package / "ac001_latest_base_image.py").write_text(rule_module)
    (package / "__init__.py").write_text(init_module)
    (dest / "test_acme_policy.py").write_text(test_module)
    return dest


def project(tmp_path: Path, config: str, dockerfile: str = "FROM python:latest\nFROM python:3.12\n") -> Path:
    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)
    (work / "Dockerfile").write_text(dockerfile)
    (work / ".imagepolicy.yml").write_text(textwrap.dedent(config))
    return work


def test_the_readme_plugin_loads_from_the_config_and_reports(tmp_path):
    libs = readme_plugin(tmp_path / "libs")
    work = project(tmp_path, "version: 1\nplugins: [acme_policy]\n")
    proc = run(work, "check", "Dockerfile", "--format", "json", pythonpath=libs)
    assert proc.returncode == 0, proc.stderr
    ac = [(f["rule"], f["line"], f["severity"]) for f in json.loads(proc.stdout)["findings"] if f["rule"] == "AC001"]
    assert ac == [("AC001", 1, "warning")]
    listed = run(work, "rules", "--format", "json", pythonpath=libs)
    assert "AC001" in {r["rule"] for r in json.loads(listed.stdout)}


def test_the_readme_plugins_own_tests_pass_with_imagepolicy_testing(tmp_path):
    """The plugin guide's example tests, run by pytest as a plugin author runs them."""
    libs = readme_plugin(tmp_path / "libs")
    assert "from imagepolicy.testing import PolicyTester" in (libs / "test_acme_policy.py").read_text()
    # The fixture the guide promises, and a crashing rule that must fail its test rather than pass silently.
    (libs / "conftest.py").write_text('pytest_plugins = ["imagepolicy.testing"]\n')
    (libs / "test_fixture.py").write_text(textwrap.dedent("""
        import pytest

        def test_policy_tester_fixture(policy_tester):
            assert policy_tester.check_dockerfile("FROM debian:12\\nRUN sudo true\\n").lines("DL3004") == [2]

        def test_a_crash_fails_the_test(tmp_path):
            from imagepolicy.testing import PolicyTester

            tester = PolicyTester(tmp_path, plugins=["crashy"])
            with pytest.raises(AssertionError, match="internal error in rule ZZ001"):
                tester.check_dockerfile("FROM debian:12\\n")
            result = tester.check_dockerfile("FROM debian:12\\n", allow_errors=True)
            assert result.exit_code == 2 and "ZZ001" not in result.rules_run and "DL3004" in result.rules_run
        """))
    (libs / "crashy.py").write_text(textwrap.dedent("""
        from imagepolicy import hookimpl
        from imagepolicy.model import rule

        @rule("ZZ001", "always-crashes", "error", "dockerfile", "Crashes on purpose")
        def check(dockerfile, ctx):
            return 1 / 0

        @hookimpl
        def imagepolicy_rules():
            return [check]
        """))
    env = {**os.environ, "PYTHONPATH": str(libs), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(libs)],
                          cwd=libs, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 passed" in proc.stdout


def test_plugin_rule_options_are_validated_and_used(tmp_path):
    libs = readme_plugin(tmp_path / "libs")
    work = project(tmp_path, "version: 1\nplugins: [acme_policy]\nrules:\n  AC001: {allow: ['python:latest']}\n")
    proc = run(work, "check", "Dockerfile", "--format", "json", pythonpath=libs)
    assert [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "AC001"] == []
    (work / ".imagepolicy.yml").write_text("version: 1\nplugins: [acme_policy]\nrules:\n  AC001: {alow: []}\n")
    bad = run(work, "check", "Dockerfile", pythonpath=libs)
    assert bad.returncode == 2 and ".imagepolicy.yml:4" in bad.stderr and "alow" in bad.stderr and "allow" in bad.stderr


def test_a_plugin_that_fails_to_import_names_the_module(tmp_path):
    libs = tmp_path / "libs"
    libs.mkdir()
    (libs / "broken_policy.py").write_text("import does_not_exist\n")
    work = project(tmp_path, "version: 1\nplugins: [broken_policy]\n")
    proc = run(work, "check", "Dockerfile", pythonpath=libs)
    assert proc.returncode == 2
    assert "broken_policy" in proc.stderr and "does_not_exist" in proc.stderr and "Traceback" not in proc.stderr


def test_a_rule_code_clash_names_both_plugins(tmp_path):
    libs = tmp_path / "libs"
    libs.mkdir()
    (libs / "clash_policy.py").write_text(textwrap.dedent('''
        """Declares a rule whose code is already taken."""
        from imagepolicy import hookimpl
        from imagepolicy.model import rule

        @rule("PY001", "my-own-rule", "error", "dockerfile", "clashes with the built-in PY001")
        def check(dockerfile, ctx):
            return []

        @hookimpl
        def imagepolicy_rules():
            return [check]
        '''))
    work = project(tmp_path, "version: 1\nplugins: [clash_policy]\n")
    proc = run(work, "check", "Dockerfile", pythonpath=libs)
    assert proc.returncode == 2
    assert "PY001" in proc.stderr and "clash_policy" in proc.stderr and "python" in proc.stderr


def test_an_unknown_hook_is_rejected_by_name(tmp_path):
    libs = tmp_path / "libs"
    libs.mkdir()
    (libs / "typo_policy.py").write_text(textwrap.dedent('''
        from imagepolicy import hookimpl

        @hookimpl
        def imagepolicy_rule():
            return []
        '''))
    work = project(tmp_path, "version: 1\nplugins: [typo_policy]\n")
    proc = run(work, "check", "Dockerfile", pythonpath=libs)
    assert proc.returncode == 2
    assert "typo_policy" in proc.stderr and "imagepolicy_rule" in proc.stderr


def test_builtin_plugins_register_through_the_entry_point_group():
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="imagepolicy")}
    assert {"python", "shell", "reports", "image", "dockerfile"} <= set(names)
    assert all(value.startswith("imagepolicy.plugins.") for value in names.values())


def test_a_config_module_named_like_an_installed_plugin_and_hook_wrappers_are_refused(tmp_path, monkeypatch):
    from imagepolicy.pluginmanager import PluginError, build_plugin_manager

    (tmp_path / "shell.py").write_text("from imagepolicy import hookimpl\n\n@hookimpl\ndef imagepolicy_rules():\n    return []\n")
    (tmp_path / "wrapping_policy.py").write_text(textwrap.dedent('''
        from imagepolicy import hookimpl

        @hookimpl(wrapper=True)
        def imagepolicy_check_dockerfile(dockerfile, session):
            return (yield)
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as shadow:
        build_plugin_manager(["shell"], config_path=".imagepolicy.yml")
    message = str(shadow.value)
    assert message.startswith(".imagepolicy.yml: plugins: module 'shell' would be loaded under the name of plugin 'shell'")
    assert "distribution 'imagepolicy'" in message
    with pytest.raises(PluginError) as wrapper:
        build_plugin_manager(["wrapping_policy"], config_path=".imagepolicy.yml")
    message = str(wrapper.value)
    assert "wrapping_policy" in message and "imagepolicy_check_dockerfile is a hook wrapper" in message
    # The same module listed twice, or an installed plugin's module listed again, is loaded once.
    pm = build_plugin_manager(["imagepolicy.plugins.shell", "imagepolicy.plugins.shell"])
    assert list(pm.origins) == ["dockerfile", "image", "python", "reports", "shell"]
