"""A fast, forward-only reader of tar headers (ustar, GNU and PAX), for layer streams.

tarfile parses each header through many small Python calls and silently stops
at a truncated or garbled header. This reader unpacks a header in one struct
call, skips member data without keeping it, and tells a clean end (with or
without end-of-archive blocks) from a truncated or corrupt stream.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Callable, Iterator, NamedTuple

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
    """The stream is not a complete tar; ``str()`` says where and why."""


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def _number(raw: bytes) -> int:
    if raw and raw[0] & 0x80:  # GNU base-256
        value = int.from_bytes(raw[1:], "big")
        return value - (1 << (8 * (len(raw) - 1))) if raw[0] == 0xFF else value
    digits = raw.split(b"\0", 1)[0].strip()
    return int(digits, 8) if digits else 0


def _signed_sum(header: bytes) -> int:
    """The header checksum as old tars computed it, with signed bytes."""
    return sum(struct.unpack("148b", header[:148])) + 256 + sum(struct.unpack("356b", header[156:]))


def _pax(data: bytes, at: int) -> dict[str, str]:
    records, pos = {}, 0
    while pos < len(data) and data[pos:pos + 1] != b"\0":
        space = data.find(b" ", pos)
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarError(f"corrupt PAX header at byte {at}") from None
        key, _, value = data[space + 1 : pos + length - 1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        pos += length
    return records


class _Reader:
    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self.position = 0

    def read(self, size: int) -> bytes:
        parts, want = [], size
        while want > 0:
            chunk = self._read(want)
            if not chunk:
                break
            parts.append(chunk)
            want -= len(chunk)
        data = b"".join(parts) if len(parts) != 1 else parts[0]
        self.position += len(data)
        return data

    def skip(self, size: int) -> bool:
        while size > 0:
            chunk = self._read(min(size, _SKIP_CHUNK))
            if not chunk:
                return False
            size -= len(chunk)
            self.position += len(chunk)
        return True


def iter_members(stream: BinaryIO) -> Iterator[TarMember]:
    """Yield each member of the tar ``stream``; raise TarError when it is truncated or corrupt.

    A stream may end right after a member (no end-of-archive blocks); it may
    not end inside a header or inside a member's data.
    """
    reader = _Reader(stream.read)
    pax_global: dict[str, str] = {}
    pax: dict[str, str] = {}
    long_name = long_link = None
    while True:
        at = reader.position
        header = reader.read(BLOCK)
        if not header:
            return
        if len(header) < BLOCK:
            raise TarError(f"truncated: the stream ends at byte {reader.position}, inside a header")
        if header == _ZERO_BLOCK:
            return
        fields = _HEADER.unpack(header)
        try:
            checksum = _number(fields[6])
            size = _number(fields[4])
        except ValueError:
            raise TarError(f"corrupt tar header at byte {at} (not a number)") from None
        if checksum != sum(header[:148]) + 256 + sum(header[156:]) and checksum != _signed_sum(header):
            raise TarError(f"corrupt tar header at byte {at} (checksum mismatch)")
        flag = fields[7]
        offset_data = reader.position
        if flag in (b"x", b"g", b"L", b"K"):
            data = reader.read(size)
            if len(data) < size or not reader.skip(-size % BLOCK):
                raise TarError(f"truncated: the stream ends at byte {reader.position}, inside an extended header")
            if flag == b"x":
                pax = _pax(data, at)
            elif flag == b"g":
                pax_global.update(_pax(data, at))
            elif flag == b"L":
                long_name = _text(data)
            else:
                long_link = _text(data)
            continue
        name = _text(fields[0])
        if fields[9] == b"ustar\0" and fields[15][:1] != b"\0":
            name = _text(fields[15]) + "/" + name
        meta = {**pax_global, **pax} if pax_global else pax
        name = meta.get("path") or long_name or name
        linkname = meta.get("linkpath") or long_link or _text(fields[8])
        if "size" in meta:
            size = int(meta["size"])
        if size < 0:
            raise TarError(f"corrupt tar header at byte {at} (negative size)")
        member = TarMember(
            name=name,
            kind=_KINDS.get(flag),
            mode=_number(fields[1]) & 0o7777,
            uid=int(meta["uid"]) if "uid" in meta else _number(fields[2]),
            gid=int(meta["gid"]) if "gid" in meta else _number(fields[3]),
            size=size,
            linkname=linkname,
            mtime=int(float(meta["mtime"])) if "mtime" in meta else _number(fields[5]),
            offset_data=offset_data,
        )
        pax, long_name, long_link = {}, None, None
        yield member
        if flag not in _NO_DATA and not reader.skip(size + (-size % BLOCK)):
            if reader.position >= offset_data + size:
                return  # only the final padding is missing
            raise TarError(f"truncated: the stream ends at byte {reader.position}, inside member '{name}' (which needs {offset_data + size} bytes)")
