"""DL3061 instruction-before-from: BuildKit refuses these files, so imagepolicy reports an input error."""

from __future__ import annotations

import pytest

from hadolint_oracle import hadolint_findings, only
from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.model import InputError
from rulecases import standard_tests
from ruletest import check

CODE = "DL3061"

globals().update(standard_tests(CODE, severity="error", example_refused=True))


@pytest.mark.parametrize("text,line", [
    ("LABEL a=b\nFROM python:3.12-slim\n", 1),
    ("# comment\nARG V=1\nRUN echo $V\nFROM python:3.12-slim\n", 3),
])
def test_hadolint_finding_is_an_input_error_on_the_same_line(tmp_path, text, line):
    assert only(CODE, hadolint_findings(text)) == {(CODE, line)}
    with pytest.raises(InputError) as err:
        parse_dockerfile(text=text, context_dir=tmp_path)
    assert f":{line}" in str(err.value) or f"line {line}" in str(err.value), str(err.value)
    assert "before the first FROM" in str(err.value)


def test_arg_before_from_is_silent(tmp_path):
    text = "# syntax=docker/dockerfile:1\nARG PY=3.12\nFROM python:${PY}-slim\n"
    assert only(CODE, hadolint_findings(text)) == set()
    assert check(tmp_path, text, code=CODE) == []
