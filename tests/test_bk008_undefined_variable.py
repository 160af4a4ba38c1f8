"""BK008 undefined-variable (BuildKit UndefinedVar): BuildKit's lint tests, docs and the base-image-env option."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK008"

globals().update(standard_tests(CODE, example_lines=[2], instead_blocks=2))


@pytest.mark.parametrize(
    "text, expected, detail",
    [
        # BuildKit testUnmatchedVars and testAllTargetUnmarshal (line 1 blank there, '#' here)
        ("#\nFROM scratch\nARG foo\nCOPY Dockerfile${foo} .\n", [], None),
        ("#\nFROM alpine AS base\nARG foo=Dockerfile\n\nFROM base\nCOPY $foo .\n", [], None),
        ("#\nFROM alpine\nRUN echo $PATH\n", [], None),
        ("#\nFROM alpine\nCOPY $foo .\nARG foo=bar\nRUN echo $foo\n", [3], "Usage of undefined variable '$foo'"),
        ("#\nFROM alpine\nARG DIR_BINARIES=binaries/\nARG DIR_ASSETS=assets/\nARG DIR_CONFIG=config/\nCOPY $DIR_ASSET .\n",
         [6], "Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?)"),
        ("#\nFROM alpine\nENV PATH=$PAHT:/tmp/bin\n", [3], "Usage of undefined variable '$PAHT' (did you mean $PATH?)"),
        ("#\nFROM scratch AS first\nCOPY $foo .\n\nFROM scratch AS second\nCOPY $bar .\n", [3, 6], None),
        # more instructions the builder expands, and what it does not
        ("FROM alpine\nWORKDIR /src/$APP\nUSER $UID\nLABEL version=$VERSION\n", [2, 3, 4], None),
        ("FROM alpine\nRUN echo $UNSET\nCMD echo $UNSET\n", [], None),  # the shell expands these
        ("FROM alpine\nENV A=${UNSET:-fallback}\n", [], None),
        ("ARG VERSION=1\nFROM alpine\nLABEL v=$VERSION\n", [3], None),  # a global ARG is not in scope until redeclared
        ("ARG VERSION=1\nFROM alpine\nARG VERSION\nLABEL v=$VERSION\n", [], None),
        ("FROM alpine\nARG A=1 B=$A\n", [], None),  # earlier keys of the same ARG are visible
        ("FROM alpine\nCOPY --chown=$APP_USER app /app\n", [2], None),
    ],
    ids=["declared-arg", "parent-stage-arg", "run-path", "used-before-arg", "typo-suggestion", "path-typo",
         "two-stages", "workdir-user-label", "shell-forms", "default-form", "global-arg", "redeclared",
         "same-instruction", "copy-chown"],
)
def test_fires_like_buildkit(tmp_path, text, expected, detail):
    found = check(tmp_path, text, code=CODE)
    assert lines(found) == expected
    if detail:
        assert found[0].message == detail


@pytest.mark.parametrize(
    "image, name",
    [("python:3.12-slim", "PYTHON_VERSION"), ("golang:1.22", "GOPATH"), ("docker.io/library/node:20", "NODE_VERSION"),
     ("mcr.microsoft.com/dotnet/aspnet:8.0", "ASPNET_VERSION")],
)
def test_known_official_image_env_is_defined(tmp_path, image, name):
    assert check(tmp_path, f"FROM {image}\nLABEL v=${name}\n", code=CODE) == []
    assert lines(check(tmp_path, f"FROM alpine\nLABEL v=${name}\n", code=CODE)) == [2]


def test_base_image_env_option_declares_more(tmp_path):
    text = "FROM registry.example.com/team/base:1\nWORKDIR /srv/$APP_HOME\n"
    assert lines(check(tmp_path, text, code=CODE)) == [2]
    config = {"version": 1, "rules": {CODE: {"base-image-env": {"*/team/base": ["APP_HOME"]}}}}
    assert check(tmp_path, text, code=CODE, config=config) == []
