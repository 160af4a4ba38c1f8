"""BK013 invalid-default-arg-in-from (BuildKit InvalidDefaultArgInFrom): BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK013"

globals().update(standard_tests(CODE, example_lines=[2]))


@pytest.mark.parametrize(
    "text, build_args, expected",
    [
        # BuildKit testInvalidDefaultArgInFrom (line 1 blank there, '#' here); the build args make the build work
        ("#\nARG VERSION\nFROM busybox:$VERSION\n", {"VERSION": "latest"}, [3]),
        ("#\nARG IMAGE\nFROM $IMAGE\n", {"IMAGE": "busybox:latest"}, [3]),
        ('#\nARG SFX="box:"\nFROM busy${SFX}\n', {"SFX": "box:latest"}, [3]),
        ('#\nARG VERSION="latest"\nFROM busybox:${VERSION}\n', {"VERSION": "latest"}, []),
        ('#\nARG BUSYBOX_VARIANT=""\nFROM busybox:stable${BUSYBOX_VARIANT}\n', {"BUSYBOX_VARIANT": "-musl"}, []),
        ("#\nARG BUSYBOX_VARIANT\nFROM busybox:stable${BUSYBOX_VARIANT}\n", {"BUSYBOX_VARIANT": "-musl"}, []),
        ("ARG REPO=Library/Python\nFROM ${REPO}:3.12\n", {}, [2]),  # uppercase repository
    ],
    ids=["empty-tag", "empty-image", "trailing-colon", "default-ok", "empty-suffix", "no-default-suffix", "uppercase"],
)
def test_fires_like_buildkit(tmp_path, text, build_args, expected):
    assert lines(check(tmp_path, text, code=CODE, build_args=build_args)) == expected


def test_message_quotes_the_from_value(tmp_path):
    (finding,) = check(tmp_path, "ARG VERSION\nFROM busybox:$VERSION\n", code=CODE)
    assert finding.message.startswith("Default value for ARG busybox:$VERSION results in empty or invalid base image name")
