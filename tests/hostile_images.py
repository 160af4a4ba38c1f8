"""Hostile image inputs, written byte by byte: what a pull request could hand the image reader.

Every tar header here is built by hand (:func:`header`), so a test can put any
value in any field, a PAX record of any length, or a size that the data behind
it does not have. The writers wrap raw layer blobs into an OCI layout folder,
an oci-archive or a docker-archive whose digests are right (unless a test
breaks them on purpose), so the reader gets past the wrapping and meets the
problem the test is about. Big inputs (gigabytes once inflated) are written as
repeated gzip members or sparse files: a few megabytes on disk.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import zlib
from typing import Iterable

BLOCK = 512
END = bytes(2 * BLOCK)
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
GZIP_LAYER_TYPE = LAYER_TYPE + "+gzip"


# --- tar bytes --------------------------------------------------------------------------------


def _octal(value: int, width: int) -> bytes:
    return (b"%0*o" % (width - 1, value)) + b"\0"


def header(name: str | bytes, size: int = 0, flag: bytes = b"0", *, mode: int = 0o644, uid: int = 0, gid: int = 0,
           mtime: int = 1700000000, linkname: str | bytes = b"", fields: dict[str, bytes] | None = None) -> bytes:
    """One 512-byte ustar header with a right checksum; ``fields`` overrides raw fields by name
    (``mode``, ``uid``, ``gid``, ``size``, ``mtime``, ``magic``, ...) before the checksum is computed."""
    name = name.encode() if isinstance(name, str) else name
    linkname = linkname.encode() if isinstance(linkname, str) else linkname
    raw = {
        "name": name[:100], "mode": _octal(mode, 8), "uid": _octal(uid, 8), "gid": _octal(gid, 8),
        "size": _octal(size, 12) if size < 8**11 else b"\x80" + size.to_bytes(11, "big"),
        "mtime": _octal(mtime, 12), "typeflag": flag, "linkname": linkname[:100], "magic": b"ustar\x00",
        "version": b"00", "uname": b"", "gname": b"", "devmajor": _octal(0, 8), "devminor": _octal(0, 8), "prefix": b"",
    }  # fmt: skip
    raw.update(fields or {})
    widths = (("name", 100), ("mode", 8), ("uid", 8), ("gid", 8), ("size", 12), ("mtime", 12), ("chksum", 8),
              ("typeflag", 1), ("linkname", 100), ("magic", 6), ("version", 2), ("uname", 32), ("gname", 32),
              ("devmajor", 8), ("devminor", 8), ("prefix", 155))  # fmt: skip
    out = b"".join((b" " * 8 if key == "chksum" else raw[key].ljust(width, b"\0")[:width]) for key, width in widths)
    out = out.ljust(BLOCK, b"\0")
    checksum = b"%06o\0 " % sum(out)
    return out[:148] + checksum + out[156:]


def pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % BLOCK)


def member(name: str, data: bytes = b"", flag: bytes = b"0", **kw) -> bytes:
    """A member with its data blocks (``data`` is only written for data-carrying types)."""
    return header(name, len(data), flag, **kw) + pad(data)


def pax_record(key: str, value: str | bytes) -> bytes:
    value = value.encode() if isinstance(value, str) else value
    body = b" " + key.encode() + b"=" + value + b"\n"
    length = len(body) + 1
    while len(str(length)) + len(body) != length:
        length += 1
    return str(length).encode() + body


def pax(records: bytes, flag: bytes = b"x") -> bytes:
    """A PAX extended header member (``x``, or ``g`` for a global one) holding raw ``records``."""
    return header("PaxHeaders/x", len(records), flag) + pad(records)


def tar(*parts: bytes, end: bool = True) -> bytes:
    return b"".join(parts) + (END if end else b"")


def gzip_repeated(chunk: bytes, times: int, head: bytes = b"", tail: bytes = b"") -> bytes:
    """gzip of ``head + chunk * times + tail`` as concatenated members: gigabytes inflated from kilobytes."""
    one = gzip.compress(chunk, compresslevel=9, mtime=0)
    return gzip.compress(head, mtime=0) + one * times + gzip.compress(tail, mtime=0)


def zstd_bomb(size: int) -> bytes:
    """A zstd frame of ``size`` zero bytes (zstd stores long runs in a few bytes per block)."""
    import zstandard

    cctx = zstandard.ZstdCompressor(level=1)
    out = io.BytesIO()
    with cctx.stream_writer(out, closefd=False) as writer:
        block = bytes(1 << 20)
        for _ in range(size >> 20):
            writer.write(block)
    return out.getvalue()


# --- wrappers: a layout or archive around raw layer blobs ---------------------------------------


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def diff_id_of(blob: bytes) -> str:
    """The diff_id of a layer blob (sha256 of its inflated tar), computed in chunks for big bombs."""
    if blob[:2] != b"\x1f\x8b":
        return sha256(blob)
    digest, d = hashlib.sha256(), zlib.decompressobj(31)
    data = blob
    while data:
        while data:
            digest.update(d.decompress(data, 1 << 24))
            data = d.unconsumed_tail
        data = d.unused_data
        if data:
            d = zlib.decompressobj(31)
    return "sha256:" + digest.hexdigest()


def image_blobs(layers: Iterable[bytes], diff_ids: list[str] | None = None, media_type: str | None = None) -> tuple[dict[str, bytes], bytes]:
    """Blobs (by digest) and the manifest bytes of an image made of the raw ``layers``."""
    layers = list(layers)
    blobs: dict[str, bytes] = {}
    if diff_ids is None:
        diff_ids = [diff_id_of(b) for b in layers]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids},
                         "history": [{"created_by": f"layer {i}"} for i in range(len(layers))]}).encode()
    blobs[sha256(config)] = config
    descs = []
    for blob in layers:
        blobs[sha256(blob)] = blob
        kind = media_type or (GZIP_LAYER_TYPE if blob[:2] == b"\x1f\x8b" else LAYER_TYPE)
        descs.append({"mediaType": kind, "digest": sha256(blob), "size": len(blob)})
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": len(config)},
                           "layers": descs}).encode()
    blobs[sha256(manifest)] = manifest
    return blobs, manifest


def index_json(manifests: list[bytes | dict], media_type: str = "application/vnd.oci.image.manifest.v1+json") -> bytes:
    descs = [m if isinstance(m, dict) else {"mediaType": media_type, "digest": sha256(m), "size": len(m)} for m in manifests]
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descs}).encode()


def write_layout(path: str, blobs: dict[str, bytes], index: bytes) -> str:
    """An OCI image-layout folder at ``path``."""
    os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(path, "oci-layout"), "wb") as fh:
        fh.write(b'{"imageLayoutVersion": "1.0.0"}')
    with open(os.path.join(path, "index.json"), "wb") as fh:
        fh.write(index)
    for digest, data in blobs.items():
        with open(blob_file(path, digest), "wb") as fh:
            fh.write(data)
    return path


def blob_file(layout: str, digest: str) -> str:
    return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])


def oci_layout(path: str, layers: Iterable[bytes], **kw) -> str:
    blobs, manifest = image_blobs(layers, **kw)
    return write_layout(path, blobs, index_json([manifest]))


def archive(path: str, members: dict[str, bytes]) -> str:
    """A tar at ``path`` holding ``members`` (name -> bytes), written by tarfile (a well-formed outer archive)."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as out:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return path


def oci_archive(path: str, layers: Iterable[bytes], **kw) -> str:
    blobs, manifest = image_blobs(layers, **kw)
    members = {"oci-layout": b'{"imageLayoutVersion": "1.0.0"}', "index.json": index_json([manifest])}
    members.update({"blobs/sha256/" + d.split(":", 1)[1]: b for d, b in blobs.items()})
    return archive(path, members)


def docker_archive(path: str, layers: Iterable[bytes]) -> str:
    blobs, manifest = image_blobs(layers)
    doc = json.loads(manifest)
    members = {d.split(":", 1)[1] + (".json" if d == doc["config"]["digest"] else ".tar"): b
               for d, b in blobs.items() if d != sha256(manifest)}
    members["manifest.json"] = json.dumps([{"Config": doc["config"]["digest"].split(":", 1)[1] + ".json", "RepoTags": ["hostile:1"],
                                            "Layers": [l["digest"].split(":", 1)[1] + ".tar" for l in doc["layers"]]}]).encode()
    return archive(path, members)


def plain_layer(files: dict[str, bytes] | None = None) -> bytes:
    """A small well-formed layer tar."""
    files = files if files is not None else {"etc/os-release": b"ID=hostile\n"}
    return tar(*(member(name, data) for name, data in files.items()))


def zstd_rle_bomb(size: int) -> bytes:
    """A zstd frame of ``size`` zero bytes made of RLE blocks (4 bytes per 128 KiB), written by hand in moments."""
    block = 128 << 10
    frame = bytearray(b"\x28\xb5\x2f\xfd" + bytes([0x00, 0x38]))  # magic; no content size, one window byte (2^17)
    count = max(1, size // block)
    rle = ((block << 3) | (1 << 1)).to_bytes(3, "little") + b"\0"
    frame += rle * (count - 1) + ((block << 3) | (1 << 1) | 1).to_bytes(3, "little") + b"\0"
    return bytes(frame)


def sparse_file(path: str, head: bytes, size: int) -> str:
    """``head`` followed by zeros up to ``size`` bytes, as a sparse file (no disk space for the zeros)."""
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path
