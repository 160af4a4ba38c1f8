"""BK017 expose-host-mapping (BuildKit ExposeInvalidFormat)."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK017"

globals().update(standard_tests(CODE, example_lines=[2]))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("FROM alpine\nEXPOSE 8080:80\n", [2]),
        ("FROM alpine\nEXPOSE 80\nEXPOSE 127.0.0.1:80:80/tcp [::1]:8080:8080\n", [3, 3]),
        ("FROM alpine\nEXPOSE 80 8000-8010/udp\n", []),  # ranges and protocols are fine
    ],
    ids=["host-port", "ip-and-ipv6", "plain"],
)
def test_fires_once_per_port(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE)) == expected


def test_message_and_fix(tmp_path):
    (finding,) = check(tmp_path, "FROM alpine\nEXPOSE 127.0.0.1:8080:80\n", code=CODE)
    assert finding.message.startswith("EXPOSE 127.0.0.1:8080:80: IP address and host-port mapping")
    assert "docker run -p 127.0.0.1:8080:80" in finding.fix
