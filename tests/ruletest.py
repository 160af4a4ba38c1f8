"""Helpers for rule tests: run the real engine on inline Dockerfiles.

``check(tmp_path, dockerfile, files={...})`` writes the Dockerfile and the
given context files into ``tmp_path``, loads every installed plugin through the
entry points (as the CLI does), and returns the findings, optionally only
those of one rule.
"""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from pathlib import Path

from imagepolicy import config as config_mod
from imagepolicy.engine import CheckRequest, run_checks
from imagepolicy.model import Finding, Rule
from imagepolicy.pluginmanager import build_plugin_manager, collect


@lru_cache(maxsize=1)
def _loaded():
    pm = build_plugin_manager()
    registry = collect(pm)
    return pm, registry


def registry():
    return _loaded()[1]


def rule_by_code(code: str) -> Rule:
    found = registry().rule(code)
    assert found is not None, f"no rule {code}"
    return found


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def check(tmp_path: Path, dockerfile: str, files: dict[str, str] | None = None, code: str | None = None,
          config: dict | None = None, build_args: dict | None = None) -> list[Finding]:
    write_tree(tmp_path, files or {})
    path = tmp_path / "Dockerfile"
    path.write_text(textwrap.dedent(dockerfile).lstrip("\n"), encoding="utf-8")
    pm, reg = _loaded()
    raw = None
    config = _without_shellcheck(code, config)
    if config is not None:
        import json

        cfg = tmp_path / ".imagepolicy.json"
        cfg.write_text(json.dumps(config), encoding="utf-8")
        raw = config_mod.load_raw(cfg)
    cfg_obj = config_mod.resolve(raw, list(reg.rules), reg.presets, settings=reg.settings.values())
    report = run_checks(pm, reg, cfg_obj, CheckRequest(dockerfiles=[path], build_args=build_args or {}))
    (result,) = report.results
    assert not result.errors, result.errors
    findings = result.findings
    if code is not None:
        findings = [f for f in findings if f.rule == code]
    return findings


def _without_shellcheck(code: str | None, config: dict | None) -> dict | None:
    """The config for a test of one rule other than ShellCheck: ShellCheck off, unless the test configures it.

    ShellCheck runs as one child process per check (about 20 ms); a test that keeps only
    another rule's findings does not need its findings, and no other rule reads them.
    """
    if code is None or code.startswith("SC"):
        return config
    rules = dict((config or {}).get("rules") or {})
    if any(key.upper().startswith("SC") or key == "shellcheck" for key in rules):
        return config
    return {"version": 1, **(config or {}), "rules": {**rules, "SC": "off"}}


def lines(findings: list[Finding]) -> list[int]:
    return [f.line for f in findings]


def docs_blocks(rule: Rule, section: str) -> list[str]:
    """The ```dockerfile blocks under a '## section' heading of a rule's docs."""
    parts = re.split(r"^## ", rule.docs, flags=re.M)
    for part in parts:
        if part.startswith(section):
            return re.findall(r"```dockerfile\n(.*?)```", part, flags=re.S)
    return []


HATCH_SERVICE = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "acme-service"
        version = "1.0"
        readme = "README.md"

        [tool.hatch.build.targets.wheel]
        packages = ["src/acme"]
        """,
    "README.md": "acme\n",
    "src/acme/__init__.py": "",
}
