"""DL3057 healthcheck-missing: off unless the config names it, as in hadolint."""

from __future__ import annotations

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

CODE = "DL3057"
ON = {"rules": {"DL3057": "info"}}


def _theirs(text: str, enabled: bool = True) -> set[tuple[str, int]]:
    return only(CODE, hadolint_findings(text, *(("--info", CODE) if enabled else ())))


@pytest.mark.parametrize("text,expected", [
    ("FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n", [1]),
    ("FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/\n", []),
    ("FROM nginx:1.27\nHEALTHCHECK NONE\n", []),
    ("FROM nginx:1.27 AS base\nHEALTHCHECK CMD true\nFROM base\nCMD [\"nginx\"]\n", []),
])
def test_fires_on_the_same_lines_as_hadolint_when_enabled(tmp_path, text, expected):
    assert lines(check(tmp_path, text, code=CODE, config=ON)) == expected
    assert _theirs(text) == {(CODE, line) for line in expected}


def test_off_by_default_like_hadolint(tmp_path):
    text = "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n"
    assert _theirs(text, enabled=False) == set()
    assert check(tmp_path, text, code=CODE) == []


def test_divergence_builder_stages_are_not_judged(tmp_path):
    text = "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM nginx:1.27\nHEALTHCHECK CMD true\n"
    assert _theirs(text) == {(CODE, 1)}
    assert check(tmp_path, text, code=CODE, config=ON) == []


def test_message_names_the_final_stage(tmp_path):
    (finding,) = check(tmp_path, "FROM nginx:1.27\n", code=CODE, config={"rules": {"DL3057": "warning"}})
    assert finding.severity.label == "warning" and "nginx:1.27" in finding.message and finding.fix


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert check(tmp_path / "a", example, code=CODE, config=ON)
    assert check(tmp_path / "b", instead, code=CODE, config=ON) == []
