"""The build context: .dockerignore matching (BuildKit's patternmatcher) and COPY globs."""

from __future__ import annotations

import pytest

from imagepolicy.buildcontext import BuildContext, clean_relpath, parse_dockerignore


def make(tmp_path, files: list[str], ignore: str | None = None) -> BuildContext:
    for rel in files:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    if ignore is not None:
        (tmp_path / ".dockerignore").write_text(ignore)
    return BuildContext(tmp_path)


FILES = [
    "README.md",
    "docs/guide.md",
    "docs/keep/notes.md",
    "src/app/__init__.py",
    "src/app/tests/test_x.py",
    "node_modules/pkg/index.js",
    "web/node_modules/pkg/index.js",
    "build/out.bin",
    "build/keep.txt",
    ".git/config",
    "a.txt",
    "b.txt",
    "c.log",
]


def test_without_dockerignore_everything_is_there(tmp_path):
    ctx = make(tmp_path, FILES)
    assert ctx.available and ctx.patterns == []
    assert set(FILES) <= ctx.files
    assert {"", "docs", "docs/keep", "src", "src/app", "build"} <= ctx.dirs
    assert ctx.ignored_by("anything") is None


@pytest.mark.parametrize(
    "patterns, path, ignored",
    [
        ("node_modules", "node_modules/pkg/index.js", True),  # a folder pattern excludes its contents
        ("node_modules", "web/node_modules/pkg/index.js", False),  # anchored at the root
        ("**/node_modules", "web/node_modules/pkg/index.js", True),
        ("**/node_modules", "node_modules/pkg/index.js", True),  # ** also matches zero folders
        ("*.md", "README.md", True),
        ("*.md", "docs/guide.md", False),  # * stays within one segment
        ("**/*.md", "docs/keep/notes.md", True),
        ("docs/*", "docs/keep/notes.md", True),  # via the parent docs/keep
        ("/build/", "build/out.bin", True),  # leading and trailing slashes are cleaned
        ("./build", "build/keep.txt", True),
        ("build\n!build/keep.txt", "build/keep.txt", False),  # exception re-includes
        ("build\n!build/keep.txt", "build/out.bin", True),
        ("!build/keep.txt\nbuild", "build/keep.txt", True),  # the last matching pattern wins
        ("docs\n!docs/keep", "docs/keep/notes.md", False),  # re-included folder
        ("src/**/tests", "src/app/tests/test_x.py", True),
        ("?.txt", "a.txt", True),
        ("[ab].txt", "b.txt", True),
        ("[!a].txt", "b.txt", True),
        ("[!a].txt", "a.txt", False),
        ("# a comment\n\n   \n", "a.txt", False),
        ("  a.txt  ", "a.txt", True),  # blanks trimmed
        ("! a.txt\n*.txt\n!  a.txt", "a.txt", False),
        ("c.log\n", "c.log", True),
    ],
)
def test_ignore_patterns(tmp_path, patterns, path, ignored):
    ctx = make(tmp_path, FILES, patterns)
    assert (ctx.ignored_by(path) is not None) is ignored
    assert (path in ctx.files) is not ignored
    assert ctx.on_disk(path)


def test_ignored_by_names_the_pattern_and_its_line(tmp_path):
    ctx = make(tmp_path, FILES, "# deps\nnode_modules\n*.log\n")
    pattern = ctx.ignored_by("c.log")
    assert (pattern.text, pattern.line, pattern.exclusion) == ("*.log", 3, False)
    assert ctx.ignored_by("node_modules/pkg").line == 2


def test_comment_only_at_line_start():
    patterns = parse_dockerignore("#comment\n #notacomment\n")
    assert [p.text for p in patterns] == ["#notacomment"]
    assert parse_dockerignore("\ufeffa.txt\n")[0].text == "a.txt"


def test_ignored_folders_are_not_dirs_unless_something_inside_is_kept(tmp_path):
    ctx = make(tmp_path, FILES, "build\n!build/keep.txt\nnode_modules\n")
    assert "node_modules" not in ctx.dirs and not ctx.exists("node_modules")
    assert ctx.exists("build") and ctx.is_dir("build")  # holds the re-included file
    assert ctx.exists("build/keep.txt") and not ctx.exists("build/out.bin")


def test_exists_is_dir_and_paths_are_cleaned(tmp_path):
    ctx = make(tmp_path, FILES)
    assert ctx.exists("./src/app/") and ctx.is_dir("src/app") and not ctx.is_dir("a.txt")
    assert ctx.exists("/a.txt") and ctx.exists("src/../a.txt")
    assert not ctx.exists("missing.txt") and not ctx.on_disk("missing.txt")
    assert ctx.exists("") and ctx.is_dir(".")


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("*.txt", ["a.txt", "b.txt"]),
        ("src/*", ["src/app"]),
        ("src/app/*.py", ["src/app/__init__.py"]),
        ("?.txt", ["a.txt", "b.txt"]),
        ("[a].txt", ["a.txt"]),
        ("a.txt", ["a.txt"]),
        ("./src/", ["src"]),
        (".", [""]),
        ("nope/*", []),
        ("missing.txt", []),
    ],
)
def test_glob_like_copy_sources(tmp_path, pattern, expected):
    ctx = make(tmp_path, FILES)
    assert ctx.glob(pattern) == expected


def test_glob_does_not_see_ignored_entries(tmp_path):
    ctx = make(tmp_path, FILES, "a.txt\n")
    assert ctx.glob("*.txt") == ["b.txt"]
    assert ctx.glob("a.txt") == []


def test_explicit_dockerignore_path_wins(tmp_path):
    make(tmp_path, FILES, "a.txt\n")
    other = tmp_path / "Dockerfile.dockerignore"
    other.write_text("b.txt\n")
    ctx = BuildContext(tmp_path, other)
    assert ctx.exists("a.txt") and not ctx.exists("b.txt")


def test_missing_context_is_unavailable(tmp_path):
    ctx = BuildContext(tmp_path / "nope")
    assert not ctx.available and ctx.files == frozenset() and ctx.glob("*") == []
    assert not BuildContext(None).available


@pytest.mark.parametrize(
    "raw, clean",
    [("./a/b/", "a/b"), ("/a//b", "a/b"), ("a/../b", "b"), (".", ""), ("../x", "x"), ("a\\b", "a/b")],
)
def test_clean_relpath(raw, clean):
    assert clean_relpath(raw) == clean
