"""Docker-style path globs, shared by .dockerignore matching and the config's ignore list."""

import re

import pytest

from imagepolicy.globs import glob_to_regex


@pytest.mark.parametrize("pattern,path,matches", [
    ("*.py", "a.py", True), ("*.py", "src/a.py", False),
    ("**/*.py", "a.py", True), ("**/*.py", "src/deep/a.py", True),
    ("src/**", "src/a/b", True), ("a?c", "abc", True), ("a?c", "a/c", False),
    ("[!a]x", "bx", True), ("[!a]x", "ax", False), ("[^a]x", "ax", False),
    (r"\*x", "*x", True), (r"\*x", "ax", False), ("[oops", "[oops", True),
])
def test_glob_semantics(pattern, path, matches):
    assert bool(re.fullmatch(glob_to_regex(pattern), path)) is matches
