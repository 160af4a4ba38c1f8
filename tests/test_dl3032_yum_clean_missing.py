"""DL3032 yum-clean-missing: yum install without yum clean all"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3032"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3032)
CASES = [
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6\n', [2]),
    ('FROM centos:7\nRUN yum clean all\nRUN yum -y install httpd-2.4.6\n', [3]),
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n', []),
    ('FROM centos:7\nRUN yum install -y httpd-2.4.6 && rm -rf /var/cache/yum/*\n', []),
    ('FROM centos:7\nRUN yum groupinstall -y Tools\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'cache mount on /var/cache/yum': ('FROM centos:7\nRUN --mount=type=cache,target=/var/cache/yum yum install -y httpd-2.4.6\n', [2], []),
    'builder stage not in the final image': ('FROM centos:7 AS build\nRUN yum install -y gcc-4.8.5\nFROM scratch\nCOPY --from=build /usr/bin/gcc /gcc\n', [2], []),
}


def _text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _ours(tmp_path, text: str) -> list[int]:
    return lines(check(tmp_path, text, code=CODE))


def _theirs(tmp_path, text: str) -> set[tuple[str, int]]:
    return only(CODE, hadolint_findings(text))


@pytest.mark.parametrize("text,expected", CASES, ids=range(len(CASES)))
def test_fires_on_the_same_lines_as_hadolint(tmp_path, text, expected):
    text = _text(text)
    assert _ours(tmp_path, text) == expected
    assert _theirs(tmp_path, text) == {(CODE, line) for line in expected}


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_documented_divergence_from_hadolint(tmp_path, name):
    text, hadolint_lines, our_lines = DIVERGENCES[name]
    text = _text(text)
    assert _theirs(tmp_path, text) == {(CODE, line) for line in hadolint_lines}, "hadolint's verdict changed"
    assert _ours(tmp_path, text) == our_lines


def test_message_severity_and_fix(tmp_path):
    text, expected = next((t, e) for t, e in CASES if e)
    findings = check(tmp_path, _text(text), code=CODE)
    assert findings[0].severity.label == "warning"
    assert findings[0].fix
    assert 'yum install -y httpd-2.4.6' in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE)
    assert check(tmp_path / "b", instead, code=CODE) == []
