"""BK009 overridden-instruction (BuildKit MultipleInstructionsDisallowed): BuildKit's lint tests, docs, DL4003 next to it."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check as run_check
from ruletest import lines, rule_by_code

CODE = "BK009"
# Off by default (a hadolint rule overlaps it); these tests turn it on as a user would.
ENABLED = {"version": 1, "rules": {CODE: "warning"}}

globals().update(standard_tests(CODE, example_lines=[3], config=ENABLED))


def check(tmp_path, text, files=None, code=None, config=None):
    return run_check(tmp_path, text, files, code=code, config=config or ENABLED)


def test_off_by_default(tmp_path):
    assert rule_by_code(CODE).default_enabled is False


@pytest.mark.parametrize(
    "text, expected",
    [
        # BuildKit testMultipleInstructionsDisallowed (line 1 blank there, '#' here)
        ('#\nFROM scratch\nENTRYPOINT ["/myapp"]\nENTRYPOINT ["/myotherapp"]\nCMD ["/myapp"]\nCMD ["/myotherapp"]\n'
         'HEALTHCHECK CMD ["/myapp"]\nHEALTHCHECK CMD ["/myotherapp"]\n', [3, 5, 7]),
        ('#\nFROM scratch\nENTRYPOINT ["/myapp"]\nCMD ["/myapp"]\nHEALTHCHECK CMD ["/myapp"]\nCOPY <<EOF /a.txt\nHello, World!\n'
         'EOF\nENTRYPOINT ["/myotherapp"]\nCMD ["/myotherapp"]\nHEALTHCHECK CMD ["/myotherapp"]\n', [3, 4, 5]),
        ('#\nFROM scratch AS a\nENTRYPOINT ["/myapp"]\nCMD ["/myapp"]\nHEALTHCHECK CMD ["/myapp"]\n\nFROM a AS b\n'
         'ENTRYPOINT ["/myotherapp"]\nCMD ["/myotherapp"]\nHEALTHCHECK CMD ["/myotherapp"]\n', []),
        ('FROM scratch\nCMD ["a"]\nCMD ["b"]\nCMD ["c"]\n', [2, 3]),
    ],
    ids=["all-three", "split-by-copy", "child-stage", "three-cmds"],
)
def test_reports_the_overridden_line(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_differs_from_dl4003_in_the_line(tmp_path):
    """hadolint's DL4003 reports the later CMD; BuildKit's check the earlier, ignored one."""
    text = 'FROM scratch\nCMD ["a"]\nCMD ["b"]\n'
    assert lines(check(tmp_path, text, code="DL4003")) == [3]
    found = check(tmp_path, text, code=CODE)
    assert lines(found) == [2]
    assert found[0].message.startswith("Multiple CMD instructions should not be used in the same stage")
