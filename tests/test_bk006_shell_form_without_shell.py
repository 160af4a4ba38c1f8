"""BK006 shell-form-without-shell (BuildKit JSONArgsRecommended): BuildKit's lint tests, docs, and DL3025 next to it."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check as run_check
from ruletest import lines, rule_by_code

CODE = "BK006"
# Off by default (a hadolint rule overlaps it); these tests turn it on as a user would.
ENABLED = {"version": 1, "rules": {CODE: "warning"}}

globals().update(standard_tests(CODE, example_lines=[2], config=ENABLED, instead_blocks=2))


def check(tmp_path, text, files=None, code=None, config=None):
    return run_check(tmp_path, text, files, code=code, config=config or ENABLED)


def test_off_by_default(tmp_path):
    assert rule_by_code(CODE).default_enabled is False


@pytest.mark.parametrize(
    "text, expected",
    [
        # BuildKit testJSONArgsRecommended
        ("#\nFROM scratch\nCMD mycommand\n", [3]),
        ("#\nFROM scratch\nENTRYPOINT mycommand\n", [3]),
        ("#\nFROM scratch\nSHELL [\"/usr/bin/customshell\"]\nCMD mycommand\n", []),
        ("#\nFROM scratch\nSHELL [\"/usr/bin/customshell\"]\nENTRYPOINT mycommand\n", []),
        ("#\nFROM scratch AS base\nSHELL [\"/usr/bin/customshell\"]\n\nFROM base\nCMD mycommand\n", []),
        ("#\nFROM scratch AS base\nSHELL [\"/usr/bin/customshell\"]\n\nFROM base\nENTRYPOINT mycommand\n", []),
        # near misses and order
        ("FROM alpine\nCMD [\"app\", \"serve\"]\n", []),
        ("FROM alpine\nCMD app serve\nSHELL [\"/bin/sh\", \"-c\"]\n", [2]),  # SHELL after the CMD does not count
        ("FROM alpine AS a\nSHELL [\"/bin/bash\", \"-c\"]\nFROM alpine\nCMD app\n", [4]),  # another stage's SHELL
    ],
    ids=["cmd", "entrypoint", "shell-cmd", "shell-entrypoint", "parent-shell-cmd", "parent-shell-entrypoint",
         "exec-form", "shell-after", "unrelated-stage"],
)
def test_fires_like_buildkit(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_message_and_fix(tmp_path):
    (finding,) = check(tmp_path, "FROM scratch\nCMD mycommand --flag\n", code=CODE)
    assert finding.message.startswith("JSON arguments recommended for CMD to prevent unintended behavior related to OS signals")
    assert '["mycommand", "--flag"]' in finding.fix


def test_differs_from_dl3025_only_after_an_explicit_shell(tmp_path):
    """DL3025 (hadolint) flags every shell-form CMD; BK006 accepts one after SHELL."""
    text = "FROM alpine\nSHELL [\"/bin/sh\", \"-c\"]\nCMD app serve\n"
    assert lines(check(tmp_path, text, code="DL3025")) == [3]
    assert check(tmp_path, text, code=CODE) == []
