"""A fast, forward-only reader of tar headers (ustar, GNU and PAX), for image archives and layer streams.

tarfile parses each header through many small Python calls and silently stops
at a truncated or garbled header. This reader unpacks a header in one struct
call, skips member data without keeping it, and tells a clean end (with or
without end-of-archive blocks) from a truncated or corrupt stream.

Every field is hostile until checked: a malformed number, PAX record or
header is a :class:`TarError` naming the byte offset, never a raw exception;
an extended header (PAX, GNU long name) larger than the ``tar-header-bytes``
limit is refused before it is read, and so is a path longer than
``tar-path-bytes`` (:class:`imagepolicy.limits.LimitExceeded`).
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import BinaryIO, Callable, Iterator, NamedTuple

from imagepolicy import limits

BLOCK = 512
_ZERO_BLOCK = bytes(BLOCK)
_SKIP_CHUNK = 1 << 20
# name, mode, uid, gid, size, mtime, chksum, typeflag, linkname, magic, version, uname, gname, devmajor, devminor, prefix
_HEADER = struct.Struct("100s8s8s8s12s12s8s1s100s6s2s32s32s8s8s155s12x")
_KINDS = {
    b"0": "file", b"\0": "file", b"7": "file", b"S": "file",
    b"1": "hardlink", b"2": "symlink", b"3": "char", b"4": "block", b"5": "dir", b"6": "fifo",
}  # fmt: skip
_NO_DATA = {b"1", b"2", b"3", b"4", b"5", b"6"}  # like tarfile: these never carry data blocks
_EXTENDED = (b"x", b"g", b"L", b"K")
_MAX_EXTENDED_RUN = 16  # extended headers in a row before a member: real tars write at most a few
_DECIMAL = re.compile(rb"[0-9]{1,20}")
# size, mtime and checksum (bytes 124-156) as nearly every writer spells them: parsed in one match
_COMMON_NUMBERS = re.compile(rb"([0-7]{11})\0([0-7]{11})\0([0-7]{6})\0 ")
_PAX_TIME = re.compile(rb"-?[0-9]{1,20}(?:\.[0-9]{0,20})?")
_PAX_NUMBERS = {"size": _DECIMAL, "uid": _DECIMAL, "gid": _DECIMAL, "mtime": _PAX_TIME}


class TarMember(NamedTuple):
    """One member's header; ``kind`` is None for types the reader does not model (skipped)."""

    name: str
    kind: str | None
    mode: int
    uid: int
    gid: int
    size: int
    linkname: str
    mtime: int
    offset_data: int


class TarError(Exception):
    """The stream is not a complete tar; ``str()`` says where and why.

    ``not_tar`` is set when the very first header is no tar header at all
    (the stream is something else, not a damaged tar).
    """

    def __init__(self, message: str, not_tar: bool = False) -> None:
        super().__init__(message)
        self.not_tar = not_tar


def _text(raw: bytes) -> str:
    return raw.partition(b"\0")[0].decode("utf-8", "surrogateescape")


_NUMBERS: dict[bytes, int] = {}  # mode, uid, gid fields repeat: parse each spelling once
_NUMBERS_KEPT = 4096


def _number(raw: bytes) -> int:
    """An octal (or GNU base-256) header field; ValueError when it is neither."""
    value = _NUMBERS.get(raw)
    if value is None:
        value = _parse_number(raw)
        if len(_NUMBERS) < _NUMBERS_KEPT:
            _NUMBERS[raw] = value
    return value


def _parse_number(raw: bytes) -> int:
    if raw and raw[0] & 0x80:  # GNU base-256
        value = int.from_bytes(raw[1:], "big")
        return value - (1 << (8 * (len(raw) - 1))) if raw[0] == 0xFF else value
    digits = raw.partition(b"\0")[0].strip()
    if not digits.isdigit():  # int() would take a sign, underscores or inner spaces
        if digits:
            raise ValueError(digits)
        return 0
    return int(digits, 8)


_NUMBER_FIELDS = ((1, "mode"), (2, "uid"), (3, "gid"), (4, "size"), (5, "mtime"))
_OWNERS: dict[bytes, tuple[int, int, int]] = {}  # the mode, uid and gid fields together (header[100:124]) repeat
_OWNERS_KEPT = 4096


def _bad_field(fields: tuple, at: int) -> TarError:
    """The error for a header whose numeric fields did not parse, naming the first bad one."""
    for index, name in _NUMBER_FIELDS:
        try:
            _number(fields[index])
        except ValueError:
            return TarError(f"corrupt tar header at byte {at} (the {name} field {_shown(fields[index])} is not an octal number)")
    return TarError(f"corrupt tar header at byte {at} (not a number)")


def _checksum_ok(header: bytes, stored: int) -> bool:
    """The stored checksum is the sum of the header's bytes, its own field counted as spaces.

    adler32 sums the bytes in C (modulo 65521, and a header's sum is below
    2 x 65521): a header whose checksum is off by exactly 65521 passes, which
    is harmless since anyone can write a right checksum. Old tars summed
    signed bytes: checked exactly when the unsigned sum fails.
    """
    unsigned = (zlib.adler32(header) & 0xFFFF) - 1 - sum(header[148:156]) + 256
    return (stored - unsigned) % 65521 == 0 or stored == _signed_sum(header)


def is_tar_header(block: bytes) -> bool:
    """Whether ``block`` starts with a tar header: ustar magic, or a stored checksum that holds.

    What a file's first 512 bytes must be for ``ADD`` to extract it as a plain tar, and for a layer
    stream to be read as one; the reader itself checks every header field.
    """
    if len(block) < BLOCK:
        return False
    if block[257:262] == b"ustar":
        return True
    try:
        stored = int(block[148:156].split(b"\0", 1)[0].strip() or b"-1", 8)
    except ValueError:
        return False
    return stored >= 0 and _checksum_ok(block[:BLOCK], stored)


def _shown(raw: bytes) -> str:
    """A hostile value, quoted and shortened for an error message."""
    text = repr(raw.split(b"\0", 1)[0][:24])[1:]
    return text if len(raw) <= 24 else text[:-1] + "...'"


def _signed_sum(header: bytes) -> int:
    """The header checksum as old tars computed it, with signed bytes."""
    return sum(struct.unpack("148b", header[:148])) + 256 + sum(struct.unpack("356b", header[156:]))


def _pax(data: bytes, at: int) -> dict[str, str]:
    """The records of a PAX extended header: ``"%d %s=%s\\n"`` each, the length counting the whole record.

    Each record must be whole: a length of 0 (which made tarfile loop forever,
    CVE-2019-20907), one that runs past the header or backwards, a missing
    ``=`` or newline are corrupt. Numeric values (size, uid, gid, mtime) must be numbers.
    """
    records, pos, end = {}, 0, len(data)
    while pos < end and data[pos] != 0:
        space = data.find(b" ", pos, pos + 21)
        digits = data[pos:space] if space > pos else b""
        if not _DECIMAL.fullmatch(digits):
            raise TarError(f"corrupt PAX header at byte {at} (record at offset {pos} has no length)")
        length = int(digits)
        stop = pos + length
        if length <= len(digits) + 1 or stop > end or data[stop - 1] != 0x0A:
            raise TarError(f"corrupt PAX header at byte {at} (record at offset {pos} has the impossible length {length})")
        key, eq, value = data[space + 1 : stop - 1].partition(b"=")
        if not eq or not key:
            raise TarError(f"corrupt PAX header at byte {at} (record at offset {pos} is not key=value)")
        name = key.decode("utf-8", "surrogateescape")
        check = _PAX_NUMBERS.get(name)
        if check is not None and not check.fullmatch(value):
            raise TarError(f"corrupt PAX header at byte {at} ({name}={_shown(value)} is not a number)")
        records[name] = value.decode("utf-8", "surrogateescape")
        pos = stop
    return records


def _check_path(name: str, what: str, at: int, where: str, limit: int) -> None:
    if len(name.encode("utf-8", "surrogateescape")) > limit:
        raise limits.LimitExceeded("tar-path-bytes", f"{where}member at byte {at}", f"a {what} of {len(name.encode('utf-8', 'surrogateescape')):,} bytes")


class _Overlay(dict):
    """A member's PAX records over the global ones, without copying the global ones per member."""

    def __init__(self, own: dict[str, str], base: dict[str, str]) -> None:
        super().__init__(own)
        self._base = base

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self._base

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, key) if dict.__contains__(self, key) else self._base[key]

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self[key] if key in self else default


def _mtime(text: str) -> int:
    seconds = text.split(".", 1)[0]
    return int(seconds) if seconds not in ("", "-") else 0


class TarReader:
    """A forward reader over ``read`` (and ``skip``, which passes over bytes without reading them) that
    counts the bytes it passed in ``position``; :func:`iter_members` reads through one."""

    def __init__(self, read: Callable[[int], bytes], skip: Callable[[int], int] | None = None) -> None:
        self._read = read
        self._skip = skip
        self.position = 0

    def read(self, size: int) -> bytes:
        data = self._read(size)
        if len(data) == size:
            self.position += size
            return data
        return self.rest(data, size)

    def rest(self, data: bytes, size: int) -> bytes:
        """``data`` (a short read of ``size`` bytes, not counted yet) completed by more reads, counted."""
        parts, want = [data], size - len(data)
        while want > 0 and data:
            chunk = self._read(want)
            if not chunk:
                break
            parts.append(chunk)
            want -= len(chunk)
        data = b"".join(parts) if len(parts) != 1 else parts[0]
        self.position += len(data)
        return data

    def skip(self, size: int) -> bool:
        if self._skip is not None and size > 0:
            skipped = self._skip(size)
            self.position += skipped
            return skipped == size
        while size > 0:
            chunk = self._read(min(size, _SKIP_CHUNK))
            if not chunk:
                return False
            size -= len(chunk)
            self.position += len(chunk)
        return True


def iter_members(stream: BinaryIO, *, where: str = "", skip: Callable[[int], int] | None = None,
                 count: Callable[[TarMember, int], None] | None = None, reader: TarReader | None = None) -> Iterator[TarMember]:
    """Yield each member of the tar ``stream``; raise TarError when it is truncated or corrupt.

    A stream may end right after a member (no end-of-archive blocks); it may
    not end inside a header or inside a member's data. ``skip(n)``, when
    given, passes over ``n`` data bytes without reading them and returns how
    many there were (fewer at the end of the stream). ``count(member, at)`` is
    called for each member before it is yielded (to enforce a budget); ``where``
    prefixes limit messages (``"image.tar: "``). ``reader``, when given, is the
    :class:`TarReader` over ``stream`` to read through (its ``position`` then
    tells the caller where the tar ended).
    """
    reader = reader if reader is not None else TarReader(stream.read, skip)
    skip = reader._skip
    # the loop runs once per member: a header is read straight from the stream (a short read is completed by
    # the reader) and member data skipped straight through ``skip``, the reader's position kept in step
    stream_read, parse, owners, unpack, common = reader._read, _parse_number, _OWNERS, _HEADER.unpack, _COMMON_NUMBERS.fullmatch
    pax_global: dict[str, str] = {}
    pax: dict[str, str] = {}
    long_name = long_link = None
    extended = global_bytes = 0
    path_limit = limits.get("tar-path-bytes")
    quarter_path = path_limit // 4  # a path of fewer characters cannot have more bytes
    while True:
        at = reader.position
        header = stream_read(BLOCK)
        if len(header) == BLOCK:
            reader.position = at + BLOCK
        else:
            header = reader.rest(header, BLOCK)
        if len(header) != BLOCK:
            if not header:
                return
            raise TarError(f"truncated: the stream ends at byte {reader.position}, inside a header", not_tar=at == 0)
        if header == _ZERO_BLOCK:
            return
        fields = unpack(header)
        numbers = common(header, 124, 156)
        if numbers is not None:
            size, mtime, checksum = int(numbers[1], 8), int(numbers[2], 8), int(numbers[3], 8)
        else:
            mtime = None
            try:
                checksum = parse(fields[6])
            except ValueError:
                raise TarError(f"corrupt tar header at byte {at} (not a number)", not_tar=at == 0) from None
        if not _checksum_ok(header, checksum):
            raise TarError(f"corrupt tar header at byte {at} (checksum mismatch)", not_tar=at == 0)
        if numbers is None:
            try:
                size = parse(fields[4])
            except ValueError:
                raise _bad_field(fields, at) from None
        flag = fields[7]
        offset_data = at + BLOCK
        if flag in _EXTENDED:
            extended += 1
            if extended > _MAX_EXTENDED_RUN:
                raise TarError(f"corrupt tar at byte {at} (more than {_MAX_EXTENDED_RUN} extended headers in a row)")
            if size < 0:
                raise TarError(f"corrupt tar header at byte {at} (negative size)")
            if size > limits.get("tar-header-bytes"):
                kind = "a PAX extended header" if flag in (b"x", b"g") else "a GNU long name record"
                raise limits.LimitExceeded("tar-header-bytes", f"{where}member at byte {at}", f"{kind} of {size:,} bytes")
            data = reader.read(size)
            if len(data) < size or not reader.skip(-size % BLOCK):
                raise TarError(f"truncated: the stream ends at byte {reader.position}, inside an extended header")
            if flag == b"x":
                pax = _pax(data, at)
            elif flag == b"g":
                global_bytes += size
                if global_bytes > limits.get("tar-header-bytes"):
                    raise limits.LimitExceeded("tar-header-bytes", f"{where}member at byte {at}", f"global PAX headers of {global_bytes:,} bytes in all")
                pax_global.update(_pax(data, at))
            elif flag == b"L":
                long_name = _text(data)
            else:
                long_link = _text(data)
            continue
        extended = 0
        owner = owners.get(header[100:124])
        try:
            if owner is None:
                owner = parse(fields[1]), parse(fields[2]), parse(fields[3])
                if len(owners) < _OWNERS_KEPT:
                    owners[header[100:124]] = owner
            if mtime is None:
                mtime = parse(fields[5])
        except ValueError:
            raise _bad_field(fields, at) from None
        mode, uid, gid = owner
        name = _text(fields[0])
        if fields[9] == b"ustar\0" and fields[15][0]:
            name = _text(fields[15]) + "/" + name
        linkname = _text(fields[8]) if fields[8][0] else ""
        if pax or pax_global:
            meta = _Overlay(pax, pax_global) if pax_global else pax
            name = meta.get("path") or long_name or name
            linkname = meta.get("linkpath") or long_link or linkname
            size = int(meta["size"]) if "size" in meta else size
            uid = int(meta["uid"]) if "uid" in meta else uid
            gid = int(meta["gid"]) if "gid" in meta else gid
            mtime = _mtime(meta["mtime"]) if "mtime" in meta else mtime
            pax = {}
        else:
            name = long_name or name
            linkname = long_link or linkname
        if len(name) > quarter_path:
            _check_path(name, "path", at, where, path_limit)
        if len(linkname) > quarter_path:
            _check_path(linkname, "link target", at, where, path_limit)
        if size < 0:
            raise TarError(f"corrupt tar header at byte {at} (negative size)")
        member = TarMember(name, _KINDS.get(flag), mode & 0o7777, uid, gid, size, linkname, mtime, offset_data)
        long_name = long_link = None
        if count is not None:
            count(member, at)
        yield member
        if flag in _NO_DATA:
            continue
        span = size + (-size % BLOCK)
        if skip is not None and span > 0:
            skipped = skip(span)
            reader.position += skipped
            if skipped == span:
                continue
        elif reader.skip(span):
            continue
        if reader.position >= offset_data + size:
            return  # only the final padding is missing
        raise TarError(f"truncated: the stream ends at byte {reader.position}, inside member '{name}' (which needs {offset_data + size} bytes)")
