"""Meta-tests: every rule and hook is documented and tested; the README keeps up with the schema."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from imagepolicy import hookspecs
from ruletest import registry

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")


def all_rules():
    return list(registry().rules)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_is_documented_in_its_docstring(rule):
    for section in SECTIONS:
        assert section in rule.docs, f"{rule.code} ({rule.plugin}) docs lack '{section}'"
    assert "```dockerfile" in rule.docs or rule.target == "image", f"{rule.code}: Example/Use instead need dockerfile blocks"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_has_its_own_tests(rule):
    texts = "\n".join(p.read_text() for p in TESTS.glob("test_*.py") if p.name != "test_meta.py")
    module = rule.plugin.rsplit(".", 1)[-1]
    assert re.search(rf"\b{rule.code}\b", texts) or module in texts, f"no test mentions {rule.code}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_module_is_named_by_code_and_slug(rule):
    module = rule.plugin.rsplit(".", 1)[-1]
    if rule.code_pattern:
        return
    assert module == f"{rule.code.lower()}_{rule.name.replace('-', '_')}", module


def test_every_hook_has_a_docstring_with_return_contract():
    specs = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("imagepolicy_")]
    assert specs
    for spec in specs:
        doc = inspect.getdoc(spec) or ""
        assert ":return:" in doc and "Called" in doc, spec.__name__


def test_readme_documents_every_config_key():
    schema = json.loads((REPO / "schemas" / "config.schema.json").read_text())
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for key in schema["properties"]:
        if key == "$schema":
            continue
        assert f"`{key}`" in section, f"README's Configuration section does not document `{key}`"


def test_readme_rule_table_is_fresh():
    import subprocess
    import sys

    readme = (REPO / "README.md").read_text()
    table = readme.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "rules", "--format", "markdown"], capture_output=True, text=True, check=True)
    assert table == proc.stdout, "regenerate README's rule table with `imagepolicy rules --format markdown`"


def test_readme_config_examples_are_valid_configs(tmp_path):
    """Every YAML example in the README's Configuration section loads and validates."""
    import re

    from imagepolicy import config as config_mod

    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    assert len(blocks) >= 2
    reg = registry()
    for number, block in enumerate(blocks):
        text = block if block.lstrip().startswith("version") else "version: 1\n" + block
        text = text.replace("plugins: [acme_policy.rules]\n", "")  # an example module nobody has installed
        path = tmp_path / f"example{number}.yml"
        path.write_text(text)
        config_mod.resolve(config_mod.load_raw(path), list(reg.rules), reg.presets)
