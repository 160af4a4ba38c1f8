"""BK015 invalid-definition-description (BuildKit's experimental InvalidDefinitionDescription)."""

from __future__ import annotations

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK015"

# BuildKit testDefinitionDescription, first Dockerfile: no warnings
GOOD = """\
# check=experimental=InvalidDefinitionDescription
# foo this is the foo
ARG foo=bar

# base this is the base image
FROM scratch AS base

# version this is the version number
ARG version=latest

# baz this is the baz
ARG foo=baz bar=qux baz=quux
#
ARG bit=bat

# comment for something other than ARG or FROM
COPY Dockerfile .
"""

# second Dockerfile: warnings on lines 3, 5, 7 and 9
BAD = """\
# check=experimental=InvalidDefinitionDescription
# bar this is the bar
ARG foo=bar
# BasE this is the BasE image
FROM scratch AS base
# definitely a bad comment
ARG version=latest
# definitely a bad comment
ARG foo=baz bar=qux baz=quux
"""

globals().update(standard_tests(CODE, example_lines=[3, 6]))


def test_buildkit_lint_test_parity(tmp_path):
    assert check(tmp_path, GOOD, code=CODE) == []
    found = check(tmp_path, BAD, code=CODE)
    assert lines(found) == [3, 5, 7, 9]
    assert [f.message.split(" (found")[0] for f in found] == [
        "Comment for ARG should follow the format: `# foo <description>`",
        "Comment for FROM should follow the format: `# base <description>`",
        "Comment for ARG should follow the format: `# version <description>`",
        "Comment for ARG should follow the format: `# <arg_key> <description>`",
    ]


def test_off_unless_asked_for(tmp_path):
    assert check(tmp_path, BAD.split("\n", 1)[1], code=CODE) == []


def test_pragmas_are_not_descriptions(tmp_path):
    text = "# check=experimental=InvalidDefinitionDescription\n# hadolint ignore=DL3006\nFROM alpine AS base\n"
    assert check(tmp_path, text, code=CODE) == []
