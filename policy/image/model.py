"""What the image reader produces: layers, file entries and their history.

Every record holds metadata only (never file contents), so an image of any
size costs memory in proportion to its number of paths, not its bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

FILE_TYPES = ("file", "dir", "symlink", "hardlink", "char", "block", "fifo")
ACTIONS = ("added", "changed", "deleted")


class HistoryEntry(NamedTuple):
    """One event in a path's life: which layer did what to it, and the size it left.

    ``size`` is the size of the version that layer wrote (0 for ``deleted``):
    summing the sizes of versions hidden later gives the wasted bytes.
    """

    layer: int
    action: str
    size: int


@dataclass(slots=True)
class LayerInfo:
    """One layer of the image, in manifest order (index 0 is the base).

    ``digest`` is the blob digest when the archive names it (OCI blobs,
    ``<digest>.tar`` files), else the uncompressed ``diff_id`` from the config.
    ``created_by``, ``created`` and ``comment`` come from the config history
    entry that produced the layer (``history_index``), ``empty_layer`` entries
    skipped; they are ``None`` when the history does not cover the layer.
    """

    index: int
    digest: str
    diff_id: str
    media_type: str
    compression: str
    size: int
    member: str
    created_by: str | None = None
    created: str | None = None
    comment: str | None = None
    history_index: int | None = None
    uncompressed_size: int = 0
    entry_count: int = 0


@dataclass(slots=True)
class FileEntry:
    """One version of one path in the image.

    ``path`` is absolute and normalised (``/usr/bin/x``); ``mode`` holds the
    permission bits with setuid/setgid/sticky (``mode & 0o4000`` is setuid);
    ``size`` is the size recorded in the layer (0 for links and directories);
    ``linkname`` is the symlink target as written, or the absolute path a
    hardlink points to. ``layer`` is the index of the layer that wrote this
    version. ``history`` is the whole life of the path across layers, shared by
    all its versions. ``data`` locates the bytes (layer, offset in the
    uncompressed layer tar, length) and is used by :meth:`Image.read`.
    """

    path: str
    type: str
    mode: int
    uid: int
    gid: int
    size: int
    linkname: str
    layer: int
    mtime: int = 0
    history: list[HistoryEntry] = field(default_factory=list, compare=False)
    data: tuple[int, int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def is_setuid(self) -> bool:
        return bool(self.mode & 0o4000)

    @property
    def is_setgid(self) -> bool:
        return bool(self.mode & 0o2000)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]
