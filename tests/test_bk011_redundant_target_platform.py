"""BK011 redundant-target-platform (BuildKit RedundantTargetPlatform): BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "BK011"


@pytest.mark.parametrize(
    "text, expected, shown",
    [
        ("#\nFROM --platform=$TARGETPLATFORM scratch\n", [2], "$TARGETPLATFORM"),  # BuildKit testRedundantTargetPlatform
        ("#\nFROM --platform=${TARGETPLATFORM} scratch\n", [2], "${TARGETPLATFORM}"),
        ("FROM --platform=$BUILDPLATFORM alpine\n", [], None),
        ("FROM --platform=$TARGETOS/$TARGETARCH alpine\n", [], None),
        ("FROM --platform=linux/amd64 alpine\n", [], None),
    ],
    ids=["bare", "braced", "buildplatform", "os-arch", "constant"],
)
def test_fires_like_buildkit(tmp_path, text, expected, shown):
    found = check(tmp_path, text, code=CODE)
    assert lines(found) == expected
    if shown:
        assert found[0].message == f"Setting platform to predefined {shown} in FROM is redundant as this is the default behavior"
        assert found[0].severity.label == "info"


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    for block in docs_blocks(rule, "Example"):
        assert lines(check(tmp_path, block, code=CODE)) == [1]
    for block in docs_blocks(rule, "Use instead"):
        assert check(tmp_path, block, code=CODE) == []
