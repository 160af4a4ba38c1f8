"""DL3057 healthcheck-missing: off unless the config names it, as in hadolint."""

from __future__ import annotations

from hadolint_oracle import hadolint_findings, only
from rulecases import standard_tests
from ruletest import check

CODE = "DL3057"
ON = {"rules": {"DL3057": "info"}}

# (Dockerfile, lines where both tools report DL3057 once it is enabled)
CASES = [
    ("FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n", [1]),
    ("FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/\n", []),
    ("FROM nginx:1.27\nHEALTHCHECK NONE\n", []),
    ("FROM nginx:1.27 AS base\nHEALTHCHECK CMD true\nFROM base\nCMD [\"nginx\"]\n", []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    "builder stages are not judged": (
        "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM nginx:1.27\nHEALTHCHECK CMD true\n", [1], []),
}

globals().update(standard_tests(CODE, cases=CASES, divergences=DIVERGENCES, config=ON, hadolint_args=("--info", CODE)))


def test_off_by_default_like_hadolint(tmp_path):
    text = "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n"
    assert only(CODE, hadolint_findings(text)) == set()
    assert check(tmp_path, text, code=CODE) == []


def test_message_names_the_final_stage(tmp_path):
    (finding,) = check(tmp_path, "FROM nginx:1.27\n", code=CODE, config={"rules": {"DL3057": "warning"}})
    assert finding.severity.label == "warning" and "nginx:1.27" in finding.message and finding.fix
