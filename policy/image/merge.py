"""Stream layer tars and merge them into one filesystem, OCI whiteouts applied.

A layer is read member by member (:mod:`.tarstream`) and reduced to its
changes: entries, whiteouts and opaque folders. Whiteouts and opaque markers
apply to lower layers only, wherever they sit in the tar; the layer's own
entries then land on top.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from imagepolicy import limits
from imagepolicy.model import InputError

from .blobs import CHUNK, normalize_member
from .model import FileEntry, HistoryEntry
from .tarstream import TarError, TarMember, iter_members

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
META_PREFIX = ".wh..wh."



@dataclass
class LayerChanges:
    """What one layer does: its entries (last member per path wins), whiteouts and opaque folders."""

    entries: dict[str, FileEntry] = field(default_factory=dict)
    whiteouts: list[str] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)
    uncompressed_size: int = 0


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


class EntryBudget:
    """Tar members read from the layers of one image, against ``image-entries`` and ``image-path-bytes``:
    every member costs time and memory (the merged view keeps every version)."""

    def __init__(self) -> None:
        self.entries = 0
        self.path_bytes = 0

    def charge(self, entries: int, path_bytes: int, where: str) -> None:
        self.entries += entries
        self.path_bytes += path_bytes
        if self.entries > limits.get("image-entries"):
            raise limits.LimitExceeded("image-entries", where, f"more than {self.entries - 1:,} entries")
        if self.path_bytes > limits.get("image-path-bytes"):
            raise limits.LimitExceeded("image-path-bytes", where, f"{self.path_bytes:,} bytes of paths")

    def counter(self, what: str) -> Callable[[TarMember, int], None]:
        """The per-member callback :func:`iter_members` calls."""
        entry_limit, path_limit = limits.get("image-entries"), limits.get("image-path-bytes")

        def count(member: TarMember, at: int) -> None:
            self.entries += 1
            self.path_bytes += len(member.name) + len(member.linkname)
            if self.entries > entry_limit or self.path_bytes > path_limit:
                self.charge(0, 0, f"{what}: member at byte {at}")

        return count


def scan_layer(stream: BinaryIO, index: int, what: str, lower: Callable[[str], FileEntry | None],
               on_member: Callable[[TarMember], None] | None = None, *, budget: EntryBudget | None = None) -> LayerChanges:
    """Read one layer's tar stream into its changes; ``what`` names the layer in errors.

    ``lower(path)`` gives the merged entry below this layer, used for hardlinks
    whose target is not in this layer. Raises InputError for a truncated or
    corrupt tar and for a bare ``.wh.`` whiteout. Members count against
    ``budget`` (the image's; a fresh one when None, so one layer alone is
    still bounded). ``on_member`` sees each member after its header is read
    and before its data is skipped (a streamed source uses it to keep some
    files' bytes).
    """
    changes = LayerChanges()
    counted = _Counting(stream)
    count = (budget or EntryBudget()).counter(what)
    try:
        for member in iter_members(counted, where=f"{what}: ", count=count, skip=counted.skip):  # type: ignore[arg-type]
            if on_member is not None:
                on_member(member)
            _take_member(member, index, what, changes, lower)
    except TarError as exc:
        raise InputError(f"{what}: {exc}; the archive is damaged or incomplete, save or copy the image again") from None
    while counted.read(CHUNK):
        pass  # after the end-of-archive blocks: count the rest, let the decompressor check its trailer
    changes.uncompressed_size = counted.position
    return changes


class _Counting:
    """Count the bytes read from a stream (and skipped, when the stream can skip: ``skip`` is None otherwise)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.position = 0
        inner = getattr(stream, "skip", None)
        self.skip: Callable[[int], int] | None = None
        if inner is not None:
            def skip(size: int) -> int:
                skipped = inner(size)
                self.position += skipped
                return skipped

            self.skip = skip

    def read(self, size: int) -> bytes:
        data = self._stream.read(size)
        self.position += len(data)
        return data


def _take_member(member: TarMember, index: int, what: str, changes: LayerChanges, lower: Callable[[str], FileEntry | None]) -> None:
    path = normalize_member(member.name)
    parent, _, base = path.rpartition("/")
    parent = parent or "/"
    if base.startswith(WHITEOUT_PREFIX):
        if base == OPAQUE_MARKER:
            changes.opaque.append(parent)
        elif base == WHITEOUT_PREFIX:
            raise InputError(f"{what}: member '{member.name}' is a bare '.wh.' whiteout naming no file; the layer is invalid")
        elif not base.startswith(META_PREFIX):
            changes.whiteouts.append(posixpath.join(parent, base[len(WHITEOUT_PREFIX) :]))
        return  # other .wh..wh. names are AUFS metadata
    kind = member.kind
    if kind is None or "/" + META_PREFIX in path:
        return  # a type not modelled, or inside an AUFS metadata folder (.wh..wh.plnk)
    data = None
    linkname = ""
    if kind == "file":
        data = (index, member.offset_data, member.size)
    elif kind == "symlink":
        linkname = member.linkname
    elif kind == "hardlink":
        linkname = normalize_member(member.linkname)
        target = changes.entries.get(linkname) or lower(linkname)
        data = target.data if target is not None else None
    entry = FileEntry(path, kind, member.mode, member.uid, member.gid, member.size if kind == "file" else 0, linkname, index, member.mtime, [], data)
    entries = changes.entries
    if path in entries:
        del entries[path]  # the last member of a path wins, in its place in the tar
    entries[path] = entry


class MergedFS:
    """The merged filesystem, built layer by layer; keeps every hidden version in ``deleted``.

    Directories overwritten by directories (the usual parent entries) only add
    a ``changed`` history event; every other hidden version (removed folders,
    overwritten files, a folder replaced by a file) is kept in ``deleted``.
    """

    def __init__(self) -> None:
        self.files: dict[str, FileEntry] = {}
        self.deleted: dict[str, list[FileEntry]] = {}
        self.children: dict[str, set[str]] = {}

    def apply(self, index: int, changes: LayerChanges) -> None:
        """Put layer ``index`` on top: opaque folders and whiteouts hide lower paths, then entries land."""
        self._ensure_dir("/", index)
        for folder in changes.opaque:
            for child in list(self.children.get(folder, ())):
                self._remove(child, index)
        for path in changes.whiteouts:
            if path in self.files and path != "/":
                self._remove(path, index)
        for path, entry in changes.entries.items():
            self._put(path, entry, index)

    def _past_history(self, path: str) -> list[HistoryEntry]:
        versions = self.deleted.get(path)
        return versions[-1].history if versions else []

    def _link(self, path: str) -> None:
        if path != "/":
            self.children.setdefault(parent_of(path), set()).add(path)

    def _put(self, path: str, entry: FileEntry, index: int) -> None:
        if path != "/":
            self._ensure_dir(parent_of(path), index)
        old = self.files.get(path)
        if old is None:
            history = self._past_history(path)
            history.append(HistoryEntry(index, "added", entry.size))
        else:
            history = old.history
            if old.type == "dir" and entry.type != "dir":
                for child in list(self.children.get(path, ())):
                    self._remove(child, index)
            if old.layer == index:  # written twice in one layer, or an implicit parent made real
                history[-1] = HistoryEntry(index, history[-1].action, entry.size)
            else:
                if old.type != "dir" or entry.type != "dir":
                    self.deleted.setdefault(path, []).append(old)
                history.append(HistoryEntry(index, "changed", entry.size))
        entry.history = history
        self.files[path] = entry
        self._link(path)

    def _ensure_dir(self, path: str, index: int) -> None:
        """Create missing parent folders as a tar extractor would (0755, root), top down, without recursion
        (a path may be thousands of folders deep)."""
        missing = []
        while True:
            existing = self.files.get(path)
            if existing is not None and existing.type == "dir":
                break
            missing.append(path)
            if path == "/":
                break
            path = parent_of(path)
        for path in reversed(missing):
            if path in self.files:
                self._remove(path, index)
            history = self._past_history(path)
            history.append(HistoryEntry(index, "added", 0))
            self.files[path] = FileEntry(path, "dir", 0o755, 0, 0, 0, "", index, 0, history)
            self._link(path)

    def _remove(self, path: str, index: int) -> None:
        """Remove ``path`` and, for a folder, everything under it (iteratively: trees may be deep)."""
        siblings = self.children.get(parent_of(path))
        if siblings is not None:
            siblings.discard(path)
        pending = [path]
        while pending:
            current = pending.pop()
            entry = self.files.pop(current)
            if entry.type == "dir":
                pending.extend(self.children.pop(current, ()))
            entry.history.append(HistoryEntry(index, "deleted", 0))
            self.deleted.setdefault(current, []).append(entry)
