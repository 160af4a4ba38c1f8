"""BK007 undefined-arg-in-from (BuildKit UndefinedArgInFrom): BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK007"

globals().update(standard_tests(CODE, example_lines=[1]))


@pytest.mark.parametrize(
    "text, expected, detail",
    [
        # BuildKit testUndeclaredArg (its line 1 is blank; ours is a comment)
        ("#\nARG base=scratch\nFROM $base\nCOPY Dockerfile .\n", [], None),
        ("#\nARG BUILDPLATFORM=linux/amd64\nFROM --platform=$BUILDPLATFORM scratch\n", [], None),
        ("#\nFROM --platform=$BUILDPLATFORM scratch\n", [], None),
        ("#\nARG DEBUG\nFROM scratch${DEBUG}\n", [], None),
        ("#\nARG DEBUG\nFROM scra${DEBUG:-tch}\n", [], None),
        ('#\nARG DEBUG=""\nFROM scratch${DEBUG-@bogus}\n', [], None),
        ("#\nFROM --platform=$BULIDPLATFORM scratch\n", [2], "FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?)"),
        ("#\nARG MY_OS=linux\nARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} busybox\n", [4], "FROM argument 'MYARCH' is not declared (did you mean MY_ARCH?)"),
        ("#\nARG tag=latest\nFROM busybox:${tag}${version} AS b\n", [3], "FROM argument 'version' is not declared"),
    ],
    ids=["declared", "automatic-redeclared", "automatic", "no-default", "default-form", "dash-form",
         "typo-platform", "typo-arch", "undeclared"],
)
def test_fires_like_buildkit(tmp_path, text, expected, detail):
    found = check(tmp_path, text, code=CODE)
    assert lines(found) == expected
    if detail:
        assert found[0].message == detail


def test_a_stage_arg_does_not_declare_it_for_from(tmp_path):
    text = "FROM alpine AS a\nARG VARIANT=-slim\nFROM python:3.12${VARIANT}\n"
    assert lines(check(tmp_path, text, code=CODE)) == [3]
