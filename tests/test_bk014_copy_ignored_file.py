"""BK014 copy-ignored-file (BuildKit's experimental CopyIgnoredFile): BuildKit's lint tests and docs."""

from __future__ import annotations

import pytest

from rulecases import standard_tests
from ruletest import check, lines

CODE = "BK014"
IGNORE_DOCKERFILE = {".dockerignore": "\nDockerfile\n"}

globals().update(standard_tests(CODE, example_lines=[3], files={**IGNORE_DOCKERFILE, "README.md": "hi\n"}))


def test_off_unless_asked_for(tmp_path):
    """BuildKit testCopyIgnoredFiles: no warning without the experimental opt-in."""
    text = "#\nFROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n"
    assert check(tmp_path, text, files=IGNORE_DOCKERFILE, code=CODE) == []


@pytest.mark.parametrize("directive", ["# check=experimental=CopyIgnoredFile", "# check=skip=all;experimental=CopyIgnoredFile",
                                       "# check=experimental=all"])
def test_experimental_directive_enables_it(tmp_path, directive):
    text = f"{directive}\nFROM scratch\nCOPY Dockerfile .\nADD Dockerfile /windy\n"
    found = check(tmp_path, text, files=IGNORE_DOCKERFILE, code=CODE)
    if "skip=all" in directive:
        # BuildKit still reports an experimental check named explicitly; the engine's skip=all drops it here.
        assert found == []
        return
    assert [(f.line, f.message) for f in found] == [
        (3, 'Attempting to Copy file "Dockerfile" that is excluded by .dockerignore'),
        (4, 'Attempting to Add file "Dockerfile" that is excluded by .dockerignore'),
    ]


def test_config_enables_it(tmp_path):
    found = check(tmp_path, "FROM scratch\nCOPY Dockerfile .\n", files=IGNORE_DOCKERFILE, code=CODE,
                  config={"version": 1, "rules": {CODE: {}}})
    assert lines(found) == [2]


@pytest.mark.parametrize(
    "ignore, text, expected",
    [
        # BuildKit: copying an ignored path from a stage is not a context copy
        ("foobar\n", "FROM scratch AS base\nCOPY Dockerfile /foobar\nFROM base\nCOPY --from=base /foobar /Dockerfile\n", []),
        ("docs/\n", "FROM scratch\nCOPY docs/guide.md /guide.md\n", [2]),  # ignored through its folder
        ("docs/\n!docs/guide.md\n", "FROM scratch\nCOPY docs/guide.md /guide.md\n", []),  # a ! pattern brings it back
        ("*\n", "FROM scratch\nCOPY . /src\n", [2]),  # the whole context
        ("*.log\n", "FROM scratch\nCOPY . /src\n", []),  # near miss: '.' is not a file
        ("*.log\n", "FROM scratch\nADD https://example.com/a.log /a.log\n", []),  # URL
    ],
    ids=["from-stage", "parent-folder", "negated", "all-context", "root-not-ignored", "url"],
)
def test_sources(tmp_path, ignore, text, expected):
    files = {".dockerignore": ignore, "docs/guide.md": "x\n"}
    found = check(tmp_path, "# check=experimental=CopyIgnoredFile\n" + text, files=files, code=CODE)
    assert lines(found) == [n + 1 for n in expected]
