"""Stream layer tars and merge them into one filesystem, OCI whiteouts applied.

A layer is read member by member (:mod:`.tarstream`) and reduced to its
changes: entries, whiteouts and opaque folders. Whiteouts and opaque markers
apply to lower layers only, wherever they sit in the tar; the layer's own
entries then land on top.

Memory is what bounds the images this can read, so nothing here keeps an
object per path. :class:`MergedFS` keeps each path once, as a node (its parent
node and its name, in one byte string for all names, found again through an
open-addressing table of node numbers in an ``array``), and every tar member
as a 19-byte record in one ``bytearray`` (its mode, uid and gid as an index
into a table of the combinations seen). A node's current version is a
record number and the layer that placed it; :class:`~.model.FileEntry`
objects are made when a rule asks for one. A path's history is kept as a list
only once a second layer touched it (one event is implied by its version),
and the versions later layers hid are kept as entries in ``deleted``. About
70 bytes a path, against about 900 as one object graph per path.
"""

from __future__ import annotations

import posixpath
import re
import struct
from array import array
from collections.abc import ItemsView, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator

from imagepolicy import limits
from imagepolicy.model import InputError

from .blobs import CHUNK, normalize_member
from .model import FileEntry, HistoryEntry
from .tarstream import TarError, TarMember, TarReader, iter_members

if TYPE_CHECKING:
    from typing import Any

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
META_PREFIX = ".wh..wh."

#: Type codes of a record (0: no version, the path is absent).
_TYPES: tuple[str, ...] = ("", "file", "dir", "symlink", "hardlink", "char", "block", "fifo")
_CODES = {name: code for code, name in enumerate(_TYPES) if name}
_FILE, _DIR, _SYMLINK, _HARDLINK = _CODES["file"], _CODES["dir"], _CODES["symlink"], _CODES["hardlink"]
_WIDE = 0x80  # type flag: a value did not fit its field; the record's real values are in ``wide``

#: One tar member: node, type, (mode, uid, gid) as an index into the tree's table of them (images use a
#: few hundred), size, mtime, data offset in 512-byte blocks (19 bytes).
_RECORD = struct.Struct("<IBHIII")
_SIZE = _RECORD.size
_OWNERS_MAX = 0xFFFF  # more distinct (mode, uid, gid) than this: the record's values go to ``wide``
_unpack = _RECORD.unpack_from
_NONE, _IMPLICIT = -1, -2  # a node's record number when it has no version / is a folder made for a child
_CHUNK_NODES = 4096
_FOLDER_PATHS_KEPT = 1 << 15  # about 3 MB of folder paths at most, kept for the rules' repeated selections


def parent_of(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def _encode(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


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


@dataclass
class LayerChanges:
    """What one layer does: its entries (records ``first`` to ``end`` of ``tree``, in tar order; the last
    member of a path wins, in its place), whiteouts and opaque folders.

    ``hardlinks`` lists the layer's hardlink records. A layer is not tied to
    a layer index: the same changes can be applied as two layers (a blob the
    manifest lists twice), and a streamed layer is scanned before its place
    is known.
    """

    tree: MergedFS
    first: int = 0
    end: int = 0
    count: int = 0
    whiteouts: list[str] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)
    hardlinks: list[int] = field(default_factory=list)
    uncompressed_size: int = 0

    @property
    def entry_count(self) -> int:
        """Members that change the filesystem: entries, whiteouts and opaque markers."""
        return self.count + len(self.whiteouts) + len(self.opaque)


def scan_layer(stream: BinaryIO, index: int, what: str, tree: MergedFS | None = None,
               on_member: Callable[[TarMember], None] | None = None, *, budget: EntryBudget | None = None) -> LayerChanges:
    """Read one layer's tar stream into its changes; ``what`` names the layer in errors.

    Paths are kept in ``tree`` (the merged filesystem the layer will be
    applied to; a fresh one when None). ``index`` is the layer's place when
    known (-1 otherwise); it is given again to :meth:`MergedFS.apply`. Raises
    InputError for a truncated or corrupt tar and for a bare ``.wh.``
    whiteout. Members count against ``budget`` (the image's; a fresh one when
    None, so one layer alone is still bounded). ``on_member`` sees each member
    after its header is read and before its data is skipped (a streamed source
    uses it to keep some files' bytes).
    """
    tree = tree if isinstance(tree, MergedFS) else MergedFS()
    changes = LayerChanges(tree, first=tree.record_count, end=tree.record_count)
    reader = TarReader(stream.read, getattr(stream, "skip", None))  # counts the bytes read and skipped
    count = (budget or EntryBudget()).counter(what)
    take = _Scan(tree, changes, what).take
    try:
        for member in iter_members(stream, where=f"{what}: ", count=count, reader=reader):
            if on_member is not None:
                on_member(member)
            take(member)
    except TarError as exc:
        raise InputError(f"{what}: {exc}; the archive is damaged or incomplete, save or copy the image again") from None
    finally:
        changes.end = tree.record_count
    while reader.read(CHUNK):
        pass  # after the end-of-archive blocks: count the rest, let the decompressor check its trailer
    changes.uncompressed_size = reader.position
    return changes


class _Scan:
    """One layer being read: its records go to the tree; ``last`` finds this layer's record of a node
    (record number + 1, 0 for none) for duplicates and hardlinks."""

    def __init__(self, tree: MergedFS, changes: LayerChanges, what: str) -> None:
        self.tree, self.changes, self.what = tree, changes, what
        self.last = array("i", bytes(4 * (len(tree) + _CHUNK_NODES)))

    def take(self, member: TarMember) -> None:
        path = normalize_member(member.name)
        parent, _, base = path.rpartition("/")
        changes = self.changes
        if base.startswith(WHITEOUT_PREFIX):
            parent = parent or "/"
            if base == OPAQUE_MARKER:
                changes.opaque.append(parent)
            elif base == WHITEOUT_PREFIX:
                raise InputError(f"{self.what}: member '{member.name}' is a bare '.wh.' whiteout naming no file; the layer is invalid")
            elif not base.startswith(META_PREFIX):
                changes.whiteouts.append(posixpath.join(parent, base[len(WHITEOUT_PREFIX) :]))
            return  # other .wh..wh. names are AUFS metadata
        kind = member.kind
        if kind is None or "/" + META_PREFIX in path:
            return  # a type not modelled, or inside an AUFS metadata folder (.wh..wh.plnk)
        tree = self.tree
        node = tree.intern(path)
        last = self.last
        if node >= len(last):
            last.extend(array("i", bytes(4 * (node + _CHUNK_NODES - len(last)))))
        row = tree.record_count
        code = _CODES[kind]
        size = offset = 0
        linkname = ""
        if code == _FILE:
            size, offset = member.size, member.offset_data
        elif code == _SYMLINK:
            linkname = member.linkname
        elif code == _HARDLINK:  # its target as this layer has it so far, else as the layers below have it
            linkname = normalize_member(member.linkname)
            changes.hardlinks.append(row)
            target = tree.lookup(linkname)
            if target is not None and target < len(last) and last[target]:
                tree.link_data[row] = tree.record_data(last[target] - 1)
        earlier = last[node]
        if earlier:  # the last member of a path wins, in its place in the tar
            tree.records[(earlier - 1) * _SIZE + 4] = 0
        else:
            changes.count += 1
        last[node] = row + 1
        tree.add_record(node, code, member.mode, member.uid, member.gid, size, member.mtime, offset, linkname)


class MergedFS:
    """The merged filesystem, built layer by layer; keeps every hidden version in ``deleted``.

    Directories overwritten by directories (the usual parent entries) only add
    a ``changed`` history event; every other hidden version (removed folders,
    overwritten files, a folder replaced by a file) is kept in ``deleted``.
    ``files`` is the merged view as a read-only mapping of paths to entries.
    """

    def __init__(self) -> None:
        # nodes: one per path ever seen; node 0 is "/"
        self._names = bytearray()
        self._ends = array("I", [0])
        self._parents = array("I", [0])
        self._first_child = array("i", [-1])
        self._next_sibling = array("i", [-1])
        self._slots = array("i", [-1]) * 1024
        self._dirs: dict[str, int] = {}  # a few recent folders, for tar members that come by folder
        self._folder_paths: dict[int, str] = {0: ""}  # node -> path of folders whose children were listed
        # versions: the record of each node's current version and the layer that placed it
        self._rows = array("i", [_NONE])
        self._layers = array("H", [0])
        self._kinds = bytearray(1)  # the type code of each node's version (0: absent), searchable at C speed
        self._live = 0
        # records: every member of every layer read
        self.records = bytearray()
        self.record_count = 0
        self._owners: list[tuple[int, int, int]] = [(0, 0, 0)]  # the (mode, uid, gid) a record's index names
        self._attrs: dict[tuple[int, int, int], int] = {(0, 0, 0): 0}
        self.wide: dict[int, tuple[int, int, int, int, int, int]] = {}  # record -> mode, uid, gid, size, mtime, offset
        self.links: dict[int, str] = {}  # record -> link target
        self.link_data: dict[int, Any] = {}  # hardlink record -> its target's data within its own layer (layer -1)
        self._node_data: dict[int, tuple[int, int, int] | None] = {}  # node -> a current hardlink's data
        self._history: dict[int, list[HistoryEntry]] = {}  # node -> history, once it has more than one event
        self.deleted: dict[str, list[FileEntry]] = {}
        self.files = Files(self)

    # --- nodes ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._parents)

    def _name(self, node: int) -> bytes:
        return bytes(self._names[self._ends[node - 1] : self._ends[node]]) if node else b""

    def path_of(self, node: int) -> str:
        parts: list[bytes] = []
        known = self._folder_paths
        while node:
            path = known.get(node)
            if path is not None:
                return path + "/" + b"/".join(reversed(parts)).decode("utf-8", "surrogateescape") if parts else path
            parts.append(self._name(node))
            node = self._parents[node]
        return "/" + b"/".join(reversed(parts)).decode("utf-8", "surrogateescape")

    def folder_path(self, node: int) -> str:
        """The path of the folder ``node`` as a prefix of its children's paths (``""`` for the root), kept for
        the next time (rules select paths many times over; at most :data:`_FOLDER_PATHS_KEPT` are kept)."""
        path = self._folder_paths.get(node)
        if path is None:
            path = self.path_of(node)
            if len(self._folder_paths) < _FOLDER_PATHS_KEPT:
                self._folder_paths[node] = path
        return path

    def _probe(self, parent: int, encoded: bytes) -> tuple[int, int]:
        """(slot, node) of the name ``encoded`` in ``parent``; node -1 and the free slot when absent."""
        slots = self._slots
        mask = len(slots) - 1
        i = hash((parent, encoded)) & mask
        names, ends, parents = self._names, self._ends, self._parents
        while True:
            node = slots[i]
            if node < 0 or (parents[node] == parent and names[ends[node - 1] : ends[node]] == encoded):
                return i, node
            i = (i + 1) & mask

    def _child(self, parent: int, name: str) -> int | None:
        try:
            node = self._probe(parent, _encode(name))[1]
        except UnicodeEncodeError:
            return None
        return node if node >= 0 else None

    def _new_child(self, parent: int, name: str) -> int:
        encoded = name.encode("utf-8", "surrogateescape")
        slots, names, ends, parents = self._slots, self._names, self._ends, self._parents
        mask = len(slots) - 1
        slot = hash((parent, encoded)) & mask
        while True:  # _probe, inlined: this runs once per tar member
            node = slots[slot]
            if node < 0:
                break
            if parents[node] == parent and names[ends[node - 1] : ends[node]] == encoded:
                return node
            slot = (slot + 1) & mask
        node = len(parents)
        slots[slot] = node
        names += encoded
        try:
            ends.append(len(names))
        except OverflowError:
            self._ends = array("q", ends)
            self._ends.append(len(names))
        parents.append(parent)
        self._next_sibling.append(self._first_child[parent])
        self._first_child[parent] = node
        self._first_child.append(-1)
        self._rows.append(_NONE)
        self._layers.append(0)
        self._kinds.append(0)
        if 3 * node > 2 * len(self._slots):
            self._grow()
        return node

    def _grow(self) -> None:
        slots = array("i", [-1]) * (2 * len(self._slots))
        mask = len(slots) - 1
        names, ends, parents = self._names, self._ends, self._parents
        for node in range(1, len(parents)):
            i = hash((parents[node], bytes(names[ends[node - 1] : ends[node]]))) & mask
            while slots[i] >= 0:
                i = (i + 1) & mask
            slots[i] = node
        self._slots = slots

    def intern(self, path: str) -> int:
        """The node of the normalised absolute ``path``, made (with its parents) when new."""
        if path == "/":
            return 0
        folder, _, name = path.rpartition("/")
        parent = self._dirs.get(folder)
        if parent is None:
            up, _, last = folder.rpartition("/")
            above = self._dirs.get(up) if folder else None
            if above is not None:  # a folder's members come after it, and it came after its own folder's
                parent = self._new_child(above, last)
            else:
                parent = 0
                for part in folder.split("/")[1:]:
                    parent = self._new_child(parent, part)
            if len(self._dirs) > 1024:
                self._dirs.clear()
            self._dirs[folder] = parent
        return self._new_child(parent, name)

    def lookup(self, path: str) -> int | None:
        """The node of exactly ``path`` (normalised, absolute), or None; live or not."""
        if path == "/":
            return 0
        if not path.startswith("/"):
            return None
        node = 0
        for part in path[1:].split("/"):
            found = self._child(node, part)
            if found is None:
                return None
            node = found
        return node

    def child(self, node: int, name: str) -> int | None:
        """The live node named ``name`` in the folder ``node``, or None."""
        found = self._child(node, name)
        return found if found is not None and self._kinds[found] else None

    def children(self, node: int) -> Iterator[int]:
        """The live nodes in the folder ``node``."""
        kinds, nexts = self._kinds, self._next_sibling
        child = self._first_child[node]
        while child >= 0:
            if kinds[child]:
                yield child
            child = nexts[child]

    def name_of(self, node: int) -> str:
        return self._name(node).decode("utf-8", "surrogateescape")

    def parent(self, node: int) -> int:
        return self._parents[node]

    # --- records ----------------------------------------------------------------

    def add_record(self, node: int, code: int, mode: int, uid: int, gid: int, size: int, mtime: int, offset: int, linkname: str) -> None:
        row = self.record_count
        owner = (mode, uid, gid)
        attrs = self._attrs.get(owner)
        if attrs is None and len(self._owners) <= _OWNERS_MAX:
            attrs = self._attrs[owner] = len(self._owners)
            self._owners.append(owner)
        try:
            if offset & 511 or attrs is None:
                raise struct.error
            self.records += _RECORD.pack(node, code, attrs, size, mtime, offset >> 9)
        except struct.error:
            self.records += _RECORD.pack(node, code | _WIDE, 0, 0, 0, 0)
            self.wide[row] = (mode, uid, gid, size, mtime, offset)
        if linkname:
            self.links[row] = linkname
        self.record_count = row + 1

    def _record(self, row: int) -> tuple[int, int, int, int, int, int, int]:
        """(type code, mode, uid, gid, size, mtime, offset) of record ``row``."""
        _, code, attrs, size, mtime, blocks = _unpack(self.records, row * _SIZE)
        mode, uid, gid = self._owners[attrs]
        if code & _WIDE:
            mode, uid, gid, size, mtime, offset = self.wide[row]
            return code & ~_WIDE, mode, uid, gid, size, mtime, offset
        return code, mode, uid, gid, size, mtime, blocks << 9

    def record_data(self, row: int) -> Any:
        """Where record ``row``'s bytes are within its layer (layer -1), for a hardlink to it in that layer."""
        code, _, _, _, size, _, offset = self._record(row)
        if code == _FILE:
            return (-1, offset, size)
        if code == _HARDLINK:
            return self.link_data.get(row, self.links[row])  # a str: resolved in the layers below
        return None

    # --- versions ---------------------------------------------------------------

    def _code(self, node: int) -> int:
        return self._kinds[node]

    def is_dir(self, node: int) -> bool:
        return self._code(node) == _DIR

    def type_of(self, node: int) -> str:
        return _TYPES[self._code(node)]

    def is_live(self, node: int) -> bool:
        return self._kinds[node] != 0

    def linkname(self, node: int) -> str:
        row = self._rows[node]
        return self.links.get(row, "") if row >= 0 else ""

    def _data(self, node: int) -> tuple[int, int, int] | None:
        row = self._rows[node]
        if row < 0:
            return None
        code = self.records[row * _SIZE + 4] & ~_WIDE
        if code == _FILE:
            _, _, _, _, size, _, offset = self._record(row)
            return (self._layers[node], offset, size)
        if code == _HARDLINK:
            return self._node_data.get(node)
        return None

    def entry(self, node: int, path: str | None = None) -> FileEntry:
        """The current version of ``node`` as a :class:`FileEntry` (made anew on each call)."""
        return self._make(node, self.path_of(node) if path is None else path)

    def _make(self, node: int, path: str) -> FileEntry:
        row, layer = self._rows[node], self._layers[node]
        data = None
        if row == _IMPLICIT:
            code, mode, uid, gid, size, mtime, linkname = _DIR, 0o755, 0, 0, 0, 0, ""
        else:
            _, code, attrs, size, mtime, blocks = _unpack(self.records, row * _SIZE)
            mode, uid, gid = self._owners[attrs]
            if code & _WIDE:
                code &= ~_WIDE
                mode, uid, gid, size, mtime, offset = self.wide[row]
            else:
                offset = blocks << 9
            if code == _FILE:
                data = (layer, offset, size)
            elif code == _HARDLINK:
                data = self._node_data.get(node)
            linkname = self.links.get(row, "") if code == _SYMLINK or code == _HARDLINK else ""
        return FileEntry(path, _TYPES[code], mode, uid, gid, size, linkname, layer, mtime,
                         self._history.get(node) or [HistoryEntry(layer, "added", size)], data)

    def _explicit_history(self, node: int) -> list[HistoryEntry]:
        history = self._history.get(node)
        if history is None:
            row = self._rows[node]
            size = self._record(row)[4] if row >= 0 else 0
            history = self._history[node] = [HistoryEntry(self._layers[node], "added", size)]
        return history

    def _set(self, node: int, row: int, code: int, index: int, data: tuple[int, int, int] | None = None) -> None:
        if not self._kinds[node]:
            self._live += 1
        self._rows[node] = row
        self._kinds[node] = code
        self._layers[node] = index
        if data is not None:
            self._node_data[node] = data
        else:
            self._node_data.pop(node, None)

    # --- applying a layer -------------------------------------------------------

    def apply(self, index: int, changes: LayerChanges) -> None:
        """Put layer ``index`` on top: opaque folders and whiteouts hide lower paths, then entries land."""
        if changes.tree is not self:
            changes = self._adopt(changes)
        links: dict[int, tuple[int, int, int] | None] = {}
        for row in changes.hardlinks:  # targets in lower layers: found before this layer's whiteouts
            data = self.link_data.get(row, self.links[row])
            if isinstance(data, str):
                target = self.lookup(data)
                data = self._data(target) if target is not None else None
            elif data is not None and data[0] == -1:
                data = (index, data[1], data[2])
            links[row] = data
        self._ensure_dir(0, index)
        for folder in changes.opaque:
            node = self.lookup(folder)
            if node is not None:
                for child in list(self.children(node)):
                    self._remove(child, index)
        for path in changes.whiteouts:
            node = self.lookup(path)
            if node and self._kinds[node]:
                self._remove(node, index)
        if index > 0xFFFF and self._layers.typecode == "H":
            self._layers = array("I", self._layers)
        records, kinds, rows, layers, parents, histories = self.records, self._kinds, self._rows, self._layers, self._parents, self._history
        for row in range(changes.first, changes.end):
            start = row * _SIZE
            code = records[start + 4] & ~_WIDE
            if not code:
                continue  # a member written again later in the layer
            node = int.from_bytes(records[start : start + 4], "little")
            if not kinds[node] and kinds[parents[node]] == _DIR and code != _HARDLINK and node and node not in histories:
                kinds[node], rows[node], layers[node] = code, row, index  # a new path in an existing folder: _put in short
                self._live += 1
            else:
                self._put(node, row, code, index, links.get(row))

    def _adopt(self, changes: LayerChanges) -> LayerChanges:
        """``changes`` scanned into another tree, copied into this one."""
        other = changes.tree
        mine = LayerChanges(self, first=self.record_count, count=changes.count, whiteouts=changes.whiteouts, opaque=changes.opaque,
                            uncompressed_size=changes.uncompressed_size)
        for row in range(changes.first, changes.end):
            node = int.from_bytes(other.records[row * _SIZE : row * _SIZE + 4], "little")
            code, mode, uid, gid, size, mtime, offset = other._record(row)
            raw_code = other.records[row * _SIZE + 4] & ~_WIDE
            new = self.record_count
            if row in other.link_data:
                self.link_data[new] = other.link_data[row]
            if raw_code == _HARDLINK:
                mine.hardlinks.append(new)
            self.add_record(self.intern(other.path_of(node)), raw_code, mode, uid, gid, size, mtime, offset, other.links.get(row, ""))
        mine.end = self.record_count
        return mine

    def _put(self, node: int, row: int, code: int, index: int, data: tuple[int, int, int] | None) -> None:
        if node and self._kinds[self._parents[node]] != _DIR:
            self._ensure_dir(self._parents[node], index)
        old = self._kinds[node]
        size = self._record(row)[4] if code == _FILE else 0
        if not old:
            history = self._history.get(node)
            if history is not None:
                history.append(HistoryEntry(index, "added", size))
        else:
            if old == _DIR and code != _DIR:
                for child in list(self.children(node)):
                    self._remove(child, index)
            if self._layers[node] == index:  # written twice in one layer, or an implicit parent made real
                history = self._history.get(node)
                if history is not None:
                    history[-1] = HistoryEntry(index, history[-1].action, size)
            else:
                history = self._explicit_history(node)
                if old != _DIR or code != _DIR:
                    self.deleted.setdefault(self.path_of(node), []).append(self.entry(node))
                history.append(HistoryEntry(index, "changed", size))
        self._set(node, row, code, index, data)

    def _ensure_dir(self, node: int, index: int) -> None:
        """Create missing parent folders as a tar extractor would (0755, root), top down, without recursion
        (a path may be thousands of folders deep)."""
        missing = []
        while True:
            if self._code(node) == _DIR:
                break
            missing.append(node)
            if not node:
                break
            node = self._parents[node]
        for node in reversed(missing):
            if self._kinds[node]:
                self._remove(node, index)
            history = self._history.get(node)
            if history is not None:
                history.append(HistoryEntry(index, "added", 0))
            self._set(node, _IMPLICIT, _DIR, index)

    def _remove(self, node: int, index: int) -> None:
        """Remove ``node`` and, for a folder, everything under it (iteratively: trees may be deep)."""
        pending = [(node, self.path_of(node))]
        while pending:
            current, path = pending.pop()
            if self._code(current) == _DIR:
                pending.extend((child, (path if path != "/" else "") + "/" + self.name_of(child)) for child in self.children(current))
            history = self._explicit_history(current)
            entry = self.entry(current, path)
            history.append(HistoryEntry(index, "deleted", 0))
            self.deleted.setdefault(path, []).append(entry)
            self._rows[current] = _NONE
            self._kinds[current] = 0
            self._node_data.pop(current, None)
            self._live -= 1

    # --- the merged view --------------------------------------------------------

    def live_nodes(self) -> Iterator[tuple[int, str]]:
        """(node, path) of every current path, parents before children."""
        rows, parents, names, ends, records = self._rows, self._parents, self._names, self._ends, self.records
        folders: dict[int, str] = {0: ""}
        if rows[0] != _NONE:
            yield 0, "/"
        for node in range(1, len(parents)):
            row = rows[node]
            if row == _NONE:
                continue
            parent = folders.get(parents[node])
            if parent is None:
                parent = self.path_of(parents[node])
            path = parent + "/" + names[ends[node - 1] : ends[node]].decode("utf-8", "surrogateescape")
            if row == _IMPLICIT or records[row * _SIZE + 4] & ~_WIDE == _DIR:
                folders[node] = path
            yield node, path


    def entries(self) -> Iterator[tuple[str, FileEntry]]:
        """(path, entry) of every current path, parents before children: :meth:`live_nodes` and
        :meth:`entry` in one loop (rules walk every path several times)."""
        rows, layers, parents, names, ends, records = self._rows, self._layers, self._parents, self._names, self._ends, self.records
        wide, links, node_data, histories = self.wide, self.links, self._node_data, self._history
        unpack, types, owners = _unpack, _TYPES, self._owners
        folders: dict[int, str] = {0: ""}
        for node in range(len(parents)):
            row = rows[node]
            if row == _NONE:
                continue
            if node:
                parent = folders.get(parents[node])
                if parent is None:
                    parent = self.path_of(parents[node])
                path = parent + "/" + names[ends[node - 1] : ends[node]].decode("utf-8", "surrogateescape")
            else:
                path = "/"
            layer = layers[node]
            data = None
            if row == _IMPLICIT:
                if node:
                    folders[node] = path
                yield path, FileEntry(path, "dir", 0o755, 0, 0, 0, "", layer, 0, histories.get(node) or [HistoryEntry(layer, "added", 0)])
                continue
            _, code, attrs, size, mtime, blocks = unpack(records, row * _SIZE)
            mode, uid, gid = owners[attrs]
            if code == _FILE:
                data = (layer, blocks << 9, size)
            elif code == _DIR:
                if node:
                    folders[node] = path
            elif code & _WIDE:
                code &= ~_WIDE
                mode, uid, gid, size, mtime, offset = wide[row]
                if code == _FILE:
                    data = (layer, offset, size)
                elif code == _DIR and node:
                    folders[node] = path
            if code == _HARDLINK:
                data = node_data.get(node)
            yield path, FileEntry(path, types[code], mode, uid, gid, size, links.get(row, "") if code == _SYMLINK or code == _HARDLINK else "",
                                  layer, mtime, histories.get(node) or [HistoryEntry(layer, "added", size)], data)


class Files(Mapping[str, FileEntry]):
    """The merged filesystem as a read-only mapping of absolute normalised paths to their current
    :class:`FileEntry` (made on each access: change nothing in it), parents before children."""

    def __init__(self, tree: MergedFS) -> None:
        self._tree = tree
        self._sizes: tuple[tuple[int, int, int], dict[int, int]] | None = None

    def __getitem__(self, path: str) -> FileEntry:
        node = self._tree.lookup(path) if isinstance(path, str) else None
        if node is None or not self._tree.is_live(node):
            raise KeyError(path)
        return self._tree.entry(node, path)

    def get(self, path: str, default: Any = None) -> Any:
        node = self._tree.lookup(path) if isinstance(path, str) else None
        if node is None or not self._tree.is_live(node):
            return default
        return self._tree.entry(node, path)

    def __contains__(self, path: object) -> bool:
        node = self._tree.lookup(path) if isinstance(path, str) else None
        return node is not None and self._tree.is_live(node)

    def __iter__(self) -> Iterator[str]:
        return (path for _, path in self._tree.live_nodes())

    def __len__(self) -> int:
        return self._tree._live

    def select(self, types: Iterable[str] | None = None, where: Callable[[str], bool] | None = None,
               mode: int = 0) -> Iterator[tuple[str, FileEntry]]:
        """``(path, entry)`` of the current paths of one of ``types`` (any when None) whose mode has one
        of the bits of ``mode`` (when not 0) and whose path passes ``where``, parents before children.

        Entries are made for these only: on an image of a million files,
        ``select(("dir",), where=...)`` costs a fraction of filtering ``items()``.
        """
        tree = self._tree
        codes = sorted({_CODES[t] for t in types if t in _CODES} if types is not None else set(_CODES.values()))
        if not codes:
            return
        rows, parents, records, wide, names, ends, owners = tree._rows, tree._parents, tree.records, tree.wide, tree._names, tree._ends, tree._owners
        make, folders, folder_path = tree._make, tree._folder_paths, tree.folder_path
        pattern = re.compile(b"[" + b"".join(b"\\x%02x" % c for c in codes) + b"]")
        for match in pattern.finditer(tree._kinds):
            node = match.start()
            if mode:
                row = rows[node]
                if row < 0:
                    found = 0o755  # a folder made for its children
                else:
                    found = owners[_unpack(records, row * _SIZE)[2]][0] if not records[row * _SIZE + 4] & _WIDE else wide[row][0]
                if not found & mode:
                    continue
            if node:
                parent = parents[node]
                folder = folders.get(parent)
                if folder is None:
                    folder = folder_path(parent)
                path = folder + "/" + names[ends[node - 1] : ends[node]].decode("utf-8", "surrogateescape")
            else:
                path = "/"
            if where is None or where(path):
                yield path, make(node, path)

    def sizes_by_layer(self) -> dict[int, int]:
        """Bytes of the current files by the layer that wrote them (their sum: the merged filesystem's bytes)."""
        tree = self._tree
        state = (tree.record_count, len(tree), tree._live)
        if self._sizes is not None and self._sizes[0] == state:  # several rules ask: counted once per merged view
            return dict(self._sizes[1])
        rows, layers, records, wide = tree._rows, tree._layers, tree.records, tree.wide
        sizes: dict[int, int] = {}
        for match in re.finditer(b"\\x%02x" % _FILE, tree._kinds):
            node = match.start()
            row = rows[node]
            size = _unpack(records, row * _SIZE)[3] if not records[row * _SIZE + 4] & _WIDE else wide[row][3]
            if size:
                sizes[layers[node]] = sizes.get(layers[node], 0) + size
        self._sizes = (state, dict(sizes))
        return sizes

    def items(self) -> _Items:
        return _Items(self)

    def values(self) -> _Values:
        return _Values(self)

    def __repr__(self) -> str:
        return f"<Files {len(self):,} paths>"


class _Items(ItemsView[str, FileEntry]):
    """``files.items()``: made in one loop over the paths instead of one lookup per path."""

    def __init__(self, files: Files) -> None:
        super().__init__(files)
        self._tree = files._tree

    def __iter__(self) -> Iterator[tuple[str, FileEntry]]:
        return self._tree.entries()


class _Values(ValuesView[FileEntry]):
    """``files.values()``, as ``items()``."""

    def __init__(self, files: Files) -> None:
        super().__init__(files)
        self._tree = files._tree

    def __iter__(self) -> Iterator[FileEntry]:
        return (entry for _, entry in self._tree.entries())
