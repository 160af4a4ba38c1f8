"""BK003 empty-continuation-line (BuildKit NoEmptyContinuation): cases from BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK003"

globals().update(standard_tests(CODE, example_lines=[4]))


@pytest.mark.parametrize(
    "text, expected",
    [
        # BuildKit testNoEmptyContinuation: reported on the instruction's last line (6)
        ("#\nFROM scratch\n# warning: empty continuation line\nCOPY Dockerfile \\\n\n.\nCOPY Dockerfile \\\n.\n", [6]),
        ("FROM alpine\nRUN apk add \\\n\n    gnupg \\\n\n    curl\n", [6]),
        ("FROM alpine\nRUN apk add \\\n    # a comment is not empty\n    curl\n", []),  # near miss
        ("FROM alpine\nRUN echo a\n\nRUN echo b\n", []),  # near miss: blank line between instructions
        ("FROM alpine\nRUN <<EOF\necho a\n\necho b\nEOF\n", []),  # near miss: blank line in a heredoc body
        ("FROM alpine\nRUN echo a \\\n", []),  # near miss: the text after the final newline is no line
        ("FROM alpine\nRUN echo a \\\n\n", [3]),  # a real blank line before the end of the file
    ],
    ids=["buildkit-test", "docs-description", "comment-line", "between-instructions", "heredoc-body",
         "continuation-on-last-line", "blank-last-line"],
)
def test_fires_on_the_last_line(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_whitespace_only_line_counts_as_empty(tmp_path):
    (finding,) = check(tmp_path, "FROM alpine\nEXPOSE \\\n   \n80\n", code=CODE)
    assert (finding.line, finding.severity.label) == (4, "warning")
    assert "line 2" in finding.message
