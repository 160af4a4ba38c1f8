"""DL3043 onbuild-forbidden-trigger: BuildKit refuses these files, so imagepolicy reports an input error."""

from __future__ import annotations

import pytest

from hadolint_oracle import hadolint_findings, only
from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.model import InputError
from rulecases import standard_tests
from ruletest import check

CODE = "DL3043"

globals().update(standard_tests(CODE, severity="error", example_refused=True))


@pytest.mark.parametrize("trigger,line", [
    ("ONBUILD ONBUILD RUN make", 2),
    ("ONBUILD FROM debian:12", 2),
    ("ONBUILD MAINTAINER me", 2),
])
def test_hadolint_finding_is_an_input_error_on_the_same_line(tmp_path, trigger, line):
    text = f"FROM python:3.12-slim\n{trigger}\n"
    assert only(CODE, hadolint_findings(text)) == {(CODE, line)}
    with pytest.raises(InputError) as err:
        parse_dockerfile(text=text, context_dir=tmp_path)
    assert f":{line}" in str(err.value) or f"line {line}" in str(err.value), str(err.value)
    assert "ONBUILD" in str(err.value)


def test_allowed_triggers_are_silent(tmp_path):
    text = "FROM python:3.12-slim\nONBUILD RUN make\nONBUILD COPY . /app\n"
    assert only(CODE, hadolint_findings(text)) == set()
    assert check(tmp_path, text, code=CODE) == []
