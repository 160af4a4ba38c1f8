"""BK016 expose-proto-casing (BuildKit ExposeProtoCasing)."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK016"

globals().update(standard_tests(CODE, example_lines=[2]))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("FROM alpine\nEXPOSE 80/TCP 53/udp\nEXPOSE 9000/Sctp\n", [2, 3]),
        ("FROM alpine\nARG PROTO=UDP\nEXPOSE 53/$PROTO\n", [3]),  # variables expanded first
        ("FROM alpine\nEXPOSE 80 443/tcp 53/udp\n", []),
    ],
    ids=["upper", "variable", "lowercase"],
)
def test_fires_on_the_expose_line(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_message_quotes_the_port(tmp_path):
    (finding,) = check(tmp_path, "FROM alpine\nEXPOSE 80/TcP\n", code=CODE)
    assert finding.message == "Defined protocol '80/TcP' in EXPOSE instruction should be lowercase"
    assert finding.fix == "Write EXPOSE 80/tcp."
