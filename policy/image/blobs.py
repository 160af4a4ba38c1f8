"""Byte access to an image archive: its parts (a tar read with random access, or
an OCI layout folder) and its layers' tar streams, decompressed by magic bytes.

Nothing is ever extracted to disk: a part is a seekable file object, a layer
is streamed through the decompressor its first bytes call for.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import re
import tarfile
from typing import Any, BinaryIO, Callable, Iterator

from imagepolicy.model import InputError

CHUNK = 1 << 20
_ZSTD_FEED = 1 << 13  # small input chunks bound the output of one zstd call
_GZIP_FEED = 1 << 16
MAX_JSON_BYTES = 64 << 20

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_DIGEST_RE = re.compile(r"^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")


def sniff_compression(head: bytes) -> str:
    """Name the compression of a stream from its first bytes: gzip, zstd, bzip2, xz or none."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return "none"


def blob_path(digest: str, where: str) -> str:
    """The layout path of a blob (``blobs/sha256/<hex>``); InputError for a malformed digest."""
    match = _DIGEST_RE.match(digest or "")
    if not match:
        raise InputError(f"{where}: {digest!r} is not a digest (expected ALGORITHM:HEX, like sha256:…)")
    return f"blobs/{match.group(1)}/{match.group(2)}"


def normalize_member(name: str) -> str:
    """A tar member or relative path as an absolute, normalised path (``./a/../b/`` -> ``/b``)."""
    path = posixpath.normpath("/" + name.lstrip("/"))
    return "/" if path in ("/", "//") else path


class Store:
    """The parts of an image archive, addressed by relative path (``manifest.json``)."""

    label: str

    def has(self, name: str) -> bool:
        raise NotImplementedError

    def open(self, name: str) -> BinaryIO:
        """A seekable binary file object over the part; InputError when it is missing."""
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_json(self, name: str, what: str) -> Any:
        """Parse the part ``name`` as JSON; InputError naming the archive and part on failure."""
        if self.size(name) > MAX_JSON_BYTES:
            raise InputError(f"{self.label}: {what} '{name}' is larger than {MAX_JSON_BYTES >> 20} MB")
        with self.open(name) as fh:
            raw = fh.read()
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.label}: {what} '{name}' is not valid JSON ({exc}); the archive is damaged") from None


class DirStore(Store):
    """An OCI image-layout folder."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.label = root

    def _path(self, name: str) -> str:
        rel = normalize_member(name).lstrip("/")
        return os.path.join(self.root, rel)

    def has(self, name: str) -> bool:
        return os.path.isfile(self._path(name))

    def open(self, name: str) -> BinaryIO:
        try:
            return open(self._path(name), "rb")
        except OSError as exc:
            raise InputError(f"{self.label}: cannot read '{name}': {exc.strerror}") from None

    def size(self, name: str) -> int:
        try:
            return os.path.getsize(self._path(name))
        except OSError as exc:
            raise InputError(f"{self.label}: cannot read '{name}': {exc.strerror}") from None


_FILE_KINDS = (
    (b"PK\x03\x04", "it is a zip file"),
    (b"PK\x05\x06", "it is an empty zip file"),
    (b"\x7fELF", "it is an executable (ELF) file"),
    (b"7z\xbc\xaf\x27\x1c", "it is a 7-Zip file"),
    (b"Rar!", "it is a RAR file"),
)


def _describe_non_tar(path: str) -> str:
    """Say in a few words what the file that tarfile refused looks like (for one readable error line)."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    for magic, kind in _FILE_KINDS:
        if head.startswith(magic):
            return kind
    compression = sniff_compression(head)
    if compression != "none":
        return f"it is a {compression}-compressed file that does not hold a tar archive"
    if head.lstrip()[:1] in (b"{", b"["):
        return "it looks like a JSON file"
    return "it has no tar header"


class TarStore(Store):
    """A tar archive (docker-archive, oci-archive) read with random access.

    Member paths are looked up normalised; symlinked members and folders (as
    skopeo writes for legacy ``<id>/layer.tar``) and hardlinks are followed.
    """

    def __init__(self, path: str) -> None:
        self.label = path
        try:
            self._tar = tarfile.open(path, "r:*")
            members = self._tar.getmembers()
        except (tarfile.TarError, OSError, EOFError) as exc:
            if "unexpected end of data" in str(exc) or isinstance(exc, EOFError):
                raise InputError(f"{path}: truncated archive ({exc}); save or copy the image again") from None
            raise InputError(f"{path}: not a readable tar archive ({_describe_non_tar(path)}); "
                             "expected a docker-archive or oci-archive (docker save / skopeo copy output)") from None
        self._members = {normalize_member(m.name): m for m in members}
        self._check_complete(path, members)

    def _check_complete(self, path: str, members: list[tarfile.TarInfo]) -> None:
        if not isinstance(self._tar.fileobj, io.BufferedReader):
            return  # compressed outer archive: its decompressor reports truncation on read
        total = os.path.getsize(path)
        for m in members:
            if m.isreg() and m.offset_data + m.size > total:
                raise InputError(
                    f"{path}: truncated archive: member '{m.name}' needs {m.size} bytes at offset "
                    f"{m.offset_data} but the file has {total} bytes; save the image again"
                )

    @property
    def names(self) -> list[str]:
        return [n.lstrip("/") for n in self._members]

    def _lookup(self, name: str) -> tarfile.TarInfo | None:
        path, hops = normalize_member(name), 0
        while True:
            member = self._find(path)
            if member is None or member.isreg():
                return member
            hops += 1
            if hops > 40:
                return None
            if member.issym():
                path = normalize_member(posixpath.join(posixpath.dirname(normalize_member(member.name)), member.linkname))
            elif member.islnk():
                path = normalize_member(member.linkname)
            else:
                return None

    def _find(self, path: str) -> tarfile.TarInfo | None:
        """The member at ``path``, following symlinked parent folders."""
        member = self._members.get(path)
        if member is not None:
            return member
        parts = path.strip("/").split("/")
        for i in range(1, len(parts)):
            parent = "/" + "/".join(parts[:i])
            link = self._members.get(parent)
            if link is not None and link.issym():
                target = normalize_member(posixpath.join(posixpath.dirname(parent), link.linkname))
                rest = "/".join(parts[i:])
                return self._members.get(normalize_member(target + "/" + rest)) if target != path else None
        return None

    def has(self, name: str) -> bool:
        return self._lookup(name) is not None

    def open(self, name: str) -> BinaryIO:
        member = self._lookup(name)
        if member is None:
            raise InputError(f"{self.label}: the archive has no member '{name}'")
        fh = self._tar.extractfile(member)
        assert fh is not None
        return fh  # type: ignore[return-value]

    def size(self, name: str) -> int:
        member = self._lookup(name)
        if member is None:
            raise InputError(f"{self.label}: the archive has no member '{name}'")
        return member.size

    def close(self) -> None:
        self._tar.close()


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while self._pos >= len(self._buf):
            self._buf = next(self._chunks, b"")
            self._pos = 0
            if not self._buf:
                return 0
        n = min(len(target), len(self._buf) - self._pos)
        target[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n


def _zstd_chunks(raw: BinaryIO, fail: Callable[[str], InputError]) -> Iterator[bytes]:
    import zstandard

    dctx = zstandard.ZstdDecompressor()
    dobj, in_frame = dctx.decompressobj(), False
    while True:
        data = raw.read(_ZSTD_FEED)
        if not data:
            if in_frame:
                raise fail("the zstd stream ends before its end-of-frame marker")
            return
        while data:
            if not in_frame:
                if not data.strip(b"\0"):
                    break  # zero padding between or after frames
                dobj, in_frame = dctx.decompressobj(), True
            try:
                out = dobj.decompress(data)
            except zstandard.ZstdError as exc:
                raise fail(f"zstd data is corrupt ({exc})") from None
            if out:
                yield out
            if dobj.eof:
                data, in_frame = dobj.unused_data, False
            else:
                data = b""


class GzipIndex:
    """Resume points in a gzip layer, recorded while it is first streamed.

    Each point is (plain offset, compressed offset, a copy of the zlib
    decompressor there): reading a file later restarts from the nearest point
    before it instead of decompressing the layer from its start. Points are
    ``spacing`` plain bytes apart; past ``limit`` points every other one is
    dropped and the spacing doubled, so memory stays bounded (about 40 KB a point).
    """

    def __init__(self, spacing: int = 4 << 20, limit: int = 256) -> None:
        self.spacing = spacing
        self.limit = limit
        self.points: list[tuple[int, int, Any]] = []

    def add(self, plain: int, compressed: int, decompressor: Any) -> None:
        if self.points and plain - self.points[-1][0] < self.spacing:
            return
        self.points.append((plain, compressed, decompressor.copy()))
        if len(self.points) > self.limit:
            self.points = self.points[1::2]
            self.spacing *= 2

    def before(self, offset: int) -> tuple[int, int, Any] | None:
        """The last point at or before plain ``offset``, or None (start from the beginning)."""
        import bisect

        i = bisect.bisect_right(self.points, offset, key=lambda p: p[0])
        return self.points[i - 1] if i else None


def _gzip_chunks(raw: BinaryIO, fail: Callable[[str], InputError], index: GzipIndex | None = None,
                 start: tuple[int, int, Any] | None = None) -> Iterator[bytes]:
    """Plain bytes of a (multi-member) gzip stream read from ``raw``'s start, or from resume point ``start``.

    zlib checks each member's CRC and length; trailing zero padding is allowed.
    Records resume points into ``index`` when given.
    """
    import zlib

    plain, consumed = (start[0], start[1]) if start else (0, 0)
    raw.seek(consumed)
    dobj = start[2].copy() if start else zlib.decompressobj(31)
    while True:
        data = raw.read(_GZIP_FEED)
        if not data:
            if dobj is not None:
                raise fail("the gzip stream ends early")
            return
        consumed += len(data)
        while data:
            if dobj is None:
                if not data.strip(b"\0"):
                    break  # zero padding after the last member
                dobj = zlib.decompressobj(31)
            try:
                out = dobj.decompress(data, CHUNK)
            except zlib.error as exc:
                raise fail(f"gzip data is corrupt ({exc})") from None
            if out:
                plain += len(out)
                yield out
            if dobj.eof:
                data, dobj = dobj.unused_data, None
            else:
                data = dobj.unconsumed_tail
                if index is not None:
                    index.add(plain, consumed - len(data), dobj)


def gzip_stream_from(raw: BinaryIO, index: GzipIndex, offset: int, fail: Callable[[str], InputError]) -> tuple[int, io.BufferedReader]:
    """A stream of a gzip layer's plain bytes starting at the resume point before ``offset``; (its offset, stream)."""
    point = index.before(offset)
    chunks = _gzip_chunks(raw, fail, start=point)
    return (point[0] if point else 0), io.BufferedReader(_ChunkReader(chunks), CHUNK)


def _stdlib_chunks(raw: BinaryIO, compression: str, fail: Callable[[str], InputError]) -> Iterator[bytes]:
    import bz2
    import gzip
    import lzma
    import zlib

    opener: Any = {"gzip": gzip.GzipFile, "bzip2": bz2.BZ2File, "xz": lzma.LZMAFile}[compression]
    with opener(fileobj=raw) if compression == "gzip" else opener(raw) as fh:
        while True:
            try:
                chunk = fh.read(CHUNK)
            except EOFError:
                raise fail(f"the {compression} stream ends early") from None
            except (OSError, zlib.error, lzma.LZMAError) as exc:
                raise fail(f"{compression} data is corrupt ({exc})") from None
            if not chunk:
                return
            yield chunk


def decompressed(raw: BinaryIO, fail: Callable[[str], InputError], index: GzipIndex | None = None) -> tuple[str, io.BufferedReader]:
    """Sniff ``raw``'s compression and return (compression, a stream of its plain bytes).

    ``fail(problem)`` builds the InputError raised when the compressed data is
    truncated or corrupt (the caller knows which archive and layer it is).
    ``raw`` must be seekable; a gzip stream records resume points into ``index``.
    """
    head = raw.read(8)
    compression = sniff_compression(head)
    source = _Prefixed(head, raw)
    if compression == "gzip":
        chunks: Iterator[bytes] = _gzip_chunks(raw, fail, index)
    elif compression == "none":
        chunks = iter(lambda: source.read(CHUNK), b"")
    elif compression == "zstd":
        chunks = _zstd_chunks(source, fail)  # type: ignore[arg-type]
    else:
        chunks = _stdlib_chunks(source, compression, fail)  # type: ignore[arg-type]
    return compression, io.BufferedReader(_ChunkReader(chunks), CHUNK)


class _Prefixed(io.RawIOBase):
    """``head`` (already read) followed by the rest of ``raw``."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = head
        self._raw = raw

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._raw.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            if len(data) < size:
                data += self._raw.read(size - len(data))
            return data
        return self._raw.read(size)

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)


def open_store(path: str) -> Store:
    """A Store for an OCI layout folder or an archive tar; InputError when neither."""
    if os.path.isdir(path):
        return DirStore(path)
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or folder; expected an image archive (docker save / skopeo copy output) or an OCI layout folder")
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head:
        raise InputError(f"{path}: the file is empty; expected an image archive")
    if sniff_compression(head) == "zstd":
        raise InputError(f"{path}: a zstd-compressed archive cannot be read with random access; decompress it first (zstd -d)")
    return TarStore(path)
