"""BK010 legacy-key-value-format (BuildKit LegacyKeyValueFormat): BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK010"

globals().update(standard_tests(CODE, example_lines=[2]))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#\nFROM scratch\nENV testkey value\nLABEL key value\n", [3, 4]),  # BuildKit testLegacyKeyValueFormat
        ("#\nFROM scratch\nENV testkey=value\nLABEL key=value\n", []),
        ("#\nFROM scratch AS a\n\nFROM a AS b\nENV testkey value\nLABEL key value\n\nFROM a AS c\n", [5, 6]),
        ("FROM alpine\nARG foo bar\n", []),  # near miss: two ARG names, not a legacy pair
        ('FROM alpine\nENV A="1 2" B=3\n', []),
    ],
    ids=["legacy", "modern", "unreachable-stage", "arg-two-names", "quoted"],
)
def test_fires_on_the_instruction(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_message_and_fix(tmp_path):
    (finding,) = check(tmp_path, "FROM scratch\nENV testkey value\n", code=CODE)
    assert finding.message.startswith('"ENV key=value" should be used instead of legacy "ENV key value" format')
    assert finding.fix == 'Write ENV testkey="value".'
