"""BK001 stage-name-casing (BuildKit StageNameCasing): cases from BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK001"

globals().update(standard_tests(CODE))


@pytest.mark.parametrize(
    "text, expected",
    [
        # BuildKit testStageName (its line 1 is blank; ours is a comment, so lines match)
        ("#\n# warning: stage name should be lowercase\n#\nFROM scratch AS BadStageName\n\nFROM scratch as base2\n\nFROM scratch AS base3\n", [4]),
        ("FROM alpine AS Build\nFROM alpine AS test\nFROM alpine AS RUNTIME\n", [1, 3]),
        ("FROM alpine AS build\n", []),  # near miss: lowercase
        ("FROM Alpine\n", []),  # near miss: the image, not a stage name
    ],
    ids=["buildkit-test", "two-stages", "lowercase", "no-stage-name"],
)
def test_fires_on_the_from_line(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_message_quotes_the_name(tmp_path):
    (finding,) = check(tmp_path, "FROM alpine AS BuilderBase\n", code=CODE)
    assert finding.message == "Stage name 'BuilderBase' should be lowercase"
    assert finding.severity.label == "info" and "builderbase" in finding.fix


def test_check_skip_directive_silences_it(tmp_path):
    assert check(tmp_path, "# check=skip=StageNameCasing\nFROM alpine AS Build\n", code=CODE) == []
