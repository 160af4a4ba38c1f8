"""The merged filesystem's compact store (policy/image/merge.py) against a plain one-object-per-path model.

The store keeps paths as nodes and tar members as packed records, and makes a
:class:`FileEntry` when asked. ``_Reference`` below is the object model it
replaced, kept here as the oracle: on random layer sequences (files, folders,
links, hardlinks, whiteouts, opaque markers, members written twice, a path
that is a file in one layer and a folder in the next) both must give the same
current entries, hidden versions and histories. Then the parts the oracle
cannot check: the mapping's protocol, ``select``, ``sizes_by_layer``, values
too wide for a record, names that are not UTF-8, and memory per path.
"""

from __future__ import annotations

import io
import os
import posixpath
import tarfile
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from imagepolicy.image.blobs import normalize_member
from imagepolicy.image import merge
from imagepolicy.image.merge import META_PREFIX, OPAQUE_MARKER, WHITEOUT_PREFIX, MergedFS, scan_layer
from imagepolicy.image.model import FileEntry, HistoryEntry
from imagepolicy.image.tarstream import TarMember, iter_members

# As tests/test_image_fuzz.py: a fixed sample on CI; IMAGEPOLICY_FUZZ_EXAMPLES=5000 IMAGEPOLICY_FUZZ_RANDOM=1 explores further.
EXAMPLES = settings(max_examples=int(os.environ.get("IMAGEPOLICY_FUZZ_EXAMPLES", "150")), deadline=None,
                    derandomize=not os.environ.get("IMAGEPOLICY_FUZZ_RANDOM"), database=None, suppress_health_check=list(HealthCheck))


# --- the oracle: one FileEntry per path, as the reader kept them before the compact store ---------


class _Reference:
    def __init__(self) -> None:
        self.files: dict[str, FileEntry] = {}
        self.deleted: dict[str, list[FileEntry]] = {}
        self.children: dict[str, set[str]] = {}

    def layer(self, members: list[TarMember], index: int) -> None:
        entries: dict[str, FileEntry] = {}
        whiteouts, opaque = [], []
        for member in members:
            path = normalize_member(member.name)
            parent, _, base = path.rpartition("/")
            parent = parent or "/"
            if base.startswith(WHITEOUT_PREFIX):
                if base == OPAQUE_MARKER:
                    opaque.append(parent)
                elif not base.startswith(META_PREFIX):
                    whiteouts.append(posixpath.join(parent, base[len(WHITEOUT_PREFIX) :]))
                continue
            if member.kind is None or "/" + META_PREFIX in path:
                continue
            data, linkname = None, ""
            if member.kind == "file":
                data = (index, member.offset_data, member.size)
            elif member.kind == "symlink":
                linkname = member.linkname
            elif member.kind == "hardlink":
                linkname = normalize_member(member.linkname)
                target = entries.get(linkname) or self.files.get(linkname)
                data = target.data if target is not None else None
            entries.pop(path, None)
            entries[path] = FileEntry(path, member.kind, member.mode, member.uid, member.gid, member.size if member.kind == "file" else 0,
                                      linkname, index, member.mtime, [], data)
        self._ensure_dir("/", index)
        for folder in opaque:
            for child in list(self.children.get(folder, ())):
                self._remove(child, index)
        for path in whiteouts:
            if path in self.files and path != "/":
                self._remove(path, index)
        for path, entry in entries.items():
            self._put(path, entry, index)

    def _history(self, path: str) -> list[HistoryEntry]:
        versions = self.deleted.get(path)
        return versions[-1].history if versions else []

    def _link(self, path: str) -> None:
        if path != "/":
            self.children.setdefault(posixpath.dirname(path), set()).add(path)

    def _put(self, path: str, entry: FileEntry, index: int) -> None:
        if path != "/":
            self._ensure_dir(posixpath.dirname(path), index)
        old = self.files.get(path)
        if old is None:
            history = self._history(path)
            history.append(HistoryEntry(index, "added", entry.size))
        else:
            history = old.history
            if old.type == "dir" and entry.type != "dir":
                for child in list(self.children.get(path, ())):
                    self._remove(child, index)
            if old.layer == index:
                history[-1] = HistoryEntry(index, history[-1].action, entry.size)
            else:
                if old.type != "dir" or entry.type != "dir":
                    self.deleted.setdefault(path, []).append(old)
                history.append(HistoryEntry(index, "changed", entry.size))
        entry.history = history
        self.files[path] = entry
        self._link(path)

    def _ensure_dir(self, path: str, index: int) -> None:
        missing = []
        while not (path in self.files and self.files[path].type == "dir"):
            missing.append(path)
            if path == "/":
                break
            path = posixpath.dirname(path)
        for path in reversed(missing):
            if path in self.files:
                self._remove(path, index)
            history = self._history(path)
            history.append(HistoryEntry(index, "added", 0))
            self.files[path] = FileEntry(path, "dir", 0o755, 0, 0, 0, "", index, 0, history)
            self._link(path)

    def _remove(self, path: str, index: int) -> None:
        self.children.get(posixpath.dirname(path), set()).discard(path)
        pending = [path]
        while pending:
            current = pending.pop()
            entry = self.files.pop(current)
            if entry.type == "dir":
                pending.extend(self.children.pop(current, ()))
            entry.history.append(HistoryEntry(index, "deleted", 0))
            self.deleted.setdefault(current, []).append(entry)


# --- layers as tar bytes ----------------------------------------------------------------------


def layer_tar(members: list[tuple[str, str, str]]) -> bytes:
    """A tar of ``(kind, path, extra)`` members: file (extra: content), dir, symlink/hardlink (extra: target),
    whiteout and opaque (path: the folder's child to hide / the folder)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for i, (kind, path, extra) in enumerate(members):
            name = path.lstrip("/") or "."
            if kind == "whiteout":
                name = posixpath.join(posixpath.dirname(name), WHITEOUT_PREFIX + posixpath.basename(name))
            elif kind == "opaque":
                name = posixpath.join(name, OPAQUE_MARKER)
            info = tarfile.TarInfo(name)
            info.mode, info.uid, info.gid, info.mtime = 0o640 + i, 1000 + i, 2000 + i, 1_700_000_000 + i
            content = b""
            if kind == "dir":
                info.type = tarfile.DIRTYPE
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, extra
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, extra.lstrip("/")
            elif kind == "file":
                content = extra.encode()
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def view(entry: FileEntry) -> tuple:
    return (entry.path, entry.type, entry.mode, entry.uid, entry.gid, entry.size, entry.linkname, entry.layer, entry.mtime,
            tuple(entry.history), entry.data)


def merged(layers: list[bytes]) -> tuple[MergedFS, _Reference]:
    tree, reference = MergedFS(), _Reference()
    for index, blob in enumerate(layers):
        tree.apply(index, scan_layer(io.BytesIO(blob), index, f"layer {index}", tree))
        reference.layer(list(iter_members(io.BytesIO(blob))), index)
    return tree, reference


def assert_same(tree: MergedFS, reference: _Reference) -> None:
    assert {p: view(e) for p, e in tree.files.items()} == {p: view(e) for p, e in reference.files.items()}
    assert {p: [view(e) for e in v] for p, v in tree.deleted.items()} == {p: [view(e) for e in v] for p, v in reference.deleted.items()}
    assert len(tree.files) == len(reference.files)
    files = {p: view(e) for p, e in reference.files.items() if e.type == "file"}
    sizes: dict[int, int] = {}
    for entry in reference.files.values():
        if entry.type == "file" and entry.size:
            sizes[entry.layer] = sizes.get(entry.layer, 0) + entry.size
    for _ in range(2):  # the second time from the folder paths and the sizes the first one kept
        assert [p for p, _ in tree.files.select()] == list(tree.files)
        assert {p: view(e) for p, e in tree.files.select(("file",))} == files
        assert tree.files.sizes_by_layer() == sizes
    for path, entry in reference.files.items():
        assert view(tree.files[path]) == view(entry)
    for path, versions in tree.deleted.items():  # one history per path, shared by its versions, as before
        current = tree.files.get(path)
        histories = {id(v.history) for v in versions} | ({id(current.history)} if current is not None and len(current.history) > 1 else set())
        assert len(histories) == 1


_NAMES = st.sampled_from(["a", "b", "c"])
_PATHS = st.lists(_NAMES, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts))
_MEMBER = st.one_of(
    st.tuples(st.just("file"), _PATHS, st.sampled_from(["", "x", "some bytes"])),
    st.tuples(st.just("dir"), st.one_of(_PATHS, st.just("/")), st.just("")),
    st.tuples(st.just("symlink"), _PATHS, st.sampled_from(["a", "/b/c", "../a"])),
    st.tuples(st.just("hardlink"), _PATHS, _PATHS),
    st.tuples(st.just("whiteout"), _PATHS, st.just("")),
    st.tuples(st.sampled_from(["opaque"]), st.one_of(_PATHS, st.just("/")), st.just("")),
)


@given(st.lists(st.lists(_MEMBER, max_size=8), min_size=1, max_size=4))
@EXAMPLES
def test_the_store_merges_like_one_object_per_path(layers: list[list[tuple[str, str, str]]]) -> None:
    tree, reference = merged([layer_tar(members) for members in layers])
    assert_same(tree, reference)


def test_a_layer_applied_twice_and_a_layer_from_another_tree_merge_as_scanned_here() -> None:
    first = layer_tar([("file", "/etc/app.conf", "v1"), ("hardlink", "/etc/link", "/etc/app.conf"), ("dir", "/srv", "")])
    second = layer_tar([("whiteout", "/etc/app.conf", ""), ("hardlink", "/srv/lower", "/etc/link"), ("file", "/srv/new", "new")])
    tree, reference = MergedFS(), _Reference()
    changes = scan_layer(io.BytesIO(first), 0, "layer 0", tree)
    for index in (0, 1):  # the same blob listed twice: its files are located in each layer
        tree.apply(index, changes)
        reference.layer(list(iter_members(io.BytesIO(first))), index)
    elsewhere = scan_layer(io.BytesIO(second), -1, "layer 2")  # no tree given: a tree of its own, copied in by apply
    assert elsewhere.tree is not tree
    tree.apply(2, elsewhere)
    reference.layer(list(iter_members(io.BytesIO(second))), 2)
    assert_same(tree, reference)
    assert tree.files["/etc/link"].data[0] == 1 and tree.files["/srv/lower"].data == tree.files["/etc/link"].data


def test_files_is_a_read_only_mapping_of_normalised_paths() -> None:
    tree, _ = merged([layer_tar([("file", "/usr/bin/tool", "x"), ("symlink", "/usr/bin/t", "tool")])])
    files = tree.files
    assert list(files) == ["/", "/usr", "/usr/bin", "/usr/bin/tool", "/usr/bin/t"]  # parents before children
    assert len(files) == 5 and [e.path for e in files.values()] == list(files) and dict(files.items()).keys() == set(files)
    for other in ("/usr/", "usr/bin", "//usr", "/usr/./bin", "/usr/bin/tool/x", "/nope", "/usr\udcff", 42):
        assert other not in files and files.get(other) is None
        with pytest.raises(KeyError):
            files[other]  # type: ignore[index]
    assert files["/usr/bin/t"].linkname == "tool" and files.get("/usr/bin/tool").data[2] == 1
    entry = files["/usr/bin/tool"]
    entry.mode = 0  # an entry is made on each access: changing one changes nothing in the image
    assert files["/usr/bin/tool"].mode != 0


def test_select_and_sizes_by_layer_agree_with_filtering_items() -> None:
    tree, _ = merged([
        layer_tar([("file", "/bin/su", "su"), ("file", "/bin/ls", "ls!"), ("hardlink", "/bin/su2", "/bin/su"), ("dir", "/opt/x", "")]),
        layer_tar([("file", "/opt/x/big", "0123456789"), ("symlink", "/bin/sh", "ls"), ("file", "/bin/ls", "ls v2")]),
    ])
    files = tree.files
    everything = dict(files.items())
    for types in (None, ("file",), ("dir",), ("file", "hardlink"), ("symlink",), ("fifo",), ()):
        for where in (None, lambda p: p.startswith("/bin")):
            for mode in (0, 0o111, 0o4000, 0o001):
                got = [(p, view(e)) for p, e in files.select(types, where=where, mode=mode)]
                expected = [(p, view(e)) for p, e in everything.items()
                            if (types is None or e.type in types) and (where is None or where(p)) and (not mode or e.mode & mode)]
                assert got == expected, (types, mode)
    by_layer: dict[int, int] = {}
    for entry in everything.values():
        if entry.size:
            by_layer[entry.layer] = by_layer.get(entry.layer, 0) + entry.size
    assert files.sizes_by_layer() == by_layer == {0: 2, 1: 15}


def test_values_too_wide_for_a_record_and_names_that_are_not_utf8_come_back_as_read() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("opt/wide")
        info.uid, info.gid, info.mtime, info.mode = 5_000_000_000, 2**40, -86_400, 0o7777
        tar.addfile(info, io.BytesIO(b""))
    blob = out.getvalue()
    raw = tarfile.TarInfo("opt/caf\udce9")  # the byte 0xe9 alone: not UTF-8
    raw.size = 2
    gnu = io.BytesIO()
    with tarfile.open(fileobj=gnu, mode="w", format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape") as tar:
        tar.addfile(raw, io.BytesIO(b"hi"))
    tree, reference = merged([blob, gnu.getvalue()])
    assert_same(tree, reference)
    wide = tree.files["/opt/wide"]
    assert (wide.uid, wide.gid, wide.mtime, wide.mode) == (5_000_000_000, 2**40, -86_400, 0o7777)
    assert "/opt/caf\udce9" in tree.files and tree.files["/opt/caf\udce9"].size == 2


def test_more_owner_combinations_than_the_table_holds_keep_their_values(monkeypatch) -> None:
    monkeypatch.setattr(merge, "_OWNERS_MAX", 3)
    members = [("file", f"/srv/f{i}", "x" * i) for i in range(8)]  # layer_tar gives each its own mode, uid and gid
    tree, reference = merged([layer_tar(members)])
    assert_same(tree, reference)
    assert len(tree.wide) >= 4 and [tree.files[f"/srv/f{i}"].uid for i in range(8)] == [1000 + i for i in range(8)]


def test_memory_per_path_stays_small() -> None:
    out = io.BytesIO()
    paths = 20_000
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for i in range(paths):
            tar.addfile(tarfile.TarInfo(f"srv/d{i // 1000:03d}/file{i:07d}.txt"))
    blob = out.getvalue()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tree = MergedFS()
        tree.apply(0, scan_layer(io.BytesIO(blob), 0, "layer", tree))
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(tree.files) == paths + 22
    # names, node arrays, the lookup table and one 19-byte record a member: about 70 bytes (a FileEntry
    # per path with its history and dict slots took about 900)
    assert used / paths < 120, f"{used / paths:.0f} bytes per path"
