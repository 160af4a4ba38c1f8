"""The config as a user meets it: discovery, loading, validation messages, resolution."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from imagepolicy.config import (
    CONFIG_FILENAMES,
    Config,
    IgnoreEntry,
    RuleSetting,
    build_schema,
    core_schema,
    discover_config,
    load_raw,
    plugin_modules,
    render_schema,
    resolve,
)
from imagepolicy.model import InputError, Option, Rule, Settings, Severity

RULES = [
    Rule("PY001", "install-before-source", Severity.ERROR, "dockerfile", "Installs before copying sources."),
    Rule("PY002", "editable-install", Severity.WARNING, "dockerfile", "Editable install in final stage.",
         aliases=("DL9002",)),
    Rule(
        "PY003",
        "too-many-layers",
        Severity.INFO,
        "image",
        "More layers than allowed.",
        options={
            "type": "object",
            "properties": {
                "max-layers": {"type": "integer", "minimum": 1, "default": 20},
                "count-empty": {"type": "boolean", "default": False},
            },
        },
    ),
    Rule("SC", "shellcheck", Severity.WARNING, "dockerfile", "ShellCheck findings.", code_pattern=r"SC[0-9]{4}",
         options={"type": "object", "properties": {"shell": {"type": "string", "default": "sh"}}}),
]


# A plugin's settings section; two options moved there from older places.
SETTINGS = [
    Settings("images", "Where images come from", (
        Option("trusted-registries", {"type": "array", "items": {"type": "string", "minLength": 1}}, [],
               "Registries images may come from", moved_from=("trusted-registries",)),
        Option("label-schema", {"type": "object", "additionalProperties": {"enum": ["text", "url"]}}, {},
               "Required labels", moved_from=("rules.PY001.label-schema",)),
        Option("strict", {"type": "boolean"}, False, "Be strict"),
    )),
]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the temporary folder, as a user runs from their checkout: messages show short names."""
    monkeypatch.chdir(tmp_path)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def resolve_text(tmp_path: Path, text: str, name: str = ".imagepolicy.yml", **kwargs) -> Config:
    kwargs.setdefault("settings", SETTINGS)
    return resolve(load_raw(write(tmp_path, name, text)), RULES, kwargs.pop("presets", {}), **kwargs)


def error_of(tmp_path: Path, text: str, name: str = ".imagepolicy.yml", **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        resolve_text(tmp_path, text, name, **kwargs)
    return str(caught.value)


# --- discovery -------------------------------------------------------------------------


def test_discovery_takes_the_nearest_config_and_stops_at_the_repo_root(tmp_path: Path) -> None:
    write(tmp_path, ".imagepolicy.yml", "version: 1\n")  # above the repository: never read
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    deep = repo / "services" / "api"
    deep.mkdir(parents=True)
    assert discover_config(deep) is None

    root_config = write(repo, ".imagepolicy.json", "{}")
    assert discover_config(deep) == root_config.resolve()
    nearer = write(repo / "services", ".imagepolicy.yaml", "version: 1\n")
    assert discover_config(deep) == nearer.resolve()
    assert discover_config(repo) == root_config.resolve()


def test_discovery_accepts_git_file_of_worktrees_and_submodules(tmp_path: Path) -> None:
    write(tmp_path, ".imagepolicy.yml", "version: 1\n")
    write(tmp_path, "sub/.git", "gitdir: ../.git/modules/sub\n")
    assert discover_config(tmp_path / "sub") is None


def test_discovery_without_repo_walks_to_the_filesystem_root(tmp_path: Path) -> None:
    top = write(tmp_path, ".imagepolicy.yml", "version: 1\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert discover_config(tmp_path / "a" / "b") == top.resolve()


def test_pyproject_counts_only_with_a_tool_imagepolicy_table(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".imagepolicy.yml", "version: 1\n")
    write(tmp_path, "app/pyproject.toml", '[project]\nname = "app"  # imagepolicy mentioned only here\n')
    assert discover_config(tmp_path / "app") == (tmp_path / ".imagepolicy.yml").resolve()
    write(tmp_path, "app/pyproject.toml", '[project]\nname = "app"\n\n[tool.imagepolicy]\nversion = 1\n')
    assert discover_config(tmp_path / "app") == (tmp_path / "app" / "pyproject.toml").resolve()


def test_two_configs_in_one_folder_is_an_error_naming_both(tmp_path: Path) -> None:
    write(tmp_path, ".imagepolicy.yml", "version: 1\n")
    write(tmp_path, "pyproject.toml", "[tool.imagepolicy]\nversion = 1\n")
    with pytest.raises(InputError) as caught:
        discover_config(tmp_path)
    assert ".imagepolicy.yml" in str(caught.value)
    assert "pyproject.toml [tool.imagepolicy]" in str(caught.value)


def test_config_filenames_are_the_documented_ones() -> None:
    assert CONFIG_FILENAMES == (".imagepolicy.yml", ".imagepolicy.yaml", ".imagepolicy.json")


# --- loading the three formats -----------------------------------------------------------

SAME_CONFIG = {
    ".imagepolicy.yml": """
        version: 1
        rules:
          PY001: off
          too-many-layers:
            severity: warning
            max-layers: 5
        """,
    ".imagepolicy.json": """
        {
          "version": 1,
          "rules": {
            "PY001": "off",
            "too-many-layers": {"severity": "warning", "max-layers": 5}
          }
        }
        """,
    "pyproject.toml": """
        [project]
        name = "x"

        [tool.imagepolicy]
        version = 1

        [tool.imagepolicy.rules]
        PY001 = "off"
        too-many-layers = { severity = "warning", max-layers = 5 }
        """,
}


@pytest.mark.parametrize("name", sorted(SAME_CONFIG))
def test_yaml_json_and_pyproject_load_to_the_same_config(tmp_path: Path, name: str) -> None:
    config = resolve_text(tmp_path, SAME_CONFIG[name], name)
    assert config.path == tmp_path / name
    assert config.rules["PY001"] == RuleSetting(False, None, {})
    assert config.rules["PY003"] == RuleSetting(True, Severity.WARNING, {"max-layers": 5, "count-empty": False})
    assert config.rules["PY002"] == RuleSetting(True, None, {})


def test_yaml_off_and_no_are_strings_not_booleans(tmp_path: Path) -> None:
    raw = load_raw(write(tmp_path, ".imagepolicy.yml", "rules:\n  PY001: off\n  PY002: no\n"))
    assert raw.data == {"rules": {"PY001": "off", "PY002": "no"}}


@pytest.mark.parametrize(
    ("name", "text", "line", "kind"),
    [
        (".imagepolicy.yml", "rules:\n  PY001: [off\nversion: 1\n", 3, "invalid YAML"),
        (".imagepolicy.yml", "rules:\n  PY001: off\n   PY002: off\n", 3, "invalid YAML"),
        (".imagepolicy.json", '{\n  "rules": {\n    "PY001": "off",\n  }\n}\n', 4, "invalid JSON"),
        ("pyproject.toml", '[tool.imagepolicy]\nversion = 1\nrules = {PY001 = "off"\n', 3, "invalid TOML"),
    ],
)
def test_syntax_errors_name_file_and_line(tmp_path: Path, name: str, text: str, line: int, kind: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as caught:
        load_raw(path)
    assert str(caught.value).startswith(f"{name}:{line}: {kind}: ")


def test_duplicate_yaml_key_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    path = write(tmp_path, ".imagepolicy.yml", "rules:\n  PY001: off\n  PY001: error\n")
    with pytest.raises(InputError, match=r":3: rules\.PY001: duplicate key 'PY001' \(first on line 2\)"):
        load_raw(path)


def test_top_level_must_be_a_mapping_and_empty_file_is_empty_config(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.imagepolicy\.yml:1: \(top level\): must be a mapping"):
        load_raw(write(tmp_path, ".imagepolicy.yml", "- PY001\n"))
    assert load_raw(write(tmp_path, ".imagepolicy.yml", "# nothing yet\n")).data == {}


def test_missing_config_file_and_pyproject_without_table(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="config file not found"):
        load_raw(tmp_path / "nope.yml")
    with pytest.raises(InputError, match=r"no \[tool\.imagepolicy\] table"):
        load_raw(write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n'))


def test_locators_give_the_line_of_nested_keys(tmp_path: Path) -> None:
    yml = load_raw(write(tmp_path, "c.yml", SAME_CONFIG[".imagepolicy.yml"]))
    js = load_raw(write(tmp_path, "c.json", SAME_CONFIG[".imagepolicy.json"]))
    toml = load_raw(write(tmp_path, "pyproject.toml", SAME_CONFIG["pyproject.toml"]))
    assert yml.locate(("rules", "too-many-layers", "max-layers")) == 6
    assert js.locate(("rules", "too-many-layers", "max-layers")) == 5
    assert toml.locate(("rules", "too-many-layers", "max-layers")) == 9
    assert toml.locate(("version",)) == 5
    # a missing key falls back to its deepest existing parent
    assert yml.locate(("rules", "PY001", "severity")) == 3


def test_pyproject_locator_skips_multiline_strings_and_arrays(tmp_path: Path) -> None:
    text = """
        [project]
        description = \"\"\"
        [tool.imagepolicy.rules]
        PY001 = "nope"
        \"\"\"

        [tool.imagepolicy]
        trusted-registries = [
          "a",
          "b",
        ]
        failure-threshold = "fatal"
        """
    message = error_of(tmp_path, text, "pyproject.toml")
    assert message.startswith("pyproject.toml:12: failure-threshold: must be one of")


# --- plugins key -------------------------------------------------------------------------


def test_plugins_are_read_before_validation(tmp_path: Path) -> None:
    raw = load_raw(write(tmp_path, ".imagepolicy.yml", "plugins: [acme.rules, acme_extra]\nrules: {XX001: off}\n"))
    assert plugin_modules(raw) == ["acme.rules", "acme_extra"]
    assert plugin_modules(None) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plugins: acme.rules\n", r"\.imagepolicy\.yml:1: plugins: must be a list, not a string"),
        ("plugins:\n  - acme.rules\n  - acme-rules\n", r"\.imagepolicy\.yml:3: plugins\[1\]: 'acme-rules' is not an importable"),
        ("plugins:\n  - 3\n", r"\.imagepolicy\.yml:2: plugins\[0\]: an integer is not an importable"),
    ],
)
def test_bad_plugins_key(tmp_path: Path, text: str, expected: str) -> None:
    raw = load_raw(write(tmp_path, ".imagepolicy.yml", text))
    with pytest.raises(InputError, match=expected):
        plugin_modules(raw)


# --- validation errors: file, line, json path, suggestion -----------------------------------


@pytest.mark.parametrize(
    ("text", "line", "where", "words"),
    [
        ("version: 1\nrules:\n  PY01: error\n", 3, "rules.PY01", ["unknown rule code 'PY01'", "did you mean 'PY001'?"]),
        ("rules:\n  py002: off\n", 2, "rules.py002", ["did you mean 'PY002'?"]),
        ("rules:\n  instal-before-source: off\n", 2, "rules.instal-before-source", ["did you mean 'install-before-source'?"]),
        ("rules:\n  QQ999: off\n", 2, "rules.QQ999", ["unknown rule code 'QQ999'", "imagepolicy rules"]),
        ("rules:\n  SC20: off\n", 2, "rules.SC20", ["must match SC[0-9]{4}"]),
        ("failur-threshold: error\n", 1, "failur-threshold", ["unknown key", "did you mean 'failure-threshold'?"]),
        ("colour: red\n", 1, "colour", ["unknown key 'colour'", "allowed keys:", "settings"]),
        ("failure-threshold: fatal\n", 1, "failure-threshold", ["must be one of error, warning, info, style, none", "'fatal'"]),
        ("version: 2\n", 1, "version", ["must be 1, not 2"]),
        ("version: '1'\n", 1, "version", ["must be an integer, not a string"]),
        ("rules:\n  PY001: warn\n", 2, "rules.PY001", ["not 'warn'", "did you mean 'warning'?"]),
        ("rules:\n  PY001: 3\n", 2, "rules.PY001", ["or a mapping, not an integer"]),
        ("rules:\n  PY002:\n    severity: high\n", 3, "rules.PY002.severity", ["must be one of error, warning, info, style, off"]),
        ("rules: [PY001]\n", 1, "rules", ["must be a mapping, not a list"]),
        ("trusted-registries: registry.example.com\n", 1, "trusted-registries", ["must be a list, not a string"]),
        ("ignore:\n  - paths: legacy/*\n", 2, "ignore[0].paths", ["must be a list, not a string"]),
        ("ignore:\n  - paths: [a]\n    rule: [PY001]\n", 3, "ignore[0].rule", ["unknown key 'rule'", "did you mean 'rules'?"]),
        ("ignore:\n  - {}\n", 2, "ignore[0]", ["must name `paths`, `rules` or both"]),
        ("ignore:\n  - rules: [PY001, PY0002]\n", 2, "ignore[0].rules[1]", ["unknown rule code 'PY0002'", "did you mean"]),
        ("extends: strct\n", 1, "extends", ["unknown preset 'strct'", "did you mean 'strict'?"]),
        ("extends:\n  - recommended\n  - nope\n", 3, "extends[1]", ["unknown preset 'nope'", "available: recommended, strict"]),
        ("rules:\n  PY001: off\n  install-before-source: error\n", 3, "rules.install-before-source", ["configures PY001 again"]),
        ("$schema: 5\n", 1, "$schema", ["must be a string"]),
    ],
)
def test_yaml_errors_name_file_line_path_and_fix(tmp_path: Path, text: str, line: int, where: str, words: list[str]) -> None:
    message = error_of(tmp_path, text)
    assert message.startswith(f".imagepolicy.yml:{line}: {where}: ")
    for word in words:
        assert word in message


def test_options_are_validated_against_the_rules_fragment(tmp_path: Path) -> None:
    unknown = error_of(tmp_path, "rules:\n  too-many-layers:\n    max-layer: 3\n")
    assert ".imagepolicy.yml:3: rules.too-many-layers.max-layer: unknown option 'max-layer'" in unknown
    assert "PY003 (too-many-layers)" in unknown and "did you mean 'max-layers'?" in unknown
    wrong_type = error_of(tmp_path, "rules:\n  PY003:\n    max-layers: many\n")
    assert ":3: rules.PY003.max-layers: must be an integer, not a string" in wrong_type
    assert "imagepolicy explain PY003" in wrong_type
    too_small = error_of(tmp_path, "rules:\n  PY003: {max-layers: 0}\n")
    assert ":2: rules.PY003.max-layers: must be at least 1, not 0" in too_small
    no_options = error_of(tmp_path, "rules:\n  PY001:\n    severity: error\n    strict: true\n")
    assert ":4: rules.PY001.strict: unknown option 'strict'" in no_options and "takes no options" in no_options


def test_json_and_pyproject_errors_carry_lines_too(tmp_path: Path) -> None:
    json_message = error_of(tmp_path, '{\n  "rules": {\n    "PY003": {"max-layers": "x"}\n  }\n}\n', ".imagepolicy.json")
    assert ".imagepolicy.json:3: rules.PY003.max-layers: must be an integer" in json_message
    toml = """
        [tool.imagepolicy]
        version = 1

        [[tool.imagepolicy.ignore]]
        paths = ["legacy/**"]

        [[tool.imagepolicy.ignore]]
        paths = ["vendor/**"]
        rules = ["PY1"]
        """
    toml_message = error_of(tmp_path, toml, "pyproject.toml")
    assert "pyproject.toml:9: ignore[1].rules[0]: unknown rule code 'PY1'" in toml_message
    assert "did you mean 'PY001'?" in toml_message


def test_earliest_problem_is_reported_first(tmp_path: Path) -> None:
    message = error_of(tmp_path, "failure-threshold: fatal\nrules:\n  PY01: off\n")
    assert message.startswith(".imagepolicy.yml:1: failure-threshold: must be one of")


# --- resolution ---------------------------------------------------------------------------


def test_no_config_gives_defaults() -> None:
    config = resolve(None, RULES, {})
    assert config.path is None and config.failure_threshold is Severity.ERROR
    assert config.setting(RULES[2]) == RuleSetting(True, None, {"max-layers": 20, "count-empty": False})
    assert set(config.rules) == {"PY001", "PY002", "PY003", "SC"}
    assert config.ignore == () and config.extends == () and config.settings == {}
    declared = resolve(None, RULES, {}, settings=SETTINGS)
    assert declared.plugin_settings("images") == {"trusted-registries": [], "label-schema": {}, "strict": False}


def test_settings_by_code_name_and_alias(tmp_path: Path) -> None:
    config = resolve_text(
        tmp_path,
        """
        rules:
          install-before-source: warning
          DL9002: {severity: off}
          PY003: {count-empty: true}
        """,
    )
    assert config.setting(RULES[0]) == RuleSetting(True, Severity.WARNING, {})
    assert config.setting(RULES[1]).enabled is False
    assert config.setting(RULES[2]) == RuleSetting(True, None, {"max-layers": 20, "count-empty": True})
    assert "DL9002" not in config.rules and "install-before-source" not in config.rules


def test_rule_family_codes_fall_back_to_the_family_setting(tmp_path: Path) -> None:
    family = RULES[3]
    config = resolve_text(
        tmp_path,
        """
        rules:
          shellcheck: {severity: error, shell: bash}
          SC2086: off
          SC3001: {shell: dash}
        """,
    )
    assert config.setting(family, "SC2086") == RuleSetting(False, None, {"shell": "bash"})
    assert config.setting(family, "SC3001") == RuleSetting(True, Severity.ERROR, {"shell": "dash"})
    assert config.setting(family, "SC1000") == RuleSetting(True, Severity.ERROR, {"shell": "bash"})
    assert config.setting(family) == config.rules["SC"]
    plain = resolve(None, RULES, {})
    assert plain.setting(family, "SC2086") == RuleSetting(True, None, {"shell": "sh"})


def test_presets_apply_in_order_then_the_file(tmp_path: Path) -> None:
    presets = {
        "team": {"rules": {"PY003": {"severity": "error", "max-layers": 8}}, "trusted-registries": ["registry.team"]},
        "quiet": {"failure-threshold": "none", "rules": {"editable-install": "off"}},
    }
    config = resolve_text(
        tmp_path,
        """
        extends: [strict, team, quiet]
        rules:
          PY003: warning
        trusted-registries: ["*.internal.example"]
        """,
        presets=presets,
    )
    assert config.extends == ("strict", "team", "quiet")
    assert config.failure_threshold is None  # quiet came after strict
    assert config.setting(RULES[2]) == RuleSetting(True, Severity.WARNING, {"max-layers": 8, "count-empty": False})
    assert config.setting(RULES[1]).enabled is False
    assert config.plugin_settings("images")["trusted-registries"] == ["registry.team", "*.internal.example"]
    strict = resolve_text(tmp_path, "extends: strict\n")
    assert strict.failure_threshold is Severity.WARNING
    own = resolve_text(tmp_path, "extends: strict\nfailure-threshold: info\n")
    assert own.failure_threshold is Severity.INFO


def test_plugin_presets_are_validated_and_cannot_replace_core_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"preset 'bad': rules\.PY01: unknown rule code 'PY01'"):
        resolve_text(tmp_path, "extends: bad\n", presets={"bad": {"rules": {"PY01": "off"}}})
    with pytest.raises(InputError, match=r"preset 'loader': plugins: a preset cannot set 'plugins'"):
        resolve_text(tmp_path, "extends: loader\n", presets={"loader": {"plugins": ["x"]}})
    with pytest.raises(InputError, match="built into imagepolicy"):
        resolve(None, RULES, {"strict": {"failure-threshold": "error"}})
    assert resolve(None, RULES, {"strict": {"failure-threshold": "warning"}}).failure_threshold is Severity.ERROR


def test_failure_threshold_none_and_command_line_override(tmp_path: Path) -> None:
    assert resolve_text(tmp_path, "failure-threshold: none\n").failure_threshold is None
    overridden = resolve_text(tmp_path, "failure-threshold: none\n", overrides={"failure-threshold": "warning"})
    assert overridden.failure_threshold is Severity.WARNING
    kept = resolve_text(tmp_path, "failure-threshold: info\n", overrides={"failure-threshold": None})
    assert kept.failure_threshold is Severity.INFO
    with pytest.raises(InputError, match=r"^command line: failure-threshold: must be one of"):
        resolve(None, RULES, {}, overrides={"failure-threshold": "fatal"})


def test_plugins_and_data_are_kept(tmp_path: Path) -> None:
    config = resolve_text(tmp_path, "$schema: ./schema.json\nplugins: [acme.rules]\nrules: {install-before-source: off}\n")
    assert config.plugins == ("acme.rules",)
    assert config.data["rules"] == {"PY001": {"severity": "off"}}
    assert "$schema" not in config.data


# --- ignore ---------------------------------------------------------------------------------


def test_ignore_globs_and_codes(tmp_path: Path) -> None:
    config = resolve_text(
        tmp_path,
        """
        ignore:
          - paths: ["**/legacy/*"]
          - paths: ["Dockerfile.*"]
            rules: [editable-install, SC2086]
          - rules: [shellcheck]
            paths: [docker/ci]
        """,
    )
    assert config.ignore[1] == IgnoreEntry(paths=("Dockerfile.*",), rules=("PY002", "SC2086"))
    assert config.is_ignored("legacy/Dockerfile", "PY001")
    assert config.is_ignored("services/api/legacy/Dockerfile", "PY001")
    assert config.is_ignored("services/api/legacy/old/Dockerfile", "PY001")  # below a matched folder
    assert not config.is_ignored("services/legacy.Dockerfile", "PY001")
    assert not config.is_ignored("legacyx/Dockerfile", "PY001")
    assert config.is_ignored("Dockerfile.dev", "PY002")
    assert config.is_ignored("./services/Dockerfile.prod", "PY002")
    assert config.is_ignored("Dockerfile.dev", "SC2086")
    assert not config.is_ignored("Dockerfile.dev", "SC2046")
    assert not config.is_ignored("Dockerfile.dev", "PY001")
    assert not config.is_ignored("Dockerfile", "PY002")
    assert config.is_ignored("docker/ci/Dockerfile", "SC2046")  # family name covers all its codes
    assert not config.is_ignored("docker/ci/Dockerfile", "PY001")


def test_ignore_globs_with_double_star_and_classes(tmp_path: Path) -> None:
    config = resolve_text(tmp_path, "ignore:\n  - paths: ['images/**/Dockerfile', 'tmp?/[ab]*.df']\n")
    assert config.is_ignored("images/Dockerfile", "PY001")
    assert config.is_ignored("images/a/b/Dockerfile", "PY001")
    assert not config.is_ignored("other/images/Dockerfile", "PY001")
    assert config.is_ignored("tmp1/alpha.df", "PY001")
    assert not config.is_ignored("tmp1/zeta.df", "PY001")


# --- schema -----------------------------------------------------------------------------------


def test_core_schema_is_a_valid_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    schema = core_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "$schema", "version", "extends", "failure-threshold", "rules", "ignore", "settings", "plugins",
    }


def test_built_schema_is_valid_deterministic_and_lists_every_rule_key() -> None:
    from jsonschema import Draft202012Validator

    schema = build_schema(RULES, ["team"])
    Draft202012Validator.check_schema(schema)
    assert render_schema(RULES, ["team"]) == render_schema(list(reversed(RULES)), {"team"})
    assert json.loads(render_schema(RULES, ["team"])) == schema
    rules = schema["properties"]["rules"]
    assert rules["additionalProperties"] is False
    assert {"PY001", "install-before-source", "DL9002", "shellcheck", "SC"} <= set(rules["properties"])
    assert list(rules["patternProperties"]) == ["^(?:SC[0-9]{4})$"]
    assert schema["$defs"]["preset"]["enum"] == ["recommended", "strict", "team"]
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"rules": {"SC2086": "off", "PY003": {"max-layers": 3}}, "extends": ["team"]})
    assert not validator.is_valid({"rules": {"PY003": {"max-layer": 3}}})
    assert not validator.is_valid({"ignore": [{"rules": ["NOPE1"]}]})


def test_family_pattern_leaves_out_keys_that_name_a_rule_exactly() -> None:
    from jsonschema import Draft202012Validator

    own = Rule("PY010", "bash-syntax", Severity.ERROR, "dockerfile", "Bash syntax under sh.",
               aliases=("SC3001",), options={"type": "object", "properties": {"strict": {"type": "boolean"}}})
    schema = build_schema([*RULES, own], [])
    assert list(schema["properties"]["rules"]["patternProperties"]) == ["^(?!(?:SC3001)$)(?:SC[0-9]{4})$"]
    assert Draft202012Validator(schema).is_valid({"rules": {"SC3001": {"strict": True}}})
    config = resolve(None, [*RULES, own], {}, overrides=None)
    assert config.setting(own).enabled


# --- plugin settings --------------------------------------------------------------------------


def test_plugin_settings_are_read_with_defaults_and_merged_over_presets(tmp_path: Path) -> None:
    presets = {"team": {"settings": {"images": {"trusted-registries": ["registry.team"], "strict": True}}}}
    config = resolve_text(
        tmp_path,
        """
        extends: team
        settings:
          images:
            trusted-registries: ["*.internal.example"]
            label-schema: {maintainer: text}
        """,
        presets=presets,
    )
    assert config.plugin_settings("images") == {
        "trusted-registries": ["registry.team", "*.internal.example"],  # lists add up, as ignore does
        "label-schema": {"maintainer": "text"},
        "strict": True,
    }
    assert config.plugin_settings("nobody") == {}


@pytest.mark.parametrize(
    ("text", "line", "where", "words"),
    [
        ("settings:\n  imags: {}\n", 2, "settings.imags", ["unknown settings section 'imags'", "did you mean 'images'?"]),
        ("settings:\n  images:\n    strcit: true\n", 3, "settings.images.strcit",
         ["unknown setting 'strcit' of section images", "did you mean 'strict'?"]),
        ("settings:\n  images:\n    colour: red\n", 3, "settings.images.colour",
         ["its settings are: label-schema, strict, trusted-registries"]),
        ("settings:\n  images:\n    strict: yes\n", 3, "settings.images.strict", ["must be true or false, not a string"]),
        ("settings:\n  images:\n    label-schema: {a: link}\n", 3, "settings.images.label-schema.a", ["must be one of text, url"]),
        ("settings: [images]\n", 1, "settings", ["must be a mapping, not a list"]),
    ],
)
def test_settings_errors_name_file_line_path_and_fix(tmp_path: Path, text: str, line: int, where: str, words: list[str]) -> None:
    message = error_of(tmp_path, text)
    assert message.startswith(f".imagepolicy.yml:{line}: {where}: "), message
    for word in words:
        assert word in message, message


def test_moved_keys_still_work_with_one_note_naming_file_line_and_new_key(tmp_path: Path, capsys) -> None:
    old = """
        version: 1
        rules:
          install-before-source: {severity: warning, label-schema: {maintainer: url}}
        trusted-registries: [registry.example.com]
        """
    new = """
        version: 1
        rules:
          install-before-source: {severity: warning}
        settings:
          images: {label-schema: {maintainer: url}, trusted-registries: [registry.example.com]}
        """
    moved = resolve_text(tmp_path, old, name="moved.yml")
    err = capsys.readouterr().err
    assert "moved.yml:3: rules.install-before-source.label-schema is deprecated; write it as settings.images.label-schema" in err
    assert "moved.yml:4: trusted-registries is deprecated; write it as settings.images.trusted-registries" in err
    assert err.count("imagepolicy: note:") == 2
    resolve_text(tmp_path, old, name="moved.yml")
    assert capsys.readouterr().err == "", "each note is said once per run"
    current = resolve_text(tmp_path, new, name="new.yml")
    assert capsys.readouterr().err == ""
    assert moved.settings == current.settings
    assert moved.setting(RULES[0]) == current.setting(RULES[0]) == RuleSetting(True, Severity.WARNING, {})
    both = error_of(tmp_path, "trusted-registries: [a]\nsettings:\n  images: {trusted-registries: [b]}\n", name="both.yml")
    assert both.startswith("both.yml:1: trusted-registries: is set here and as settings.images.trusted-registries")
    wrong = error_of(tmp_path, "trusted-registries: registry.example.com\n", name="wrong.yml")
    assert wrong.startswith("wrong.yml:1: trusted-registries: must be a list, not a string")


def test_the_schema_has_a_closed_section_per_plugin_and_marks_old_places_deprecated() -> None:
    from jsonschema import Draft202012Validator

    schema = build_schema(RULES, [], SETTINGS)
    Draft202012Validator.check_schema(schema)
    section = schema["properties"]["settings"]["properties"]["images"]
    assert section["additionalProperties"] is False and section["description"] == "Where images come from"
    assert section["properties"]["trusted-registries"] == {
        "type": "array", "items": {"type": "string", "minLength": 1}, "default": [],
        "description": "Registries images may come from",
    }
    assert schema["properties"]["trusted-registries"]["deprecated"] is True
    assert "settings.images.trusted-registries" in schema["properties"]["trusted-registries"]["description"]
    py001 = schema["$defs"]["rule-PY001"]["anyOf"][1]["properties"]
    assert py001["label-schema"]["deprecated"] is True
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"settings": {"images": {"strict": True}}})
    assert not validator.is_valid({"settings": {"images": {"strickt": True}}})
    assert not validator.is_valid({"settings": {"other": {}}})
    assert "trusted-registries" not in build_schema(RULES, [])["properties"], "no plugin declares it: unknown"


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        (Settings("Images", "x"), "not a kebab-case name"),
        (Settings("images", ""), "needs a one-line description"),
        (Settings("images", "x", (Option("a", {"type": "integer"}, "1", "A number"),)), "the default '1' does not match"),
        (Settings("images", "x", (Option("a", {"type": "integer"}, 1, ""),)), "has no description"),
        (Settings("images", "x", (Option("a", {"type": 5}, 1, "A"),)), "invalid schema"),
        (Settings("images", "x", (Option("a", {}, 1, "A", moved_from=("rules.X",)),)), "neither a top-level key"),
        (Settings("images", "x", (Option("a", {}, 1, "A"), Option("a", {}, 2, "B"))), "not a unique kebab-case name"),
    ],
)
def test_a_settings_declaration_is_checked(section: Settings, problem: str) -> None:
    assert problem in (section.problem() or "")
    assert SETTINGS[0].problem() is None
