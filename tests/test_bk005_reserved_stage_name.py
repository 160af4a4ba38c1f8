"""BK005 reserved-stage-name (BuildKit ReservedStageName): BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "BK005"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#\nFROM scratch AS scratch\nFROM scratch AS context\n", [2, 3]),  # BuildKit testReservedStageName
        ("FROM alpine AS Scratch\n", [1]),  # BuildKit lowercases stage names
        ("#\nFROM scratch\nFROM scratch AS a\n", []),  # near miss: scratch as the image
        ("FROM alpine AS contexts\n", []),  # near miss: only the exact words
    ],
    ids=["buildkit-test", "any-case", "scratch-image", "similar-name"],
)
def test_fires_on_the_from_line(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_message_names_the_reserved_word(tmp_path):
    (finding,) = check(tmp_path, "FROM alpine AS context\n", code=CODE)
    assert finding.message == 'Stage name should not use the same name as reserved stage "context"'


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    for block in docs_blocks(rule, "Example"):
        assert lines(check(tmp_path, block, code=CODE)) == [1, 2]
    for block in docs_blocks(rule, "Use instead"):
        assert check(tmp_path, block, code=CODE) == []
