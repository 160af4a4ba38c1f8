"""Digests of what a Dockerfile's findings depend on: files and whole build contexts.

A rule may read any file of the build context (BK014 lists it, PY001 reads
``pyproject.toml`` and requirements, PY003 follows the project's modules), so a
cached result is keyed by a digest of the *whole* context: every path, its type and
permission bits, every regular file's content, every symbolic link's target.
Nothing is left out but the contents of ``.git`` folders (their presence counts;
no rule reads inside them). A link to a file outside the context counts with that
file's size, modification time and inode (a virtual environment's ``bin/python``);
a context with a link to a folder outside it, an unreadable entry, more than
:data:`MAX_ENTRIES` entries or more than :data:`MAX_BYTES` of content gets no
digest (None), and its Dockerfiles are checked afresh each time.

Reading every file at every run would cost what checking saves, so a file's
content digest is remembered in the cache under its ``stat`` (size, modification
and change times, inode): an unchanged file is not read again. A file modified in
the last two seconds is always read (its time stamp may not have moved yet when
it changes again). After a fresh checkout (CI) every file is read once.
"""

from __future__ import annotations

import os
import stat
import time

from . import cache

MAX_ENTRIES = 50_000
MAX_BYTES = 256 * 1024 * 1024
_RACY_SECONDS = 2.0

_contexts: dict[str, str | None] = {}


def file_digest(path: str, limit: int = MAX_BYTES) -> str | None:
    """SHA-256 of a regular file's bytes; ``"absent"`` when nothing is there, ``"folder"`` for a folder;
    None when it cannot be had (unreadable, too big, a device)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "absent" if not os.path.lexists(path) else None  # a dangling link is no absence
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return "folder"
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        return None
    return _hash_file(path, info.st_size)


def _hash_file(path: str, size: int | None = None) -> str | None:
    sha = cache.sha256(size=size if size is not None else cache.SMALL_HASH_BYTES + 1)
    try:
        with open(path, "rb") as handle:
            while True:
                chunk = handle.read(1 << 20)
                if not chunk:
                    break
                sha.update(chunk)
    except OSError:
        return None
    return sha.hexdigest()


def context_digest(root: str) -> str | None:
    """The digest of a build context folder (see the module docstring), None when it cannot be had."""
    real = os.path.realpath(root)
    if real not in _contexts:
        _contexts[real] = _context_digest(real)
    return _contexts[real]


def _context_digest(root: str) -> str | None:
    if not os.path.isdir(root):
        return cache.digest(["no-context", root])
    store = cache.current()
    memo_key = cache.digest(["stat", root])
    memo = store.get("stat", memo_key) if store is not None else None
    memo = memo if isinstance(memo, dict) else {}
    fresh: dict[str, list] = {}
    rows: list[list] = []
    total = 0
    now = time.time()
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel_dir) if rel_dir else root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return None
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                return None
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                target = os.readlink(entry.path)
                resolved = os.path.realpath(entry.path)
                inside = resolved.startswith(root.rstrip(os.sep) + os.sep) and "/.git/" not in resolved[len(root):] + "/"
                if inside:
                    rows.append([rel, "l", target])  # what it leads to is digested in its own place
                    continue
                try:
                    far = os.stat(resolved)
                except OSError:
                    rows.append([rel, "l", target, "dangling"])
                    continue
                if not stat.S_ISREG(far.st_mode):
                    return None  # a folder (or device) outside: a rule following the link reads what no digest covers
                rows.append([rel, "l", target, far.st_size, far.st_mtime_ns, far.st_ino])
            elif stat.S_ISDIR(info.st_mode):
                if entry.name == ".git":
                    rows.append([rel, "git"])
                    continue
                rows.append([rel, "d", mode])
                stack.append(rel)
            elif stat.S_ISREG(info.st_mode):
                total += info.st_size
                if total > MAX_BYTES:
                    return None
                stamp = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
                known = memo.get(rel)
                if isinstance(known, list) and len(known) == 5 and known[:4] == stamp and isinstance(known[4], str):
                    sha: str = known[4]
                else:
                    hashed = _hash_file(entry.path, info.st_size)
                    if hashed is None:
                        return None
                    sha = hashed
                if now - max(info.st_mtime, info.st_ctime) > _RACY_SECONDS:
                    fresh[rel] = [*stamp, sha]
                rows.append([rel, "f", mode, info.st_size, sha])
            else:
                rows.append([rel, "o", stat.S_IFMT(info.st_mode)])  # a FIFO, socket or device: never read
            if len(rows) > MAX_ENTRIES:
                return None
    if store is not None and fresh != memo:
        store.put("stat", memo_key, fresh)
    return cache.digest(["context", root, rows])


def forget() -> None:
    """Tests: digest contexts again."""
    _contexts.clear()
