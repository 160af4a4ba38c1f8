"""BK004 inconsistent-instruction-casing (BuildKit ConsistentInstructionCasing): BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK004"

globals().update(standard_tests(CODE, example_lines=[1, 2, 3]))


@pytest.mark.parametrize(
    "text, expected, detail",
    [
        # BuildKit testConsistentInstructionCasing, one case per Dockerfile (line 1 blank there, '#' here)
        ("#\n# warning\n#\nFrom scratch as base\nFROM scratch AS base2\n", [4], "Command 'From' should match the case of the command majority (uppercase)"),
        ("#\nFROM scratch\n# warning\ncopy Dockerfile /foo\nCOPY Dockerfile /bar\n", [4], "Command 'copy' should match the case of the command majority (uppercase)"),
        ("#\n# warning\n#\nfrOM scratch as base\nfrom scratch as base2\n", [4], "Command 'frOM' should match the case of the command majority (lowercase)"),
        ("#\nfrom scratch\n# warning\nCOPY Dockerfile /foo\ncopy Dockerfile /bar\n", [4], "Command 'COPY' should match the case of the command majority (lowercase)"),
        ("#\n# warning\n#\nfrom scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\nCOPY Dockerfile /baz\n", [4], "Command 'from' should match the case of the command majority (uppercase)"),
        ("#\n# warning\n#\nFROM scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\ncopy Dockerfile /baz\n", [4], "Command 'FROM' should match the case of the command majority (lowercase)"),
        ("from scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\n", [], None),
        ("FROM scratch\nCOPY Dockerfile /foo\nCOPY Dockerfile /bar\n", [], None),
        ("FROM alpine\nRUN <<'EOT'\nenv\nEOT\n", [], None),
        ("arg V=1\nFROM alpine:$V\nRUN true\n", [], None),  # near miss: global ARGs are not counted
    ],
    ids=["From", "copy", "frOM", "COPY", "from", "FROM", "all-lower", "all-upper", "heredoc", "global-arg"],
)
def test_fires_like_buildkit(tmp_path, text, expected, detail):
    found = check(tmp_path, text, code=CODE)
    assert lines(found) == expected
    if detail:
        assert found[0].message == detail
