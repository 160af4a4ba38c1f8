"""Byte access to an image archive: its parts (a tar read with random access, or
an OCI layout folder) and its layers' tar streams, decompressed by magic bytes.

Nothing is ever extracted to disk: a part is a seekable file object, a layer
is streamed through the decompressor its first bytes call for.

The archive is hostile until proven otherwise (a pull request may have built
it, or replaced it): only regular files are opened (never a FIFO, device or
socket, which could block or never end), an OCI layout's links are never
followed out of the layout and never under ``blobs/``, every JSON document is
size-limited and checked against its digest when one names it, and every
layer's bytes are checked against its digest and diff_id in the one pass that
reads it (:class:`LayerDigests`). Inflation is bounded by ``inflate-ratio``
(:class:`InflateBudget`), so a compression bomb stops early.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import re
import stat
from typing import Any, BinaryIO, Callable, Iterator

from imagepolicy import limits
from imagepolicy.model import InputError

from .digests import HashPool, LayerDigests, start_thread, verify_bytes, well_formed
from .tarstream import TarError, TarMember, iter_members

CHUNK = 1 << 20
_ZSTD_FEED = 1 << 11  # small input chunks bound the output of one zstd call (an RLE block: 4 bytes -> 128 KiB)
_GZIP_FEED = 1 << 16
INFLATE_FLOOR = 256 << 20
"""Bytes an image may inflate before ``inflate-ratio`` applies (small bombs cost little)."""
MAX_JSON_BYTES = limits.LIMITS["json-bytes"].default
"""The default size limit of one JSON document (the limit in force is ``limits.get("json-bytes")``)."""

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_DIGEST_RE = re.compile(r"^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")
_NAMED_BY_DIGEST = re.compile(r"^(?:blobs/(?P<alg>[a-z0-9]+)/(?P<hex>[a-f0-9]+)|(?P<config>[a-f0-9]{64})\.json|sha256:(?P<ggcr>[a-f0-9]{64}))$")


def sniff_compression(head: bytes) -> str:
    """Name the compression of a stream from its first bytes: gzip, zstd, bzip2, xz or none."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return "none"


def blob_path(digest: str, where: str) -> str:
    """The layout path of a blob (``blobs/sha256/<hex>``); InputError for a malformed digest."""
    match = _DIGEST_RE.match(digest or "")
    if not match or not well_formed(match.group(1), match.group(2)):
        raise InputError(f"{where}: {digest!r} is not a digest (expected ALGORITHM:HEX, like sha256:…)")
    return f"blobs/{match.group(1)}/{match.group(2)}"


def digest_of_name(name: str) -> str | None:
    """The digest a part's name states: ``blobs/ALG/HEX``, a docker-archive config ``HEX.json``, a ``sha256:HEX`` file."""
    match = _NAMED_BY_DIGEST.match(normalize_member(name).lstrip("/"))
    if not match:
        return None
    if match.group("alg"):
        return f"{match.group('alg')}:{match.group('hex')}"
    return "sha256:" + (match.group("config") or match.group("ggcr"))


def normalize_member(name: str) -> str:
    """A tar member or relative path as an absolute, normalised path (``./a/../b/`` -> ``/b``)."""
    if name and name[0] not in "./" and name[-1] != "/" and "//" not in name and "/." not in name:
        return "/" + name  # already normal: the common case, without normpath
    path = posixpath.normpath("/" + name.lstrip("/"))
    return "/" if path in ("/", "//") else path


_KIND_NAMES = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISLNK, "a symbolic link"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KIND_NAMES if test(mode)), "not a regular file")


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

    def read_json(self, name: str, what: str, digest: str | None = None, size: int | None = None) -> Any:
        """Parse the part ``name`` as JSON; InputError naming the archive and part on failure.

        The part must be at most ``json-bytes`` long (and all JSON read from
        this store at most ``image-json-bytes``), ``size`` bytes when a
        descriptor says so, and hash to ``digest`` (or to the digest its name
        states, ``blobs/sha256/HEX``).
        """
        where = f"{self.label}: {what} '{name}'"
        actual = self.size(name)
        if size is not None and actual != size:
            raise InputError(f"{where} is {actual:,} bytes but its descriptor says {size:,}; the image is damaged")
        limit = limits.get("json-bytes")
        if actual > limit:
            raise limits.LimitExceeded("json-bytes", where, f"{actual:,} bytes")
        total = getattr(self, "_json_read", 0) + actual
        if total > limits.get("image-json-bytes"):
            raise limits.LimitExceeded("image-json-bytes", where, f"{total:,} bytes read so far")
        self._json_read = total
        with self.open(name) as fh:
            raw = fh.read(limit + 1)
        if len(raw) > limit:
            raise limits.LimitExceeded("json-bytes", where, "it grew while read")
        digest = digest or digest_of_name(name)
        if digest:
            verify_bytes(raw, digest, where)
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{where} is not valid JSON ({str(exc)[:120]}); the image is damaged") from None
        except RecursionError:
            raise InputError(f"{where} nests JSON arrays or objects too deeply to read; the image is damaged or hostile") from None


_NOFOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_MAX_LINK_HOPS = 40


class DirStore(Store):
    """An OCI image-layout (or extracted docker-archive) folder.

    Links are resolved here, never by the kernel: a relative link that stays
    inside the folder is followed (``docker save`` writes ``<id>/layer.tar``
    links to a layer saved before), a link under ``blobs/`` or one that
    leaves the folder is an error; a part is opened by the path so resolved,
    whose folders are checked to be folders, with ``O_NOFOLLOW``. Only
    regular files are opened.
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.label = root

    def _locate(self, name: str) -> tuple[str, os.stat_result] | None:
        """The folder-relative path ``name`` leads to and its lstat, or None when nothing is there."""
        pending = [p for p in reversed(normalize_member(name).strip("/").split("/")) if p]
        resolved: list[str] = []
        hops = 0
        while pending:
            part = pending.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:
                    raise InputError(f"{self.label}: '{name}' leads out of the layout through a link; imagepolicy reads nothing outside it")
                resolved.pop()
                continue
            path = "/".join([*resolved, part])
            try:
                st = os.lstat(os.path.join(self.root, path))
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise InputError(f"{self.label}: cannot read '{name}': {exc.strerror}") from None
            if stat.S_ISLNK(st.st_mode):
                if resolved[:1] == ["blobs"] or (not resolved and part == "blobs"):
                    raise InputError(f"{self.label}: '{path}' is a symbolic link; an OCI layout's blobs must be regular files inside it, "
                                     "and imagepolicy follows no link there")
                target = os.readlink(os.path.join(self.root, path))
                hops += 1
                if target.startswith("/") or hops > _MAX_LINK_HOPS:
                    raise InputError(f"{self.label}: '{path}' is a link to {'an absolute path' if target.startswith('/') else 'a link loop'}; "
                                     "imagepolicy reads nothing outside the layout")
                pending.extend(p for p in reversed(target.split("/")) if p)
                continue
            if pending and not stat.S_ISDIR(st.st_mode):
                return None
            resolved.append(part)
            if not pending:
                return path, st
        return None

    def _regular(self, name: str) -> tuple[str, os.stat_result]:
        found = self._locate(name)
        if found is None:
            raise InputError(f"{self.label}: the layout has no file '{name}'")
        path, st = found
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{self.label}: '{path}' is {_kind(st.st_mode)}, not a regular file; an image layout holds regular files only")
        return path, st

    def has(self, name: str) -> bool:
        found = self._locate(name)
        return found is not None and not stat.S_ISDIR(found[1].st_mode)

    def open(self, name: str) -> BinaryIO:
        path, _ = self._regular(name)
        try:  # every folder on the way was checked to be one (no link); the file itself must be no link either
            fd = os.open(os.path.join(self.root, path), _NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        except OSError as exc:
            raise InputError(f"{self.label}: cannot read '{name}': {exc.strerror} (the layout changed while it was read?)") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise InputError(f"{self.label}: '{path}' is not a regular file; an image layout holds regular files only")
        return os.fdopen(fd, "rb")

    def size(self, name: str) -> int:
        return self._regular(name)[1].st_size


_FILE_KINDS = (
    (b"PK\x03\x04", "it is a zip file"),
    (b"PK\x05\x06", "it is an empty zip file"),
    (b"\x7fELF", "it is an executable (ELF) file"),
    (b"7z\xbc\xaf\x27\x1c", "it is a 7-Zip file"),
    (b"Rar!", "it is a RAR file"),
)


def _describe_non_tar(head: bytes, compression: str) -> str:
    """Say in a few words what a file that holds no tar looks like (for one readable error line)."""
    for magic, kind in _FILE_KINDS:
        if head.startswith(magic):
            return kind
    if compression != "none":
        return f"it is a {compression}-compressed file that does not hold a tar archive"
    if head.lstrip()[:1] in (b"{", b"["):
        return "it looks like a JSON file"
    return "it has no tar header"


def _read_size(size: int | None, left: int) -> int:
    """How much a ``read(size)`` returns with ``left`` bytes to go: all of them for None or a negative size."""
    return left if size is None or size < 0 or size > left else size


class SizedReader(io.RawIOBase):
    """A read-only raw file of ``_size`` bytes that seeks anywhere by moving ``_pos``; subclasses read."""

    _size = 0
    _pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + pos)
        return self._pos


class _Region(SizedReader):
    """A seekable, read-only window ``[offset, offset + size)`` of a random-access source
    (``fd`` is set when the source is a plain file: the window is those bytes of it)."""

    def __init__(self, read_at: Callable[[int, int], bytes], offset: int, size: int, fd: int | None = None) -> None:
        self._read_at = read_at
        self._offset = offset
        self._size = size
        self._pos = 0
        self.fd = fd

    def read(self, size: int = -1) -> bytes:
        left = self._size - self._pos
        size = _read_size(size, left)
        if size <= 0:
            return b""
        data = self._read_at(size, self._offset + self._pos)
        self._pos += len(data)
        return data

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)


class _GzipRandom:
    """Random access to the plain bytes of a gzip file: resume points recorded as it is first inflated
    (:class:`GzipIndex`) make a backward seek cost at most one spacing of inflation, and
    ``inflate-ratio`` bounds what it inflates."""

    def __init__(self, raw: BinaryIO, label: str) -> None:
        self._raw = raw
        self._label = label
        self._index = GzipIndex()
        self._chunks: Iterator[bytes] | None = None
        self._pos = 0  # plain offset of self._buf
        self._buf = b""
        self._high = 0  # furthest plain offset inflated so far
        self._ratio = limits.get("inflate-ratio")

    def _fail(self, problem: str) -> InputError:
        return InputError(f"{self._label}: {problem}; the archive is damaged or incomplete, save or copy the image again")

    def _restart(self, offset: int) -> None:
        point = self._index.before(offset)
        self._chunks = _gzip_chunks(self._raw, self._fail, self._index, start=point or (0, 0, None))
        self._pos, self._buf = (point[0] if point else 0), b""

    def _next(self) -> bool:
        assert self._chunks is not None
        self._pos += len(self._buf)
        self._buf = next(self._chunks, b"")
        end = self._pos + len(self._buf)
        if end > self._high:
            self._high = end
            if end > INFLATE_FLOOR and end > self._ratio * self._raw.tell() + INFLATE_FLOOR:
                raise limits.LimitExceeded("inflate-ratio", self._label, f"{end:,} bytes inflated from {self._raw.tell():,}")
        return bool(self._buf)

    def read_at(self, size: int, offset: int) -> bytes:
        if self._chunks is None or offset < self._pos:
            self._restart(offset)
        while offset >= self._pos + len(self._buf):
            if not self._next():
                return b""
        parts, want = [], size
        start = offset - self._pos
        while want > 0:
            piece = self._buf[start : start + want]
            parts.append(piece)
            want -= len(piece)
            if want and not self._next():
                break
            start = 0
        return b"".join(parts)


class _Stdlib:
    """Random access to a bzip2 or xz file's plain bytes through the standard library (rewinds to seek back)."""

    def __init__(self, raw: BinaryIO, compression: str, label: str) -> None:
        import bz2
        import lzma

        self._raw = raw
        self._label = label
        self._file = (bz2.BZ2File if compression == "bzip2" else lzma.LZMAFile)(raw)
        self._compression = compression
        self._ratio = limits.get("inflate-ratio")

    def read_at(self, size: int, offset: int) -> bytes:
        import lzma

        try:
            self._file.seek(offset)
            data = self._file.read(size)
        except (EOFError, OSError, lzma.LZMAError) as exc:
            raise InputError(f"{self._label}: the {self._compression} data is damaged ({exc})") from None
        end = offset + len(data)
        if end > INFLATE_FLOOR and end > self._ratio * self._raw.tell() + INFLATE_FLOOR:
            raise limits.LimitExceeded("inflate-ratio", self._label, f"{end:,} bytes inflated from {self._raw.tell():,}")
        return data


class _Sequential:
    """A forward reader over a random-access source, for the tar index pass; ``skip`` passes over data."""

    def __init__(self, read_at: Callable[[int, int], bytes], size: int | None) -> None:
        self._read_at = read_at
        self._size = size
        self.position = 0

    def read(self, size: int) -> bytes:
        data = self._read_at(size, self.position)
        self.position += len(data)
        return data

    def skip(self, count: int) -> int:
        if self._size is not None:  # a plain file: no need to read what is skipped
            count = max(0, min(count, self._size - self.position))
            self.position += count
            return count
        skipped = 0
        while skipped < count:
            data = self._read_at(min(count - skipped, CHUNK), self.position)
            if not data:
                break
            skipped += len(data)
            self.position += len(data)
        return skipped


class TarStore(Store):
    """A tar archive (docker-archive, oci-archive), plain or gzip/bzip2/xz-compressed, read with random access.

    Its members are indexed once by :func:`iter_members` (data skipped, not
    read; at most ``archive-members``); member paths are looked up normalised;
    symlinked members and folders (as skopeo writes for legacy
    ``<id>/layer.tar``) and hardlinks are followed, inside the archive only.
    """

    def __init__(self, path: str, fh: BinaryIO | None = None) -> None:
        self.label = path
        self._fh = fh if fh is not None else _open_regular(path)
        try:
            self._index(path)
        except BaseException:
            self._fh.close()
            raise

    def _index(self, path: str) -> None:
        fd = self._fh.fileno()
        head = os.pread(fd, 512, 0)
        compression = sniff_compression(head)
        size: int | None = None
        self._plain_fd: int | None = None
        if compression == "none":
            size = os.fstat(fd).st_size
            self._plain_fd = fd
            self._read_at: Callable[[int, int], bytes] = lambda n, offset: os.pread(fd, n, offset)
        elif compression == "gzip":
            self._read_at = _GzipRandom(self._fh, path).read_at
        elif compression == "zstd":
            raise InputError(f"{path}: a zstd-compressed archive cannot be read with random access; decompress it first (zstd -d)")
        else:
            self._read_at = _Stdlib(self._fh, compression, path).read_at
        self._members: dict[str, TarMember] = {}
        seq = _Sequential(self._read_at, size)
        seen = 0

        def count(member: TarMember, at: int) -> None:
            nonlocal seen
            seen += 1
            if seen > limits.get("archive-members"):
                raise limits.LimitExceeded("archive-members", f"{path}: member at byte {at}", f"more than {seen - 1:,} members")

        try:
            for member in iter_members(seq, where=f"{path}: ", skip=seq.skip, count=count):  # type: ignore[arg-type]
                self._members[normalize_member(member.name)] = member
        except TarError as exc:
            if exc.not_tar:
                raise InputError(f"{path}: not a readable tar archive ({_describe_non_tar(head, compression)}); "
                                 "expected a docker-archive or oci-archive (docker save / skopeo copy output)") from None
            if str(exc).startswith("truncated"):
                raise InputError(f"{path}: truncated archive ({exc}); save or copy the image again") from None
            raise InputError(f"{path}: damaged archive ({exc}); save or copy the image again") from None

    @property
    def names(self) -> list[str]:
        return [n.lstrip("/") for n in self._members]

    def _lookup(self, name: str) -> TarMember | None:
        path, hops = normalize_member(name), 0
        while True:
            member = self._find(path)
            if member is None or member.kind == "file":
                return member
            hops += 1
            if hops > _MAX_LINK_HOPS:
                return None
            if member.kind == "symlink":
                path = normalize_member(posixpath.join(posixpath.dirname(normalize_member(member.name)), member.linkname))
            elif member.kind == "hardlink":
                path = normalize_member(member.linkname)
            else:
                return None

    def _find(self, path: str) -> TarMember | None:
        """The member at ``path``, following symlinked parent folders."""
        member = self._members.get(path)
        if member is not None:
            return member
        parts = path.strip("/").split("/")
        for i in range(1, len(parts)):
            parent = "/" + "/".join(parts[:i])
            link = self._members.get(parent)
            if link is not None and link.kind == "symlink":
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
        return io.BufferedReader(_Region(self._read_at, member.offset_data, member.size, self._plain_fd), CHUNK)

    def size(self, name: str) -> int:
        member = self._lookup(name)
        if member is None:
            raise InputError(f"{self.label}: the archive has no member '{name}'")
        return member.size

    def close(self) -> None:
        self._fh.close()


class ChunkStream:
    """A forward stream over an iterator of byte chunks (a layer as it is inflated).

    ``read(n)`` copies only the bytes it returns; :meth:`skip` passes over
    member data by dropping whole chunks, without copying them (the tar parser
    skips nearly every byte of a layer).
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> ChunkStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, size: int | None = -1) -> bytes:
        buf, pos = self._buf, self._pos
        if size is None or size < 0:
            rest = [buf[pos:], *self._chunks]
            self._buf, self._pos = b"", 0
            return b"".join(rest)
        end = pos + size
        if end <= len(buf):
            self._pos = end
            return buf[pos:end]
        parts = [buf[pos:]] if pos < len(buf) else []
        want = end - len(buf)
        while True:
            buf = next(self._chunks, b"")
            if not buf:
                self._buf, self._pos = b"", 0
                break
            if len(buf) >= want:
                parts.append(buf[:want] if len(buf) > want else buf)
                self._buf, self._pos = buf, want
                break
            parts.append(buf)
            want -= len(buf)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def skip(self, size: int) -> int:
        """Pass over ``size`` bytes (fewer at the end of the stream); how many were passed."""
        left = len(self._buf) - self._pos
        if size <= left:
            self._pos += max(size, 0)
            return max(size, 0)
        want = size - left
        while True:
            buf = next(self._chunks, b"")
            if not buf:
                self._buf, self._pos = b"", 0
                return size - want
            if len(buf) >= want:
                self._buf, self._pos = buf, want
                return size
            want -= len(buf)


def _zstd_chunks(raw: BinaryIO, fail: Callable[[str], InputError]) -> Iterator[bytes]:
    import zstandard

    dctx = zstandard.ZstdDecompressor(max_window_size=1 << 27)  # zstd's own default cap: 128 MiB of window memory
    dobj, in_frame = dctx.decompressobj(), False
    while True:
        data = raw.read(_ZSTD_FEED)
        if not data:
            if in_frame:
                raise fail("the zstd stream ends before its end-of-frame marker")
            return
        while data:
            if not in_frame:
                if data[0] == 0:
                    return  # zero padding after the last frame: the compressed data ends here
                dobj, in_frame = dctx.decompressobj(), True
            try:
                out = dobj.decompress(data)
            except zstandard.ZstdError as exc:
                if "too much memory" in str(exc):
                    raise fail("the zstd frame needs a window over 128 MiB (zstd --long); imagepolicy, like zstd itself by default, "
                               "does not allocate that much: recompress the layer without --long") from None
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


def inflater() -> Any:
    """The zlib module gzip layers are inflated with: zlib-ng's when it is installed (PyPI ``zlib-ng``, a
    maintained drop-in whose inflate takes about half the time: 0.75 s instead of 1.3-1.6 s of CPU for the
    benchmark image's 496 MB), else Python's own. Both give decompressor objects that ``copy()``, which the
    resume points need (python-isal's, slightly faster still, cannot)."""
    try:
        from zlib_ng import zlib_ng

        return zlib_ng
    except ImportError:  # pragma: no cover - a platform without zlib-ng wheels
        import zlib

        return zlib


def _gzip_chunks(raw: BinaryIO, fail: Callable[[str], InputError], index: GzipIndex | None = None,
                 start: tuple[int, int, Any] | None = None) -> Iterator[bytes]:
    """Plain bytes of a (multi-member) gzip stream read from ``raw``'s current position, or from resume point ``start``.

    zlib checks each member's CRC and length. A zero byte where a member
    would start ends the data (zero padding after the last member is never
    read through). Records resume points into ``index`` when given.
    """
    zlib = inflater()
    plain, consumed = (start[0], start[1]) if start else (0, 0)
    if start:
        raw.seek(consumed)
    dobj = start[2].copy() if start and start[2] is not None else zlib.decompressobj(31)
    while True:
        data = raw.read(_GZIP_FEED)
        if not data:
            if dobj is not None:
                raise fail("the gzip stream ends early")
            return
        consumed += len(data)
        while data:
            if dobj is None:
                if data[0] == 0:
                    return  # zero padding after the last member
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


def gzip_stream_from(raw: BinaryIO, index: GzipIndex, offset: int, fail: Callable[[str], InputError]) -> tuple[int, BinaryIO]:
    """A stream of a gzip layer's plain bytes starting at the resume point before ``offset``; (its offset, stream)."""
    point = index.before(offset)
    chunks = _gzip_chunks(raw, fail, start=point or (0, 0, None))
    return (point[0] if point else 0), ChunkStream(chunks)  # type: ignore[return-value]  # read() as a file's


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


class InflateBudget:
    """What an image's compressed layers inflated, against ``inflate-ratio``: each layer and the
    whole image may inflate at most ratio x their compressed bytes, plus :data:`INFLATE_FLOOR`."""

    def __init__(self) -> None:
        self.plain = 0
        self.packed = 0

    def bounded(self, chunks: Iterator[bytes], source: _Source, where: str) -> Iterator[bytes]:
        ratio = limits.get("inflate-ratio")
        plain = 0
        for chunk in chunks:
            plain += len(chunk)
            total = self.plain + plain
            if total > INFLATE_FLOOR:
                packed = source.consumed
                if plain > ratio * packed + INFLATE_FLOOR or total > ratio * (self.packed + packed) + INFLATE_FLOOR:
                    self.plain += plain
                    raise limits.LimitExceeded("inflate-ratio", where, f"{plain:,} bytes inflated from {packed:,} compressed bytes")
            yield chunk
        self.plain += plain
        self.packed += source.consumed


_WINDOW_MIN, _WINDOW_MAX = 8 << 10, 64 << 10


class FileLayer:
    """An uncompressed layer that is ``size`` bytes of the file ``fd`` at ``offset``, as the tar parser reads it.

    Headers come from windowed ``pread`` calls; :meth:`skip` passes over member data without reading it:
    the data is hashed from the file on worker threads (:class:`imagepolicy.image.digests.HashPool`), not
    copied through Python. A window grows (to :data:`_WINDOW_MAX`) while the parser reads on past its end,
    through small members, and shrinks (to :data:`_WINDOW_MIN`) when it skipped past it: copying bytes
    that are then skipped costs more than the calls saved (8 KiB windows read the benchmark image's
    16,600 headers in 10 % less time than 64 KiB ones).
    """

    def __init__(self, fd: int, offset: int, size: int) -> None:
        self._fd, self._start, self._size = fd, offset, size
        self._pos = 0
        self._buf = b""
        self._buf_at = 0  # layer offset of self._buf
        self._window = _WINDOW_MIN

    def read(self, size: int = -1) -> bytes:
        left = self._size - self._pos
        size = _read_size(size, left)
        if size <= 0:
            return b""
        start = self._pos - self._buf_at
        if start < 0 or start + size > len(self._buf):
            window = self._window = min(self._window * 2, _WINDOW_MAX) if 0 <= start <= len(self._buf) else _WINDOW_MIN
            self._buf = os.pread(self._fd, min(max(size, window), left), self._start + self._pos)
            self._buf_at, start = self._pos, 0
        data = self._buf[start : start + size]
        self._pos += len(data)
        return data

    def skip(self, size: int) -> int:
        """Pass over ``size`` bytes (fewer at the end of the layer); how many were passed."""
        size = max(0, min(size, self._size - self._pos))
        self._pos += size
        return size


def _file_region(raw: BinaryIO) -> tuple[int, int, int] | None:
    """(fd, offset, size) when ``raw``, not read yet, is a region of a plain file: a member of an uncompressed
    archive (:class:`TarStore`), a file of a layout folder; None for anything else (a compressed archive, a registry)."""
    inner = getattr(raw, "raw", None)
    if isinstance(inner, _Region) and inner.fd is not None:
        at = raw.tell()
        return inner.fd, inner._offset + at, inner._size - at
    if isinstance(inner, io.FileIO):
        fd, at = inner.fileno(), raw.tell()
        return fd, at, max(0, os.fstat(fd).st_size - at)
    return None


def hash_ahead(store: Store, layers: list[tuple[str, str | None, str | None]], pool: HashPool) -> None:
    """Start hashing the image's layer blobs that are regions of a file, largest first, before the first is
    parsed: ``layers`` are (member, blob digest, diff_id). The parser then never waits for a big layer's hash
    that started late. An uncompressed blob is its plain tar too (both digests); a compressed one is checked
    against its blob digest here and its plain tar as it inflates. A missing blob is left for its turn."""
    if not isinstance(store, (TarStore, DirStore)):
        return  # a registry's or a daemon's blobs are streams: hashed as they are read
    sized = []
    for member, blob, diff_id in dict.fromkeys(layers):
        try:
            sized.append((store.size(member), member, blob, diff_id))
        except (InputError, OSError):
            continue  # reported in its turn
    for _, member, blob, diff_id in sorted(sized, key=lambda s: -s[0]):
        try:
            with store.open(member) as raw:
                region = _file_region(raw)
                if region is None:
                    continue
                if sniff_compression(os.pread(region[0], 8, region[1])) == "none":
                    pool.hash_ahead(*region, blob, diff_id)
                elif blob:
                    pool.hash_ahead(*region, blob, None)  # compressed: its blob digest only
        except (InputError, OSError):
            continue


def _fed(chunks: Iterator[bytes], feed: Callable[[bytes], None]) -> Iterator[bytes]:
    for chunk in chunks:
        feed(chunk)
        yield chunk


def decompressed(raw: BinaryIO, fail: Callable[[str], InputError], index: GzipIndex | None = None, *,
                 where: str = "layer", budget: InflateBudget | None = None,
                 digests: LayerDigests | None = None) -> tuple[str, BinaryIO]:
    """Sniff ``raw``'s compression and return (compression, a stream of its plain bytes).

    ``fail(problem)`` builds the InputError raised when the compressed data is
    truncated or corrupt (the caller knows which archive and layer it is);
    ``where`` names the layer in limit errors. ``raw`` is read from its
    current position; a gzip stream records resume points into ``index``.
    Inflation is bounded by ``budget`` (a fresh one when None, so one layer
    alone is still bounded); ``digests`` hashes the bytes as they pass. An
    uncompressed layer in a plain file is a :class:`FileLayer` (its data
    skipped, not read; ``digests`` hashes it from the file on worker threads).
    """
    region = _file_region(raw)
    head = raw.read(8)
    compression = sniff_compression(head)
    if compression == "none" and region is not None:
        if digests is not None:
            digests.hash_region(*region)
        return compression, FileLayer(*region)  # type: ignore[return-value]  # read() (and skip()) as a file's
    source = _Source(head, raw)
    plain_feed = None
    if digests is not None:
        if region is not None and digests.blob:
            digests.hash_region(*region, blob_only=True)  # the blob from its file, on the pool; the plain tar as it inflates
        source.feed, plain_feed = digests.feeders(compression, source.drain)
    if compression == "gzip":
        chunks: Iterator[bytes] = _gzip_chunks(source, fail, index)  # type: ignore[arg-type]
    elif compression == "none":
        chunks = iter(lambda: source.read(CHUNK), b"")
    elif compression == "zstd":
        chunks = _zstd_chunks(source, fail)  # type: ignore[arg-type]
    else:
        chunks = _stdlib_chunks(source, compression, fail)  # type: ignore[arg-type]
    if compression != "none":
        chunks = (budget or InflateBudget()).bounded(chunks, source, where)
    if plain_feed is not None:
        chunks = _fed(chunks, plain_feed)
    if compression != "none" and _prefetch_cores() > 1:
        chunks = _prefetched(chunks)
    stream = ChunkStream(chunks)
    if digests is not None:
        digests.closing(stream.close)
    return compression, stream  # type: ignore[return-value]  # read() (and skip()) as a file's


def _prefetch_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_DONE = object()


def _prefetched(chunks: Iterator[bytes], depth: int = 4) -> Iterator[bytes]:
    """``chunks`` made on a worker thread, at most ``depth`` ahead of the caller.

    Inflating a compressed layer (zlib releases the GIL) then runs on one core while the caller
    reads its tar on the other: the benchmark image's gzip twin went from 2.0 to 1.4 times the
    plain archive's time on 2 cores. The whole pipeline runs there (reading the blob, hashing it,
    the inflate-ratio bound), so the bound sees exactly what was inflated; an error it raises is
    raised to the caller when the caller gets that far. Closing the stream stops the worker.
    """
    import queue
    import threading

    handoff: queue.Queue[Any] = queue.Queue(depth)
    stop = threading.Event()

    def hand(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not hand(chunk):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            hand(exc)
            return
        hand(_DONE)

    producer = threading.Thread(target=produce, name="imagepolicy-inflate", daemon=True)
    if not start_thread(producer):
        yield from chunks  # no thread can start (a tight memory bound): inflate in line
        return
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join(2.0)  # it stops within a chunk (or a read of a slow source: then it ends by itself)


class _Source(io.RawIOBase):
    """``head`` (already read) followed by the rest of ``raw``: counts what is consumed and feeds it to ``feed``."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = head
        self._raw = raw
        self.consumed = 0
        self.feed: Callable[[bytes], None] | None = None

    def drain(self) -> None:
        """Read (and feed) whatever is left."""
        while self.read(CHUNK):
            pass

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._raw.read(), b""
            else:
                data, self._head = self._head[:size], self._head[size:]
                if len(data) < size:
                    data += self._raw.read(size - len(data))
        else:
            data = self._raw.read(size)
        self.consumed += len(data)
        if self.feed is not None and data:
            self.feed(data)
        return data

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)


def _open_regular(path: str) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (a FIFO or device is never opened blocking)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputError(f"{path}: is {_kind(mode)}, not an image archive file or an OCI layout folder")
    return os.fdopen(fd, "rb")


def open_store(path: str) -> Store:
    """A Store for an OCI layout folder or an archive tar; InputError when neither.

    ``path`` itself may be a link (the invoker named it); it must lead to a
    folder or a regular file: a FIFO, socket or device is refused before it is
    opened, so it can neither block nor stream forever.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder; expected an image archive (docker save / skopeo copy output) or an OCI layout folder") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        return DirStore(path)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: is {_kind(st.st_mode)}, not an image archive file or an OCI layout folder")
    fh = _open_regular(path)
    if os.fstat(fh.fileno()).st_size == 0:
        fh.close()
        raise InputError(f"{path}: the file is empty; expected an image archive")
    return TarStore(path, fh)
