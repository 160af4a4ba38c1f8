"""Property-based fuzzing (Hypothesis) of what a pull request writes: config files and ignore globs.

* The config loaders (YAML, JSON, pyproject TOML) and the config resolution take any text or
  bytes and either return a config or raise :class:`InputError` whose message is one line; never
  another exception, never a Python exception text as message.
* The glob translator (``.dockerignore``, the config's ``ignore``; ``.gitignore``) matches exactly
  what a straightforward translation of the same glob matches (BuildKit's regexes for Docker
  globs, gitignore(5) for git ones), and a match never takes long, whatever the pattern and path.

Each property runs a bounded number of examples with a deadline, and no example database is
written, so the suite costs a few seconds and is the same on every run.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is a test dependency (pyproject test extra)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from imagepolicy import config as config_mod  # noqa: E402
from imagepolicy.globs import GlobError, gitignore_to_regex, glob_to_regex  # noqa: E402
from imagepolicy.model import InputError  # noqa: E402

FUZZ = settings(max_examples=150, deadline=2000, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # large reprs of failing input


@pytest.fixture(scope="module")
def registry():
    from imagepolicy.pluginmanager import build_plugin_manager, collect

    return collect(build_plugin_manager())


def _load_and_resolve(path: Path, registry) -> None:
    """Load and resolve a config; only a one-line InputError may come out."""
    try:
        raw = config_mod.load_raw(path)
        config_mod.resolve(raw, list(registry.rules), registry.presets, settings=registry.settings.values())
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message.strip(), message
        assert not re.search(r"invalid literal|Exceeds the limit \(|object has no attribute|Traceback", message), message


# --- config loaders ----------------------------------------------------------------------------

SUFFIXES = [".imagepolicy.yml", ".imagepolicy.json", "pyproject.toml"]


@FUZZ
@given(data=st.binary(max_size=400), name=st.sampled_from(SUFFIXES))
def test_config_loaders_take_any_bytes(tmp_path, registry, data, name):
    path = tmp_path / name
    path.write_bytes(data if name != "pyproject.toml" else b"[tool.imagepolicy]\n" + data)
    _load_and_resolve(path, registry)


YAML_TOKENS = ["version: 1\n", "rules:\n", "  PY001: off\n", "ignore:\n", "  - paths: ", "[", "]", "{", "}", ", ",
               "&a ", "*a", "&b ", "*b", "!!int ", "!!float ", "!!timestamp ", "!!binary ", "!!set ", "0x_", "._",
               "1e999", "9" * 40, "2001-02-30", "'", '"', "\\", "\x00", "\t", "\n", "- ", ": ", "? ", "|", ">",
               "---\n", "...\n", "%YAML 1.2\n", "#c\n", "off", "error", "**/*.py", "[z-a]", "a**b", "~", "null"]


@FUZZ
@given(parts=st.lists(st.sampled_from(YAML_TOKENS), max_size=40))
def test_yaml_configs_built_from_tricky_tokens(tmp_path, registry, parts):
    path = tmp_path / ".imagepolicy.yml"
    path.write_text("".join(parts), encoding="utf-8")
    _load_and_resolve(path, registry)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)
CONFIG_KEYS = st.sampled_from(["version", "extends", "failure-threshold", "rules", "ignore", "trusted-registries",
                               "plugins", "settings", "$schema", "bogus"])


@settings(FUZZ, max_examples=50)  # each example builds the schema validator: slower
@given(document=st.dictionaries(CONFIG_KEYS, JSON_VALUES, max_size=6))
def test_json_configs_of_any_shape(tmp_path, registry, document):
    import json

    document.pop("plugins", None)  # a random module name would be imported: not what this fuzzes
    path = tmp_path / ".imagepolicy.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    _load_and_resolve(path, registry)


# --- globs -----------------------------------------------------------------------------------

GLOB_PIECES = ["a", "b", "/", "*", "**", "?", "[ab]", "[!a]", "\\*", "."]


def _buildkit_reference(pattern: str) -> str:
    """BuildKit's patternmatcher translation, written out plainly (backtracking: short inputs only)."""
    out, i, n = "", 0, len(pattern)
    while i < n:
        if pattern.startswith("**", i):
            i += 2
            if i < n and pattern[i] == "/":
                i += 1
            out += ".*" if i == n else "(?:.*/)?"
            continue
        for piece, regex in (("[!a]", "[^a/]"), ("[ab]", "[ab]"), ("\\*", r"\*"), ("*", "[^/]*"), ("?", "[^/]")):
            if pattern.startswith(piece, i):
                out += regex
                i += len(piece)
                break
        else:
            out += re.escape(pattern[i])
            i += 1
    return out


def _gitignore_reference(pattern: str) -> str:
    """gitignore(5): ``**`` only as a whole segment; any other run of ``*`` is one ``*``."""
    out, i, n = "", 0, len(pattern)
    while i < n:
        if pattern.startswith("**", i) and (i == 0 or pattern[i - 1] == "/") and (i + 2 == n or pattern[i + 2] == "/"):
            out += ".*" if i + 2 == n else "(?:.*/)?"
            i += 3
            continue
        if pattern[i] == "*":
            while i < n and pattern[i] == "*":
                i += 1
            out += "[^/]*"
            continue
        for piece, regex in (("[!a]", "[^a/]"), ("[ab]", "[ab]"), ("\\*", r"\*"), ("?", "[^/]")):
            if pattern.startswith(piece, i):
                out += regex
                i += len(piece)
                break
        else:
            out += re.escape(pattern[i])
            i += 1
    return out


PATTERNS = st.lists(st.sampled_from(GLOB_PIECES), min_size=1, max_size=8).map("".join)
PATHS = st.text(alphabet="ab/.*", max_size=9)


@FUZZ
@given(pattern=PATTERNS, paths=st.lists(PATHS, min_size=1, max_size=8))
def test_docker_globs_match_what_buildkit_matches(pattern, paths):
    ours, reference = re.compile(glob_to_regex(pattern), re.S), re.compile(_buildkit_reference(pattern), re.S)
    for path in paths:
        assert bool(ours.fullmatch(path)) == bool(reference.fullmatch(path)), (pattern, path, ours.pattern)


@FUZZ
@given(pattern=PATTERNS, paths=st.lists(PATHS, min_size=1, max_size=8))
def test_gitignore_globs_match_what_gitignore_means(pattern, paths):
    ours, reference = re.compile(gitignore_to_regex(pattern), re.S), re.compile(_gitignore_reference(pattern), re.S)
    for path in paths:
        assert bool(ours.fullmatch(path)) == bool(reference.fullmatch(path)), (pattern, path, ours.pattern)


HOSTILE_PIECES = ["a", "*", "**", "**/", "/", "?", "a*", "*a", "[a]"]


@FUZZ
@given(pattern=st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=24).map("".join),
       translate=st.sampled_from([glob_to_regex, gitignore_to_regex]))
def test_no_glob_takes_long_on_long_names(pattern, translate):
    try:
        regex = re.compile(translate(pattern) + r"\Z", re.S)
    except (GlobError, InputError):
        return  # e.g. too many ** inside segments: refused with a message
    subjects = ["a" * 3000, "a" * 250 + "/" + "a" * 250 + "b", "/".join(["a" * 60] * 40), "ab" * 1500]
    started = time.process_time()  # CPU: on a shared machine the wall clock measures the neighbours
    for subject in subjects:
        regex.match(subject)
    assert time.process_time() - started < 0.5, (pattern, regex.pattern)


@FUZZ
@given(pattern=st.text(alphabet="ab/*?[]!^-\\z.", max_size=16))
def test_any_glob_text_is_a_regex_or_a_glob_error(pattern):
    for translate in (glob_to_regex, gitignore_to_regex):
        try:
            re.compile(translate(pattern))
        except (GlobError, InputError) as exc:
            assert translate is glob_to_regex and "\n" not in str(exc)
