"""Meta-tests: every rule and hook is documented and tested; the docs keep up with the schema."""

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


def hook_specs():
    return [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("imagepolicy_")]


def test_every_hook_has_a_typed_docstring_in_the_one_template():
    specs = hook_specs()
    assert len(specs) >= 8
    for spec in specs:
        doc = inspect.getdoc(spec) or ""
        summary = doc.split("\n", 1)[0]
        assert summary.startswith("Return ") or summary.startswith("Do "), spec.__name__  # named for what it returns
        for param in inspect.signature(spec).parameters:
            assert f":param {param}:" in doc, (spec.__name__, param)
        assert ":return:" in doc and "\nCalled " in doc and "\nIf it raises" in doc, spec.__name__
        assert "return" in spec.__annotations__ and all(p in spec.__annotations__ for p in inspect.signature(spec).parameters)


def test_every_hook_is_documented_in_the_plugin_guide_and_exercised_by_a_third_party_test():
    guide = (REPO / "docs" / "plugins.md").read_text()
    contract = (TESTS / "test_plugin_contract.py").read_text()
    for spec in hook_specs():
        assert f"| `{spec.__name__}` |" in guide, f"docs/plugins.md's hook table lacks {spec.__name__}"
        assert f"def {spec.__name__}(" in contract, f"the third-party plugin in test_plugin_contract.py lacks {spec.__name__}"


def test_every_object_of_the_generated_config_schema_rejects_unknown_keys():
    schema = json.loads((REPO / "schemas" / "imagepolicy.schema.json").read_text())
    open_objects = []

    def walk(node, where):
        if isinstance(node, dict):
            if (node.get("type") == "object" or "properties" in node) and "additionalProperties" not in node:
                open_objects.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(schema, "#")
    assert open_objects == [], "set additionalProperties (false, or a schema for maps) on these objects"


def test_configuration_page_documents_every_config_key_and_preset():
    schema = json.loads((REPO / "schemas" / "config.schema.json").read_text())
    page = (REPO / "docs" / "configuration.md").read_text()
    for key in schema["properties"]:
        if key == "$schema":
            continue
        assert f"`{key}`" in page, f"docs/configuration.md does not document `{key}`"
    for preset in registry().presets:
        assert f"`{preset}`" in page, f"docs/configuration.md does not document the preset `{preset}`"


def test_rules_markdown_is_the_rule_index_table_without_its_links():
    import subprocess
    import sys

    index = (REPO / "docs" / "rules" / "README.md").read_text()
    rows = [line for line in index.splitlines() if line.startswith("| [`")]
    expected = [re.sub(r"^\| \[(`[^`]+`)\]\([^)]+\)", r"| \1", row) for row in rows]
    expected = [re.sub(r" \| (yes|off) \| ", " | ", row) for row in expected]  # the index's `on` column
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "rules", "--format", "markdown"], capture_output=True, text=True, check=True)
    printed = proc.stdout.splitlines()
    assert printed[:2] == ["| code | name | severity | target | checks | fix | aliases |", "| --- | --- | --- | --- | --- | --- | --- |"]
    assert printed[2:] == expected, "`imagepolicy rules --format markdown` and docs/rules/README.md list different rules"


def test_config_examples_are_valid_configs(tmp_path):
    """Every YAML example of docs/configuration.md and the README's Configuration section loads and validates."""
    from imagepolicy import config as config_mod

    page = (REPO / "docs" / "configuration.md").read_text()
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", page + section, flags=re.S)
    assert len(blocks) >= 2
    reg = registry()
    for number, block in enumerate(blocks):
        text = block if block.lstrip().startswith("version") else "version: 1\n" + block
        text = text.replace("plugins: [acme_policy.rules]\n", "")  # an example module nobody has installed
        path = tmp_path / f"example{number}.yml"
        path.write_text(text)
        config_mod.resolve(config_mod.load_raw(path), list(reg.rules), reg.presets, settings=reg.settings.values())
