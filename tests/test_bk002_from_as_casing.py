"""BK002 from-as-casing (BuildKit FromAsCasing): cases from BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK002"

globals().update(standard_tests(CODE))


@pytest.mark.parametrize(
    "text, expected",
    [
        # BuildKit testStageName, first and second Dockerfile (line 1 blank there, a comment here)
        ("#\n# warning\n#\nFROM scratch AS BadStageName\n\n# warning\n#\nFROM scratch as base2\n\nFROM scratch AS base3\n", [8]),
        ("#\n# warning: 'AS' should match 'from' cmd casing.\n#\nfrom scratch AS base\n\nfrom scratch as base2\n", [4]),
        ("FROM alpine As build\n", [1]),
        ("From alpine as build\n", []),  # near miss: mixed-case FROM is BK004's
        ("FROM alpine\n", []),  # near miss: no AS
    ],
    ids=["upper-from-lower-as", "lower-from-upper-as", "mixed-as", "mixed-from", "no-as"],
)
def test_fires_on_the_from_line(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_message_names_both_keywords(tmp_path):
    (finding,) = check(tmp_path, "FROM scratch as base\n", code=CODE)
    assert finding.message == "'as' and 'FROM' keywords' casing do not match"


@pytest.mark.parametrize("skip", ["FromAsCasing", "BK002", "from-as-casing", "all"])
def test_check_skip_by_any_name(tmp_path, skip):
    # BuildKit testRuleCheckOption: skip=ConsistentInstructionCasing still reports FromAsCasing on line 2
    text = f"#check=skip={skip}\nFROM scratch as base\ncopy Dockerfile .\n"
    assert check(tmp_path, text, code=CODE) == []
    kept = check(tmp_path, "#check=skip=ConsistentInstructionCasing\nFROM scratch as base\ncopy Dockerfile .\n", code=CODE)
    assert lines(kept) == [2]
