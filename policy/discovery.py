"""Finding Dockerfiles below a folder, skipping what git ignores (hadolint #283).

``imagepolicy check DIR`` checks every ``Dockerfile``, ``Containerfile``,
``*.Dockerfile`` and ``Dockerfile.*`` below DIR; ``.gitignore`` files (nested
ones too) and ``.git/info/exclude`` are honoured with our own matcher.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Sequence

from .globs import gitignore_to_regex
from .records import record

DOCKERFILE_GLOBS = ("Dockerfile", "Containerfile", "*.Dockerfile", "*.dockerfile", "Dockerfile.*", "Containerfile.*")


def is_dockerfile_name(name: str) -> bool:
    if name.endswith(".dockerignore"):
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in DOCKERFILE_GLOBS)


def discover_dockerfiles(root: Path) -> list[Path]:
    """Dockerfiles below ``root`` (Dockerfile, Containerfile, ``*.Dockerfile``, ``Dockerfile.*``), sorted.

    Skips what git ignores: the ``.gitignore`` files of every folder walked
    (nested ones too, each relative to its own folder, deeper ones winning),
    and, when ``root`` is inside a git work tree, the ``.gitignore`` files of
    the folders from the work tree's top down to ``root`` and
    ``.git/info/exclude``. Ignored folders are pruned, never walked (git cannot
    re-include a file below an ignored folder either). ``root`` itself is
    always walked, so naming an ignored folder checks it. The user's global
    ``core.excludesFile`` is not read, so a run gives the same result on every
    machine. Version-control and tool folders in :data:`_SKIP_DIRS` are never
    walked, ignored or not; symbolic links to folders are not followed.

    The matcher is our own rather than ``git ls-files``: it needs no git
    binary, works outside a work tree (an unpacked archive keeps its
    ``.gitignore``), and a walk that prunes ignored folders is as fast.
    """
    root = Path(root)
    top = _work_tree_top(root)
    rules: list[_IgnoreRule] = []
    if top is not None:
        rules.extend(_read_ignore_file(top / ".git" / "info" / "exclude", top))
        parts = root.resolve().relative_to(top).parts
        for depth in range(len(parts)):  # the folders above root; _walk reads root's own
            folder = top.joinpath(*parts[:depth])
            rules.extend(_read_ignore_file(folder / ".gitignore", folder))
    found: list[Path] = []
    _walk(root, root.resolve(), tuple(rules), found)
    return found


_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache"}


@record(frozen=True)
class _IgnoreRule:
    """One .gitignore pattern, matched against paths relative to ``base`` (the file's folder)."""

    base: str  # absolute POSIX path of the folder holding the ignore file
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool  # matched against the whole relative path, not only the name


def _walk(start: Path, real: Path, rules: tuple[_IgnoreRule, ...], found: list[Path]) -> None:
    """Collect Dockerfiles below ``start`` (``real`` is its resolved path, for the rules).

    Iterative, so a folder thousands deep cannot exhaust the stack; deeper than ``path-depth``
    below ``start`` is an input error naming the limit.
    """
    from . import limits

    max_depth = limits.get("path-depth")
    pending: list[tuple[Path, Path, tuple[_IgnoreRule, ...], int]] = [(start, real, rules, 0)]
    while pending:
        shown, real, rules, depth = pending.pop()
        rules = rules + tuple(_read_ignore_file(real / ".gitignore", real))
        try:
            entries = sorted(os.scandir(shown), key=lambda e: e.name)
        except OSError:
            continue
        folders = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name not in _SKIP_DIRS and not _ignored(rules, f"{real.as_posix()}/{entry.name}", True):
                    if depth + 1 > max_depth:
                        raise limits.LimitExceeded("path-depth", start.as_posix(), f"folders more than {max_depth} levels deep")
                    folders.append((shown / entry.name, real / entry.name, rules, depth + 1))
            elif is_dockerfile_name(entry.name) and entry.is_file() and not _ignored(rules, f"{real.as_posix()}/{entry.name}", False):
                found.append(shown / entry.name)
        pending.extend(reversed(folders))
    found.sort(key=lambda p: p.parts)


def _ignored(rules: Sequence[_IgnoreRule], path: str, is_dir: bool) -> bool:
    """git's verdict for ``path``: the last rule that matches decides (a ``!`` rule re-includes)."""
    name = path.rsplit("/", 1)[-1]
    for rule in reversed(rules):
        if rule.dir_only and not is_dir or not path.startswith(rule.base + "/"):
            continue
        subject = path[len(rule.base) + 1 :] if rule.anchored else name
        if rule.regex.fullmatch(subject):
            return not rule.negate
    return False


def _work_tree_top(path: Path) -> Path | None:
    """The top folder of the git work tree holding ``path`` (the first parent with ``.git``), or None."""
    current = path.resolve()
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _read_ignore_file(path: Path, base: Path) -> list[_IgnoreRule]:
    """The rules of one .gitignore-style file (none when it is missing, unreadable or a symbolic link).

    git (2.32 and later) does not follow a ``.gitignore`` that is a symbolic link, and neither do
    we: a link out of the checkout is never read. Size and pattern count are bounded
    (``ignore-file-bytes``, ``ignore-patterns``).
    """
    from . import limits

    cap = limits.get("ignore-file-bytes")
    try:
        if path.is_symlink() or not path.is_file():
            return []
        with path.open("rb") as stream:
            data = stream.read(cap + 1)
    except OSError:
        return []
    if len(data) > cap:
        raise limits.LimitExceeded("ignore-file-bytes", path.as_posix(), f"more than {cap:,} bytes")
    text = data.decode("utf-8", errors="replace")
    base_text = base.resolve().as_posix().rstrip("/")
    rules = []
    for line in text.splitlines():
        rule = _parse_ignore_line(line, base_text)
        if rule is not None:
            rules.append(rule)
    if len(rules) > limits.get("ignore-patterns"):
        raise limits.LimitExceeded("ignore-patterns", path.as_posix(), f"{len(rules):,} patterns")
    return rules


def _parse_ignore_line(line: str, base: str) -> _IgnoreRule | None:
    """One line of a .gitignore (gitignore(5)), or None for blanks and comments."""
    line = line.removeprefix("\ufeff")
    stripped = line.rstrip(" \t")
    if stripped.endswith("\\") and len(stripped) < len(line):
        stripped += line[len(stripped)]  # "foo\ " keeps its escaped trailing space
    line = stripped
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    dir_only = line.endswith("/") and not line.endswith("\\/")
    line = line.rstrip("/") if dir_only else line
    if not line:
        return None
    anchored = "/" in line
    line = line.removeprefix("/")
    return _IgnoreRule(base, re.compile(gitignore_to_regex(line)), negate, dir_only, anchored)
