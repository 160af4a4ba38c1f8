"""The persistent cache: results keyed by everything they depend on, kept between runs.

What is kept (each under its own *kind*, one JSON file per entry):

``shellcheck``
    ShellCheck's comments on one Dockerfile's scripts, keyed by its path,
    ShellCheck's version and its flags, and inside by each script as given to
    ShellCheck (dialect and exported names included).
``file``
    One Dockerfile's findings, keyed by its bytes and everything else a result
    depends on (see :mod:`imagepolicy.cachekeys`).
``run``
    A whole ``check`` run's output, replayed when every input it read is unchanged
    (see :mod:`imagepolicy.replay`).
``env``, ``decl``, ``verdict``, ``tool``, ``stat``
    What makes a start fast: the installed plugins, the rules a plugin package
    declares, configs and settings already found valid, tool versions, and file
    digests by ``stat``.

Where: ``--cache-dir``, else ``$IMAGEPOLICY_CACHE_DIR``, else the user cache folder
(``$XDG_CACHE_HOME/imagepolicy``, ``~/.cache/imagepolicy``; ``~/Library/Caches`` on
macOS, ``%LOCALAPPDATA%`` on Windows). The default is never used when it lies inside
the folder being checked (a pull request could ship entries there); ``--no-cache``
or ``IMAGEPOLICY_NO_CACHE=1`` turn the cache off.

Safety: entries are JSON (never pickle), read with a size cap, without following
symbolic links, and checked for shape; anything unreadable is a miss. Each entry
stores its full key, so a file put in the wrong place is a miss too. Writers write
a temporary file and rename it over the entry, so concurrent runs never see a
half-written entry (the last writer wins; both wrote the same result). Every key
holds imagepolicy's version and code, so an entry of another version is never
used. The folder is bounded (``IMAGEPOLICY_CACHE_MAX_MB``, default 256): when a
run stored entries and the folder grew past the bound, the entries used least
recently are deleted.

This module imports nothing heavy: the fast path of :mod:`imagepolicy.replay`
uses it before anything else is loaded.
"""

from __future__ import annotations

import json
import os
import sys
import time

TYPE_CHECKING = False  # typing costs milliseconds to import; these names are for the type checker only
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

#: The layout and entry format; bump it when either changes (old entries are then never read).
FORMAT = 1
#: The largest entry read back (a hostile or broken file never costs more).
MAX_ENTRY_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_MB = 256
#: How often the folder's size is checked, at most (seconds), unless a run wrote a lot.
PRUNE_INTERVAL = 3600
KINDS = ("run", "file", "shellcheck", "env", "decl", "verdict", "tool", "stat")

_active: Cache | None = None
_watched: set[str] = set()


#: Data up to this size is hashed by Python's own SHA-256 (see :func:`sha256`).
SMALL_HASH_BYTES = 1 << 16
_small_sha256: Any = None


def sha256(data: bytes = b"", size: int | None = None) -> Any:
    """A SHA-256 hash object of ``data`` (``size``: how much will be fed to it in all, when more follows).

    ``hashlib`` loads OpenSSL when it is imported (2.5 ms at every start, replays included); the
    interpreter's built-in SHA-256 starts at once but is 7 times slower on megabytes. Both give
    the same digests, so small data (keys, Dockerfiles) goes to the built-in one and large data
    to OpenSSL's.
    """
    global _small_sha256
    if (len(data) if size is None else size) <= SMALL_HASH_BYTES:
        if _small_sha256 is None:
            try:
                from _sha2 import sha256 as built_in  # type: ignore[import-not-found]  # CPython 3.12+, no stub
            except ImportError:
                try:
                    from _sha256 import sha256 as built_in  # type: ignore[import-not-found]  # CPython 3.10, 3.11
                except ImportError:  # pragma: no cover - a build without the built-in hashes
                    from hashlib import sha256 as built_in
            _small_sha256 = built_in
        return _small_sha256(data)
    import hashlib

    return hashlib.sha256(data)


def digest(value: Any) -> str:
    """The SHA-256 (hex) of ``value`` as canonical JSON: the key of an entry."""
    return sha256(canonical(value).encode("utf-8", "surrogatepass")).hexdigest()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def bytes_digest(data: bytes) -> str:
    return sha256(data).hexdigest()


class Cache:
    """One cache folder (``root``), holding entries of the current :data:`FORMAT`."""

    def __init__(self, root: str, max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024) -> None:
        self.root = root
        self.base = os.path.join(root, f"v{FORMAT}")
        self.max_bytes = max_bytes
        self.written = 0  # bytes stored by this process
        self._folders: set[str] = set()  # folders made (or found) by this process

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self.base, kind, key[:2], key[2:] + ".json")

    def get(self, kind: str, key: str) -> Any:
        """The value stored under ``key``, or None (missing, unreadable, malformed or not ours)."""
        path = self._path(kind, key)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not _is_regular(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
                return None
            chunks, left = [], info.st_size + 1
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            data = b"".join(chunks)
        except OSError:
            return None
        finally:
            os.close(fd)
        if len(data) > MAX_ENTRY_BYTES:
            return None
        try:
            entry = json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("kind") != kind or entry.get("key") != key:
            return None
        if info.st_mtime < time.time() - 60:  # used: keep it longer (least recently used go first)
            try:
                os.utime(path)
            except OSError:
                pass
        return entry.get("value")

    def put(self, kind: str, key: str, value: Any) -> bool:
        """Store ``value`` (JSON-able) under ``key``; False when it could not be written."""
        try:
            data = canonical({"format": FORMAT, "kind": kind, "key": key, "value": value}).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):
            return False
        if len(data) > MAX_ENTRY_BYTES:
            return False
        path = self._path(kind, key)
        folder = os.path.dirname(path)
        tmp = os.path.join(folder, f".{key[:16]}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            if folder not in self._folders:
                os.makedirs(folder, mode=0o700, exist_ok=True)
                self._folders.add(folder)
            try:
                fd = os.open(tmp, flags, 0o600)
            except FileNotFoundError:  # another run's pruning removed the folder meanwhile
                os.makedirs(folder, mode=0o700, exist_ok=True)
                fd = os.open(tmp, flags, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False
        self.written += len(data)
        return True

    def prune(self, force: bool = False) -> int:
        """Delete the least recently used entries while the folder is over its bound; how many went.

        Runs when ``force``d, when this process wrote more than a twentieth of the
        bound, or when the last check is older than :data:`PRUNE_INTERVAL`.
        """
        marker = os.path.join(self.base, "last-prune")
        if not force and self.written * 20 < self.max_bytes:
            try:
                if time.time() - os.stat(marker).st_mtime < PRUNE_INTERVAL:
                    return 0
            except OSError:
                pass
        entries, total = [], 0
        for kind in KINDS:
            top = os.path.join(self.base, kind)
            try:
                shards = os.scandir(top)
            except OSError:
                continue
            with shards:
                for shard in shards:
                    if not shard.is_dir(follow_symlinks=False):
                        continue
                    try:
                        files = os.scandir(shard.path)
                    except OSError:
                        continue
                    with files:
                        for item in files:
                            try:
                                info = item.stat(follow_symlinks=False)
                            except OSError:
                                continue
                            if item.name.endswith(".tmp") and info.st_mtime > time.time() - 600:
                                continue  # another run is writing it
                            entries.append((info.st_mtime, info.st_size, item.path))
                            total += info.st_size
        removed = 0
        if total > self.max_bytes:
            entries.sort()
            goal = self.max_bytes * 8 // 10
            for _, size, path in entries:
                if total <= goal:
                    break
                try:
                    os.unlink(path)
                except OSError:
                    continue
                total -= size
                removed += 1
        try:
            os.makedirs(self.base, mode=0o700, exist_ok=True)
            with open(marker, "w", encoding="ascii") as handle:
                handle.write(f"{total}\n")
        except OSError:
            pass
        return removed


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


# --- where the cache lives ---------------------------------------------------------------


def default_root() -> str | None:
    """The user cache folder for imagepolicy (not created), or None when there is no home."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return os.path.join(base, "imagepolicy", "Cache") if base else None
    if sys.platform == "darwin":
        home = os.path.expanduser("~")
        return os.path.join(home, "Library", "Caches", "imagepolicy") if home != "~" else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "imagepolicy")
    home = os.path.expanduser("~")
    return os.path.join(home, ".cache", "imagepolicy") if home != "~" else None


def disabled_by_env() -> bool:
    return os.environ.get("IMAGEPOLICY_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no")


def max_bytes_from_env() -> int:
    raw = os.environ.get("IMAGEPOLICY_CACHE_MAX_MB", "").strip()
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024
    return int(value * 1024 * 1024) if 0 < value < 10**7 else DEFAULT_MAX_MB * 1024 * 1024


def checked_tree(root: str | None = None) -> str:
    """The real path of the checked tree: ``root`` (``--root``), else the nearest folder from the working
    directory up that holds ``.git``, else the working directory (as :func:`imagepolicy.tree.default_root`)."""
    if root:
        return os.path.realpath(root)
    start = os.path.realpath(os.getcwd())
    folder = start
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return start
        folder = parent


def choose_root(cli_dir: str | None, no_cache: bool, checked: str | None = None) -> tuple[str | None, str | None]:
    """``(folder, None)`` to use, or ``(None, why)`` when the run goes without a cache.

    ``checked`` is the checked tree (default: :func:`checked_tree`); the default folder is refused
    inside it. ``why`` is None when the user turned the cache off, else a sentence for a note.
    """
    if no_cache or disabled_by_env():
        return None, None
    explicit = cli_dir or os.environ.get("IMAGEPOLICY_CACHE_DIR") or None
    if explicit:
        return os.path.abspath(explicit), None
    root = default_root()
    if root is None:
        return None, "no user cache folder (no home folder); give --cache-dir or set IMAGEPOLICY_CACHE_DIR"
    here = checked or checked_tree()
    real = os.path.realpath(root)
    if real == here or real.startswith(here.rstrip(os.sep) + os.sep):
        return None, (f"the user cache folder {root} lies inside the folder being checked, where a change "
                      "could plant entries; the cache is off (give --cache-dir to use one elsewhere)")
    return root, None


def open_cache(root: str) -> tuple[Cache | None, str | None]:
    """The cache in ``root`` (created if missing), or ``(None, why)`` when it cannot be used."""
    try:
        os.makedirs(root, mode=0o700, exist_ok=True)
        info = os.stat(root)
    except OSError as exc:
        return None, f"cache folder {root}: {exc.strerror or exc}; running without the cache"
    import stat

    if not stat.S_ISDIR(info.st_mode):
        return None, f"cache folder {root} is not a folder; running without the cache"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None, f"cache folder {root} belongs to another user; running without the cache"
    if info.st_mode & stat.S_IWOTH and not info.st_mode & stat.S_ISVTX:
        return None, f"cache folder {root} is writable by everyone; running without the cache"
    _mark(root)
    return Cache(root, max_bytes_from_env()), None


def _mark(root: str) -> None:
    """A ``.gitignore`` (git, and imagepolicy's folder search, skip the cache) and a ``CACHEDIR.TAG`` (backups skip it)."""
    for name, text in ((".gitignore", "# written by imagepolicy: its cache\n*\n"),
                       ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# imagepolicy's cache (https://bford.info/cachedir/)\n")):
        path = os.path.join(root, name)
        if not os.path.lexists(path):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    handle.write(text)
            except OSError:
                pass


# --- the cache of this process -------------------------------------------------------------


def activate(cache: Cache | None) -> None:
    """Make ``cache`` the one :func:`current` returns (None: no cache)."""
    global _active
    _active = cache


def current() -> Cache | None:
    """The cache of this run, or None (``--no-cache``, or none could be opened)."""
    return _active


def watch(path: str) -> None:
    """Note that this run's results depend on the file at ``path`` (an external tool): a recorded
    run is replayed only while its size, modification time and inode stay the same."""
    _watched.add(os.path.abspath(path))


def watched() -> set[str]:
    return set(_watched)
