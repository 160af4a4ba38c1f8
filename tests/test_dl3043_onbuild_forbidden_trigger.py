"""DL3043 onbuild-forbidden-trigger: BuildKit refuses these files, so imagepolicy reports an input error."""

from __future__ import annotations

import pytest

from hadolint_oracle import hadolint_findings, only
from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.model import InputError
from ruletest import check, docs_blocks, rule_by_code

CODE = "DL3043"


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


def test_docs_use_instead_is_silent_and_example_is_refused(tmp_path):
    rule = rule_by_code(CODE)
    assert rule.severity.label == "error"
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    with pytest.raises(InputError):
        parse_dockerfile(text=example, context_dir=tmp_path)
    assert check(tmp_path, instead, code=CODE) == []
