"""DL3036 zypper-clean-missing: zypper install without zypper clean"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3036"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3036)
CASES = [
    ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58\n', [2]),
    ('FROM opensuse/leap:15.6\nRUN zypper clean\nRUN zypper -n in httpd=2.4.58\n', [3]),
    ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58 && zypper clean\n', []),
    ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58 && zypper cc -a\n', []),
    ('FROM opensuse/leap:15.6\nRUN zypper -n refresh\n', []),
    ('FROM opensuse/leap:15.6\nRUN --mount=type=cache,target=/var/cache/zypp zypper install -y httpd=2.4.58\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'rm of /var/cache/zypp': ('FROM opensuse/leap:15.6\nRUN zypper install -y httpd=2.4.58 && rm -rf /var/cache/zypp/*\n', [2], []),
    'builder stage not in the final image': ('FROM opensuse/leap:15.6 AS build\nRUN zypper install -y gcc=7\nFROM scratch\nCOPY --from=build /usr/bin/gcc /gcc\n', [2], []),
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
    assert 'zypper install -y httpd=2.4.58' in findings[0].message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE)
    assert check(tmp_path / "b", instead, code=CODE) == []
