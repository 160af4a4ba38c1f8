"""The image as rules see it: config, layers, one merged filesystem, lazy contents."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from typing import Any, Callable, Iterable, Iterator

from imagepolicy.model import InputError

from .blobs import CHUNK, GzipIndex, InflateBudget, Store, decompressed, gzip_stream_from, hash_ahead, normalize_member, open_store
from .digests import HashPool, LayerDigests
from .layout import LayerRef, Resolved, resolve as resolve_layout
from .merge import EntryBudget, Files, LayerChanges, MergedFS, scan_layer
from .model import FileEntry, LayerInfo

MAX_SYMLINK_HOPS = 40
_MEDIA_TYPES = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}


def open_image(path: str | os.PathLike[str], platform: str | None = None, *, verify_later: bool = False) -> Image:
    """Read the image at ``path`` (archive tar or OCI layout folder), detected by content.

    ``platform`` (``os/arch[/variant]``) picks the manifest of a multi-platform
    index; ``None`` means linux/amd64 when there is a choice and the only image
    otherwise (an explicit platform that the only image does not match is an
    error). Layers are streamed once to build the merged filesystem (metadata
    only), each checked against its digest and diff_id as it passes; file
    contents are read later, on demand. Raises
    :class:`imagepolicy.model.InputError` for unreadable, inconsistent or
    hostile archives (:class:`imagepolicy.limits.LimitExceeded` past a limit).

    With ``verify_later``, the image is returned while the layers hashed from
    their file (:class:`~.digests.HashPool`) may still be hashing: the caller
    must call :meth:`Image.verify` before it reports anything it found, and
    drop what it found when that raises.
    """
    source = os.fspath(path)
    with open_store(source) as store:
        return image_from_store(source, store, platform, verify_later=verify_later)


def image_from_store(source: str, store: Store, platform: str | None, opener: Callable[[], Store] | None = None,
                     fmt: str | None = None, *, verify_later: bool = False) -> Image:
    """Resolve, check and index the image in ``store`` (an archive, a layout, or a registry seen as one).

    ``opener`` gives the store file reads use later (default: the archive at
    ``source`` opened again); ``fmt`` overrides the format name (``registry``);
    ``verify_later`` as for :func:`open_image`.
    """
    resolved = resolve_layout(store, platform)
    if fmt:
        resolved.format = fmt
    check_config(store.label, resolved.config)
    layers = _layer_infos(resolved)
    merged = MergedFS()
    indexes: dict[int, GzipIndex] = {}
    budget = _Budget()
    uses = Counter(normalize_member(ref.member) for ref in resolved.layers)
    scanned: dict[str, tuple[int, str, LayerChanges]] = {}  # blobs listed more than once, kept for their next use
    try:
        hash_ahead(store, [(ref.member, ref.blob_digest, ref.diff_id) for ref in resolved.layers], budget.hashes)
        for info, ref in zip(layers, resolved.layers):
            _index_layer(store, info, ref, merged, indexes, budget, scanned, uses)
    except BaseException:
        budget.hashes.close()
        raise
    image = Image(source, resolved, layers, merged, indexes, opener=opener)
    image._hashing = budget.hashes  # layers hashed from their file in parallel: checked by verify()
    if not verify_later:
        image.verify()
    return image


class _Budget:
    """What one image may cost while it is read: inflation and tar members."""

    def __init__(self) -> None:
        self.inflate = InflateBudget()
        self.entries = EntryBudget()
        self.hashes = HashPool()


# The image config fields rules read, with the JSON type Docker and the OCI spec give them.
# Entrypoint, Cmd and Shell are Docker's StrSlice: a bare string is one word.
_STRINGS = ("User", "WorkingDir", "StopSignal")
_STRING_LISTS = ("Env", "Entrypoint", "Cmd", "Shell")
_OBJECTS = ("ExposedPorts", "Volumes", "Healthcheck")
_STR_SLICES = ("Entrypoint", "Cmd", "Shell")
_HISTORY_STRINGS = ("created", "created_by", "author", "comment")


def check_config(label: str, config: dict[str, Any]) -> None:
    """Refuse an image config whose fields have the wrong JSON type; normalise StrSlice fields in place.

    ``null`` stands for unset everywhere (Docker writes it). A bare string
    Entrypoint, Cmd or Shell becomes a one-word list, as Docker reads it. Any
    other mismatch (Labels a list, Env a string, a number as a label value, ...)
    is one :class:`InputError` naming the archive and every wrong config key,
    since Docker itself would refuse to load such an image.
    """
    problems: list[str] = []
    runtime = config.get("config")
    if isinstance(runtime, dict):
        for key in _STR_SLICES:
            if isinstance(runtime.get(key), str):
                runtime[key] = [runtime[key]]
        problems += _runtime_problems(runtime)
    elif runtime is not None:
        problems.append(_wrong_type("config", runtime, "an object"))
    problems += _history_problems(config.get("history"))
    if problems:
        raise InputError(f"{label}: the image config has keys of the wrong type: {'; '.join(problems)}; "
                         "the image is damaged or was not made by an image builder")


def _runtime_problems(runtime: dict[str, Any]) -> list[str]:
    """What is wrong with the types of the config's ``config`` object (User, Env, Labels, ...)."""
    problems = []
    labels = runtime.get("Labels")
    if labels is not None and not (isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())):
        problems.append(_wrong_type("config.Labels", labels, 'an object of strings ({"KEY": "VALUE"})'))
    for key in _STRINGS:
        if runtime.get(key) is not None and not isinstance(runtime[key], str):
            problems.append(_wrong_type(f"config.{key}", runtime[key], "a string"))
    for key in _STRING_LISTS:
        value = runtime.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problems.append(_wrong_type(f"config.{key}", value, "a list of strings" + (' ("KEY=VALUE")' if key == "Env" else "")))
    for key in _OBJECTS:
        if runtime.get(key) is not None and not isinstance(runtime[key], dict):
            problems.append(_wrong_type(f"config.{key}", runtime[key], "an object"))
    return problems


def _history_problems(history: Any) -> list[str]:
    """What is wrong with ``history``: not a list of objects with string fields."""
    if history is None:
        return []
    if not isinstance(history, list):
        return [_wrong_type("history", history, "a list of objects")]
    problems = []
    for i, entry in enumerate(history):
        if not isinstance(entry, dict):
            problems.append(_wrong_type(f"history[{i}]", entry, "an object"))
            continue
        problems += [_wrong_type(f"history[{i}].{key}", entry[key], "a string")
                     for key in _HISTORY_STRINGS if entry.get(key) is not None and not isinstance(entry[key], str)]
    return problems[:5]


def _wrong_type(key: str, value: Any, expected: str) -> str:
    """``key is <what value is> (<value>), expected <expected>``, the value shortened."""
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    kind = kinds.get(type(value), type(value).__name__)
    if isinstance(value, list) and "list" in expected:
        kind = "a list holding a non-string"
    elif isinstance(value, dict) and "object" in expected:
        kind = "an object holding a non-string"
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return f"{key} is {kind} ({shown}), expected {expected}"


def _layer_infos(resolved: Resolved) -> list[LayerInfo]:
    """LayerInfo per layer, with the config history entry that made it (empty_layer entries skipped)."""
    producing = [
        (i, h) for i, h in enumerate(resolved.config.get("history") or []) if isinstance(h, dict) and not h.get("empty_layer")
    ]
    infos = []
    for index, ref in enumerate(resolved.layers):
        hist_index, hist = producing[index] if index < len(producing) else (None, {})
        infos.append(
            LayerInfo(
                index=index,
                digest=ref.digest,
                diff_id=ref.diff_id,
                media_type=ref.media_type,
                compression="",
                size=ref.size,
                member=ref.member,
                created_by=hist.get("created_by"),
                created=hist.get("created"),
                comment=hist.get("comment"),
                history_index=hist_index,
            )
        )
    return infos


def _layer_label(store: Store, info: LayerInfo) -> str:
    return f"{store.label}: layer {info.index} ({info.digest}, '{info.member}')"


def _index_layer(store: Store, info: LayerInfo, ref: LayerRef, merged: MergedFS, indexes: dict[int, GzipIndex],
                 budget: _Budget, scanned: dict[str, tuple[int, str, LayerChanges]], uses: Counter[str]) -> None:
    what = _layer_label(store, info)
    key = normalize_member(ref.member)
    if key in scanned:  # the same blob again (empty layers often are): its bytes were read and checked once
        first, compression, changes = scanned[key]  # applied again as this layer: its files' bytes are in this layer too
        budget.entries.charge(changes.entry_count, 0, what)
        if first in indexes:
            indexes[info.index] = indexes[first]
    else:
        if ref.blob_size is not None and ref.size != ref.blob_size:
            raise InputError(f"{what}: the blob is {ref.size:,} bytes but its descriptor says {ref.blob_size:,}; the image is damaged")
        index = GzipIndex()
        with store.open(ref.member) as raw, LayerDigests(ref.blob_digest, ref.diff_id, what, budget.hashes) as digests:
            compression, stream = decompressed(raw, lambda problem: InputError(f"{what}: {problem}"), index,
                                               where=what, budget=budget.inflate, digests=digests)
            changes = scan_layer(stream, info.index, what, merged, budget=budget.entries)
            digests.verify()
        if index.points:
            indexes[info.index] = index
        if uses[key] > 1:
            scanned[key] = (info.index, compression, changes)
    info.compression = compression
    info.media_type = info.media_type or _MEDIA_TYPES.get(compression, "")
    info.uncompressed_size = changes.uncompressed_size
    info.entry_count = changes.entry_count
    merged.apply(info.index, changes)


class Image:
    """A container image read statically: config, layers and the merged filesystem.

    ``files`` maps absolute paths to the final :class:`FileEntry`; ``deleted``
    maps paths to the versions hidden by a later layer (removed by a whiteout
    or overwritten), oldest first. Contents are read lazily with :meth:`read`,
    :meth:`read_many` and :meth:`read_entries`, one pass per layer involved.
    """

    def __init__(self, source: str, resolved: Resolved, layers: list[LayerInfo], merged: MergedFS,
                 gzip_indexes: dict[int, GzipIndex] | None = None, *,
                 opener: Callable[[], Store] | None = None, contents: Any = None) -> None:
        self.source = source
        # Where file contents come from: the archive reopened (default), a store a source
        # gives (a registry's blobs by range), or a stream source's own reader (the daemon).
        self._opener = opener or (lambda: open_store(source))
        self._contents = contents
        self.format = resolved.format
        self.platform = resolved.platform
        self.config: dict[str, Any] = resolved.config
        self.manifest: dict[str, Any] = resolved.manifest
        self.repo_tags = resolved.repo_tags
        self.layers = layers
        self.files: Files = merged.files
        self.deleted: dict[str, list[FileEntry]] = merged.deleted
        self._tree = merged
        self._gzip_indexes = gzip_indexes or {}  # resume points: reads skip less of a gzip layer
        self._hashing: HashPool | None = None

    def verify(self) -> None:
        """Wait until every layer blob hashed from its file is hashed; InputError naming the first layer that
        does not match its digest or diff_id. Later calls do nothing (an image opened without ``verify_later``
        was verified before it was returned)."""
        pool, self._hashing = self._hashing, None
        if pool is None:
            return
        try:
            pool.finish()
        finally:
            pool.close()

    def __repr__(self) -> str:
        return f"<Image {self.source} {self.format} {self.platform} layers={len(self.layers)} files={len(self.files)}>"

    # --- config -----------------------------------------------------------------

    @property
    def runtime(self) -> dict[str, Any]:
        """The config's ``config`` object (User, Env, Entrypoint, Cmd, Healthcheck, ...)."""
        value = self.config.get("config")
        return value if isinstance(value, dict) else {}

    @property
    def env(self) -> dict[str, str]:
        """Environment from the config's Env (``KEY=VALUE``; the last one wins)."""
        env: dict[str, str] = {}
        for item in self.runtime.get("Env") or []:
            key, _, value = str(item).partition("=")
            env[key] = value
        return env

    @property
    def user(self) -> str:
        """The configured USER (``""`` when unset, meaning root)."""
        return str(self.runtime.get("User") or "")

    @property
    def workdir(self) -> str:
        """The configured WORKDIR (``"/"`` when unset)."""
        return str(self.runtime.get("WorkingDir") or "/")

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.runtime.get("Labels") or {})

    @property
    def annotations(self) -> dict[str, str]:
        return dict(self.manifest.get("annotations") or {})

    def layer_of(self, entry: FileEntry) -> LayerInfo:
        return self.layers[entry.layer]

    # --- filesystem -------------------------------------------------------------

    def get(self, path: str) -> FileEntry | None:
        """The entry at exactly ``path`` (no symlink following)."""
        return self.files.get(normalize_member(path))

    def exists(self, path: str, follow_symlinks: bool = True) -> bool:
        return self.resolve(path, follow_symlinks) is not None

    def listdir(self, path: str) -> list[str]:
        """Sorted names in the folder at ``path`` (symlinks followed); [] when not a folder."""
        node = self._resolve(path, True)
        if node is None or not self._tree.is_dir(node):
            return []
        return sorted(self._tree.name_of(child) for child in self._tree.children(node))

    def walk(self, top: str = "/") -> Iterator[FileEntry]:
        """Every entry under ``top`` (itself included), in sorted path order."""
        tree = self._tree
        top = normalize_member(top)
        node = tree.lookup(top)
        if node is None or not tree.is_live(node):
            return
        found, pending = [], [(node, top)]
        while pending:  # the subtree, then in sorted path order
            node, path = pending.pop()
            found.append((path, node))
            if tree.is_dir(node):
                prefix = path if path != "/" else ""
                pending.extend((child, prefix + "/" + tree.name_of(child)) for child in tree.children(node))
        for path, node in sorted(found):
            yield tree.entry(node, path)

    def resolve(self, path: str, follow_symlinks: bool = True) -> FileEntry | None:
        """The entry ``path`` leads to, following symlinks in parents (and in the last part
        when ``follow_symlinks``), relative and absolute; None when missing or after
        more than 40 links (a loop)."""
        node = self._resolve(path, follow_symlinks)
        return self._tree.entry(node) if node is not None else None

    def _resolve(self, path: str, follow_symlinks: bool) -> int | None:
        tree = self._tree
        pending = [p for p in reversed(str(path).split("/")) if p and p != "."]
        current, hops = 0, 0
        while pending:
            name = pending.pop()
            if name == "..":
                current = tree.parent(current)
                continue
            node = tree.child(current, name)
            if node is None:
                return None
            kind = tree.type_of(node)
            if kind == "symlink" and (pending or follow_symlinks):
                hops += 1
                linkname = tree.linkname(node)
                if hops > MAX_SYMLINK_HOPS or not linkname:
                    return None
                if linkname.startswith("/"):
                    current = 0
                pending.extend(p for p in reversed(linkname.split("/")) if p and p != ".")
                continue
            if pending and kind != "dir":
                return None
            current = node
        return current if tree.is_live(current) else None

    # --- contents ---------------------------------------------------------------

    def read(self, path: str, max_bytes: int | None = None, follow_symlinks: bool = True) -> bytes | None:
        """The contents of the file at ``path`` (first ``max_bytes``), or None if it is not a readable file."""
        entry = self.resolve(path, follow_symlinks)
        if entry is None:
            return None
        return self.read_entries([entry], max_bytes)[0]

    def read_many(self, paths: Iterable[str], max_bytes: int | None = None) -> dict[str, bytes]:
        """Contents of several files, one pass per layer involved; paths that are not files are left out."""
        wanted = {p: self.resolve(p) for p in paths}
        found = {p: e for p, e in wanted.items() if e is not None}
        contents = self.read_entries(list(found.values()), max_bytes)
        return {p: c for p, c in zip(found, contents) if c is not None}

    def read_entries(self, entries: list[FileEntry], max_bytes: int | None = None) -> list[bytes | None]:
        """Contents of the given versions (final or from ``deleted``), aligned with ``entries``.

        Hardlinks read their target's bytes; non-files give None.
        """
        if self._contents is not None:
            return self._contents.read(self.layers, entries, max_bytes)
        results: list[bytes | None] = [None] * len(entries)
        by_layer: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for i, entry in enumerate(entries):
            if entry.type not in ("file", "hardlink") or entry.data is None:
                continue
            layer, offset, length = entry.data
            length = length if max_bytes is None else min(length, max_bytes)
            by_layer[layer].append((offset, length, i))
        if not by_layer:
            return results
        with self._opener() as store:
            for layer, wanted in sorted(by_layer.items()):
                self._read_layer(store, self.layers[layer], sorted(wanted, key=lambda w: (w[0], -w[1], w[2])), results)
        return results

    def _read_layer(self, store: Store, info: LayerInfo, wanted: list[tuple[int, int, int]], results: list[bytes | None]) -> None:
        what = _layer_label(store, info)
        with store.open(info.member) as raw:
            if info.compression == "none":
                last_offset, last_data = -1, b""
                for offset, length, i in wanted:
                    if offset == last_offset and length <= len(last_data):  # hardlinks share their target's bytes
                        results[i] = last_data if length == len(last_data) else last_data[:length]
                        continue
                    raw.seek(offset)
                    last_offset, last_data = offset, _read_exact(raw.read, length, what)
                    results[i] = last_data
                return
            fail: Callable[[str], InputError] = lambda problem: InputError(f"{what}: {problem}")
            index = self._gzip_indexes.get(info.index)
            stream = None
            position, last_offset, last_data = 0, -1, b""
            for offset, length, i in wanted:
                if offset == last_offset and length <= len(last_data):  # a hardlink and its target share their bytes
                    results[i] = last_data if length == len(last_data) else last_data[:length]
                    continue
                if index is not None:
                    point = index.before(offset)
                    if stream is None or (point is not None and point[0] > position):
                        position, stream = gzip_stream_from(raw, index, offset, fail)  # jump instead of skipping
                elif stream is None:
                    _, stream = decompressed(raw, fail)
                _skip(stream.read, offset - position, what)
                last_offset, last_data = offset, _read_exact(stream.read, length, what)
                results[i] = last_data
                position = offset + length


def _skip(read: Callable[[int], bytes], count: int, what: str) -> None:
    while count > 0:
        chunk = read(min(count, CHUNK))
        if not chunk:
            raise InputError(f"{what}: the layer ended early while seeking a file; the archive changed or is damaged")
        count -= len(chunk)


def _read_exact(read: Callable[[int], bytes], length: int, what: str) -> bytes:
    parts, remaining = [], length
    while remaining > 0:
        chunk = read(min(remaining, CHUNK))
        if not chunk:
            raise InputError(f"{what}: the layer ended early while reading a file; the archive changed or is damaged")
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)
