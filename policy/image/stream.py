"""Index an image archive that arrives as a one-way stream (the Docker Engine's image export), in one pass.

``docker save`` output cannot be read with random access when it comes from
the daemon: its members (layers, configs, ``manifest.json``) arrive in an order
of the daemon's choosing and ``manifest.json`` often comes last. So each layer
is scanned on its own as it passes (:func:`imagepolicy.image.merge.scan_layer`,
the reader archives use), small JSON members are kept, and once the stream
has ended the manifest picks the layers and their order, exactly as for an
archive on disk (:func:`imagepolicy.image.layout.resolve`). Nothing touches the disk.

While a layer passes, the bytes of the files rules are most likely to read
are kept in memory (:class:`KeepPolicy`: small files, configuration under
``/etc``, package metadata, key and credential files), so most reads cost
nothing more. A read of any other file asks the source for the stream again
(:class:`StreamContents`), once per batch of reads, and stops as soon as the
layers it needs have passed.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import posixpath
import re
import tarfile
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from imagepolicy import limits
from imagepolicy.model import InputError

from .blobs import CHUNK, InflateBudget, Store, decompressed, normalize_member, sniff_compression
from .digests import mismatch
from .layout import Resolved, resolve as resolve_layout
from .merge import EntryBudget, LayerChanges, MergedFS, scan_layer
from .model import FileEntry, LayerInfo
from .tarstream import TarMember, is_tar_header

_DOC_PEEK = 512

KEEP_SMALL_BYTES = 4 << 10
"""Files up to this size are kept whole while their layer streams past."""
KEEP_METADATA_BYTES = 1 << 20
"""Configuration and package-metadata files up to this size are kept too."""
KEEP_BUDGET_BYTES = 64 << 20
"""Most bytes kept in memory per image (first come, first kept)."""

_METADATA = re.compile(
    r"""^/etc/[^/]+(?:/[^/]+)?$                              # /etc/passwd, /etc/apt/sources.list
      | \.(?:dist|egg)-info/[^/]+$                         # Python package metadata (RECORD, METADATA, ...)
      | \.(?:pth|cfg|toml|ini|conf)$                        # .pth files, pyvenv.cfg, setup.cfg, ...
      | /site\.py$
      | ^/var/lib/dpkg/status$ | ^/lib/apk/db/installed$   # OS package databases
      | /package\.json$
      | \.(?:pem|key|crt|env|npmrc|pypirc|netrc)$ | /id_[a-z0-9]+$ | /\.git-credentials$   # what secret scanners open
      | /\.docker/config\.json$ | /\.aws/credentials$
    """,
    re.VERBOSE,
)


class KeepPolicy:
    """Which file bytes to keep in memory while a layer streams past, within a budget."""

    def __init__(self, budget: int = KEEP_BUDGET_BYTES) -> None:
        self.left = budget

    def keep(self, path: str, size: int) -> bool:
        if size <= 0 or size > self.left:
            return False
        if size <= KEEP_SMALL_BYTES or (size <= KEEP_METADATA_BYTES and _METADATA.search(path)):
            self.left -= size
            return True
        return False


class _Tap:
    """Passes a layer's plain bytes to the tar scanner and copies out the ranges asked for."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.position = 0
        self._want: tuple[int, int, list[bytes]] | None = None
        self.kept: dict[int, bytes] = {}  # offset in the layer tar -> bytes
        self.sha256 = hashlib.sha256()  # of the plain tar: checked against the config's diff_id once it is known

    def want(self, offset: int, length: int) -> None:
        self._want = (offset, offset + length, [])

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.sha256.update(data)
        start, end = self.position, self.position + len(data)
        self.position = end
        want = self._want
        if want is not None and data:
            lo, hi, parts = want
            if start < hi and end > lo:
                parts.append(data[max(lo - start, 0) : min(hi, end) - start])
            if end >= hi:
                self.kept[lo] = b"".join(parts)
                self._want = None
        return data


@dataclass
class _Scanned:
    """One layer member as it passed: its changes, compression and the file bytes kept from it."""

    changes: LayerChanges
    compression: str
    uncompressed_size: int
    kept: dict[int, bytes]
    diff_id: str = ""


@dataclass
class StreamIndex:
    """What one pass over an archive stream yields, before the manifest orders the layers."""

    docs: dict[str, bytes] = field(default_factory=dict)
    layers: dict[str, _Scanned] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # member -> why it could not be read as a layer
    tree: MergedFS = field(default_factory=MergedFS)  # the paths of every layer scanned; merged once the order is known


_BROKEN = (tarfile.TarError, EOFError, OSError, http.client.HTTPException)


def _why(exc: BaseException) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed in the middle of the data"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def canonical(name: str, aliases: dict[str, str]) -> str:
    """A member name normalised, symlinked and hardlinked names followed to the member that holds the bytes."""
    path = normalize_member(name)
    for _ in range(40):
        if path in aliases:
            path = aliases[path]
            continue
        parts = path.strip("/").split("/")
        for i in range(len(parts) - 1, 0, -1):  # a symlinked folder on the way: id0 -> store/l0
            parent = "/" + "/".join(parts[:i])
            if parent in aliases:
                path = normalize_member(aliases[parent] + "/" + "/".join(parts[i:]))
                break
        else:
            return path
    return path


def _is_tar_head(head: bytes) -> bool:
    if not head[:512].strip(b"\0"):
        return True  # an empty layer: nothing, or end-of-archive zeros only
    return is_tar_header(head)


class _Bounded(io.RawIOBase):
    """At most ``size`` bytes of ``stream``: one member's data, read straight from the stream.

    It says it can seek (to where it is) so a BufferedReader over it can
    rewind within its buffer, as the layer decompressor does after a peek.
    """

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self.left = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = 0) -> int:
        if (whence == 0 and pos == self._pos) or (whence == 1 and pos == 0):
            return self._pos
        raise io.UnsupportedOperation("a streamed member cannot seek")

    def readinto(self, target: Any) -> int:
        if self.left <= 0:
            return 0
        view = memoryview(target)[: min(len(target), self.left)]
        n = 0
        while n < len(view):  # fill it: a peek at a member's head must see all of it
            got = self._stream.readinto(view[n:])  # type: ignore[attr-defined]
            if not got:
                raise EOFError(f"the stream ended with {self.left - n} bytes of a member still to come")
            n += got
        self.left -= n
        self._pos += n
        return n


@dataclass
class _OuterMember:
    name: str
    type: bytes
    linkname: str
    size: int
    data: _Bounded


_LINK_TYPES = (tarfile.SYMTYPE, tarfile.LNKTYPE)
_NO_DATA = (tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.DIRTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE)


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    parts, want = [], size
    while want > 0:
        chunk = stream.read(min(want, CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        want -= len(chunk)
    return b"".join(parts)


def _pax_records(data: bytes) -> dict[str, str]:
    records, pos = {}, 0
    while pos < len(data) and data[pos:pos + 1] not in (b"", b"\0"):
        space = data.find(b" ", pos)
        length = int(data[pos:space])
        key, _, value = data[space + 1 : pos + length - 1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return records


def _outer(stream: BinaryIO) -> Iterator[_OuterMember]:
    """The members of the archive tar ``stream``, each with a reader of its data (read it or not).

    tarfile's stream mode copies every byte several times through its buffer;
    this reads the headers itself and lets a member's reader take the bytes
    straight from the stream. PAX and GNU long names are followed.
    """
    pax: dict[str, str] = {}
    pax_global: dict[str, str] = {}
    long_name = long_link = None
    members = 0
    while True:
        header = _read_exactly(stream, tarfile.BLOCKSIZE)
        if not header or header == bytes(tarfile.BLOCKSIZE):
            return
        if len(header) < tarfile.BLOCKSIZE:
            raise tarfile.ReadError("the stream ends inside a tar header")
        info = tarfile.TarInfo.frombuf(header, "utf-8", "surrogateescape")
        if info.type in (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK):
            if info.size > limits.get("tar-header-bytes"):
                raise limits.LimitExceeded("tar-header-bytes", "the image export", f"an extended header of {info.size:,} bytes")
            data = _read_exactly(stream, info.size)
            if len(data) < info.size or len(_read_exactly(stream, -info.size % tarfile.BLOCKSIZE)) < -info.size % tarfile.BLOCKSIZE:
                raise tarfile.ReadError("the stream ends inside an extended tar header")
            try:
                if info.type == tarfile.XHDTYPE:
                    pax = _pax_records(data)
                elif info.type == tarfile.XGLTYPE:
                    pax_global.update(_pax_records(data))
                elif info.type == tarfile.GNUTYPE_LONGNAME:
                    long_name = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
                else:
                    long_link = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            except ValueError:
                raise tarfile.ReadError("a corrupt PAX header in the stream") from None
            continue
        meta = {**pax_global, **pax}
        size = 0 if info.type in _NO_DATA else int(meta.get("size", info.size))
        member = _OuterMember(meta.get("path") or long_name or info.name, info.type,
                              meta.get("linkpath") or long_link or info.linkname, size, _Bounded(stream, size))
        pax, long_name, long_link = {}, None, None
        members += 1
        if members > limits.get("archive-members"):
            raise limits.LimitExceeded("archive-members", "the image export", f"more than {members - 1:,} members")
        yield member
        rest = member.data.left + (-size % tarfile.BLOCKSIZE)
        while rest > 0:
            chunk = stream.read(min(rest, CHUNK))
            if not chunk:
                if member.data.left:
                    raise tarfile.ReadError(f"the stream ends inside member {member.name!r}")
                return  # only the last member's padding is missing
            rest -= len(chunk)


def _plain(raw: io.BufferedReader[Any], fail: Callable[[str], InputError], where: str,
           inflate: InflateBudget | None = None) -> tuple[str, BinaryIO]:
    """(compression, the layer's plain tar bytes): an uncompressed layer is read as it is, with no extra copy."""
    compression = sniff_compression(raw.peek(8)[:8])
    if compression == "none":
        return compression, raw
    return decompressed(raw, fail, where=where, budget=inflate)


def index_stream(stream: BinaryIO, label: str, keep: KeepPolicy | None = None) -> StreamIndex:
    """Read an image archive stream once: keep its JSON members, scan every tar member as a layer."""
    found = StreamIndex()
    first = True
    entries, inflate = EntryBudget(), InflateBudget()  # the image's, as for an archive
    try:
        for member in _outer(stream):
            first = False
            name = normalize_member(member.name)
            if member.type == tarfile.SYMTYPE:
                found.aliases[name] = normalize_member(posixpath.join(posixpath.dirname(name), member.linkname))
                continue
            if member.type == tarfile.LNKTYPE:
                found.aliases[name] = normalize_member(member.linkname)
                continue
            if member.type not in tarfile.REGULAR_TYPES:
                continue
            found.sizes[name] = member.size
            buffered = io.BufferedReader(member.data, CHUNK)
            head = buffered.peek(_DOC_PEEK)[:_DOC_PEEK]
            if sniff_compression(head) == "none" and not _is_tar_head(head):
                if member.size <= limits.get("json-bytes") and head.lstrip()[:1] in (b"{", b"["):
                    found.docs[name] = buffered.read()
                continue  # VERSION files, oci-layout, ...: nothing the reader needs
            try:
                found.layers[name] = _scan_member(buffered, f"{label}: {member.name}", keep, entries, inflate, found.tree)
            except limits.LimitExceeded:
                raise
            except InputError as exc:  # a member that is no layer, or a broken one: fatal only if the manifest uses it
                found.failed[name] = str(exc)
    except tarfile.HeaderError as exc:
        what = "is not a tar stream" if first else "has a corrupt tar header"
        raise InputError(f"{label}: the image export {what} ({exc})") from None
    except _BROKEN as exc:
        raise InputError(f"{label}: the image export stream is damaged or ended early ({_why(exc)}); try again") from None
    return found


def _scan_member(raw: io.BufferedReader[Any], what: str, keep: KeepPolicy | None, entries: EntryBudget,
                 inflate: InflateBudget, tree: MergedFS) -> _Scanned:
    compression, plain = _plain(raw, lambda problem: InputError(f"{what}: {problem}"), what, inflate)
    tap = _Tap(plain)

    def on_member(member: TarMember) -> None:
        if keep is not None and member.kind == "file" and keep.keep(normalize_member(member.name), member.size):
            tap.want(member.offset_data, member.size)

    changes = scan_layer(tap, -1, what, tree, budget=entries, on_member=on_member)  # type: ignore[arg-type]
    return _Scanned(changes, compression, changes.uncompressed_size, tap.kept, "sha256:" + tap.sha256.hexdigest())


class MemoryStore(Store):
    """The members of a streamed archive that were kept (JSON documents), with every member's name and size."""

    def __init__(self, label: str, found: StreamIndex) -> None:
        self.label = label
        self._found = found

    @property
    def names(self) -> list[str]:
        return [n.lstrip("/") for n in (*self._found.sizes, *self._found.aliases)]

    def _name(self, name: str) -> str:
        return canonical(name, self._found.aliases)

    def has(self, name: str) -> bool:
        return self._name(name) in self._found.sizes

    def open(self, name: str) -> BinaryIO:
        key = self._name(name)
        if key in self._found.docs:
            return io.BytesIO(self._found.docs[key])
        if key in self._found.failed:
            raise InputError(self._found.failed[key])
        raise InputError(f"{self.label}: member '{name}' was streamed past and not kept")

    def size(self, name: str) -> int:
        key = self._name(name)
        if key not in self._found.sizes:
            raise InputError(f"{self.label}: the export has no member '{name}'")
        return self._found.sizes[key]


def assemble(found: StreamIndex, label: str, platform: str | None, check_config: Callable[[str, dict], None],
             layer_infos: Callable[[Resolved], list[LayerInfo]]) -> tuple[Resolved, list[LayerInfo], MergedFS, dict[tuple[int, int], bytes], dict[int, str]]:
    """Order the scanned layers by the archive's manifest and merge them.

    Returns the resolved image, its layers, the merged filesystem, the kept
    bytes by ``(layer index, offset)`` and each layer's member name.
    """
    store = MemoryStore(label, found)
    resolved = resolve_layout(store, platform)
    check_config(label, resolved.config)
    infos = layer_infos(resolved)
    merged = found.tree
    kept: dict[tuple[int, int], bytes] = {}
    members: dict[int, str] = {}
    for info, ref in zip(infos, resolved.layers):
        key = canonical(ref.member, found.aliases)
        scanned = found.layers.get(key)
        if scanned is None:
            why = found.failed.get(key) or f"{label}: layer {info.index} ('{ref.member}') is not a tar stream"
            raise InputError(why)
        if ref.diff_id.startswith("sha256:") and ref.diff_id != scanned.diff_id:
            raise mismatch(f"{label}: layer {info.index} ('{ref.member}')", "its tar", ref.diff_id)
        changes = scanned.changes  # a blob used twice is applied twice, its files located in each layer
        kept.update(((info.index, offset), data) for offset, data in scanned.kept.items())
        members[info.index] = key
        info.compression = scanned.compression
        info.uncompressed_size = scanned.uncompressed_size
        info.entry_count = changes.entry_count
        merged.apply(info.index, changes)
    return resolved, infos, merged, kept, members


class StreamContents:
    """File contents of a streamed image: kept bytes first, else one more pass over a fresh stream.

    ``reopen()`` returns a new stream of the same archive (the daemon exports
    the image again, by its ID). A pass reads only the layers that hold
    missing files and stops after the last of them; what it reads is kept for
    later reads, within the budget.
    """

    def __init__(self, label: str, reopen: Callable[[], BinaryIO], kept: dict[tuple[int, int], bytes],
                 members: dict[int, str], aliases: dict[str, str], budget: int = KEEP_BUDGET_BYTES) -> None:
        self.label = label
        self._reopen = reopen
        self.kept = kept
        self._members = members
        self._aliases = aliases
        self._left = budget
        self.passes = 0

    def read(self, layers: list[LayerInfo], entries: list[FileEntry], max_bytes: int | None) -> list[bytes | None]:
        results: list[bytes | None] = [None] * len(entries)
        missing: dict[int, list[tuple[int, int, int]]] = {}
        for i, entry in enumerate(entries):
            if entry.type not in ("file", "hardlink") or entry.data is None:
                continue
            layer, offset, length = entry.data
            length = length if max_bytes is None else min(length, max_bytes)
            if length <= 0:
                results[i] = b""  # an empty file (or nothing asked for) needs no bytes
                continue
            data = self.kept.get((layer, offset))
            if data is not None and len(data) >= length:
                results[i] = data[:length]
            else:
                missing.setdefault(layer, []).append((offset, length, i))
        if missing:
            self._fetch(layers, missing, results)
        return results

    def _fetch(self, layers: list[LayerInfo], missing: dict[int, list[tuple[int, int, int]]], results: list[bytes | None]) -> None:
        by_member: dict[str, list[int]] = {}
        for index in missing:
            by_member.setdefault(self._members[index], []).append(index)
        self.passes += 1
        stream = self._reopen()
        try:
            for member in _outer(stream):
                key = normalize_member(member.name)
                if member.type not in tarfile.REGULAR_TYPES or key not in by_member:
                    continue
                indexes = by_member.pop(key)
                wanted = sorted({w for index in indexes for w in missing[index]})
                what = f"{self.label}: {member.name}"
                _, plain = _plain(io.BufferedReader(member.data, CHUNK), lambda problem: InputError(f"{what}: {problem}"), what)  # noqa: B023 - read below, in this iteration
                self._read_ranges(plain, wanted, indexes, what, results)
                if not by_member:
                    break  # every layer needed has passed: drop the rest of the stream
        except tarfile.HeaderError as exc:
            raise InputError(f"{self.label}: the image export has a corrupt tar header ({exc}); try again") from None
        except _BROKEN as exc:
            raise InputError(f"{self.label}: the image export stream is damaged or ended early ({_why(exc)}); try again") from None
        finally:
            stream.close()
        if by_member:
            raise InputError(f"{self.label}: the image changed while it was read (layer {', '.join(sorted(by_member))} is gone from a new export); check it again")

    def _read_ranges(self, plain: BinaryIO, wanted: Iterable[tuple[int, int, int]], layers: list[int], what: str, results: list[bytes | None]) -> None:
        position, last = 0, (-1, b"")
        for offset, length, i in wanted:
            if offset == last[0] and len(last[1]) >= length:
                results[i] = last[1][:length]
                continue
            _skip(plain, offset - position, what)
            data = _read_exact(plain, length, what)
            position = offset + length
            results[i], last = data, (offset, data)
            if len(data) <= self._left:
                self._left -= len(data)
                self.kept.update(((layer, offset), data) for layer in layers)


def _skip(stream: BinaryIO, count: int, what: str) -> None:
    while count > 0:
        chunk = stream.read(min(count, CHUNK))
        if not chunk:
            raise InputError(f"{what}: the layer ended early while seeking a file; the image changed while it was read")
        count -= len(chunk)


def _read_exact(stream: BinaryIO, length: int, what: str) -> bytes:
    parts, remaining = [], length
    while remaining > 0:
        chunk = stream.read(min(remaining, CHUNK))
        if not chunk:
            raise InputError(f"{what}: the layer ended early while reading a file; the image changed while it was read")
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)
