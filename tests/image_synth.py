"""Synthesize image archives of every shape for tests, from a small in-memory spec.

A layer is a dict of absolute paths to contents, written in insertion order::

    {"/etc/": DIR, "/etc/passwd": b"root:x:0:0...", "/bin/sh": File(b"...", mode=0o755),
     "/lib": Symlink("usr/lib"), "/old": WHITEOUT, "/opt/data/": OPAQUE}

``bytes`` is a regular file, ``WHITEOUT`` writes ``.wh.NAME``, ``OPAQUE`` writes
``DIR/.wh..wh..opq`` at that position. Raw marker names (``/d/.wh.``) can be
written as plain files. :func:`write_shape` wraps an :class:`ImageSpec` as any
archive shape the reader accepts.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class File:
    data: bytes
    mode: int = 0o644
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class Dir:
    mode: int = 0o755
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class Symlink:
    target: str


@dataclass(frozen=True)
class Hardlink:
    target: str


@dataclass(frozen=True)
class Device:
    kind: str  # "char", "block" or "fifo"


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


DIR = Dir()
WHITEOUT = _Marker("WHITEOUT")
OPAQUE = _Marker("OPAQUE")
Entry = bytes | File | Dir | Symlink | Hardlink | Device | _Marker


@dataclass
class Layer:
    files: dict[str, Entry]
    compression: str = "none"  # none, gzip, zstd
    end_blocks: bool = True
    tar_format: str = "pax"  # pax, gnu, ustar


@dataclass
class ImageSpec:
    layers: list[Layer]
    runtime: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] | None = None
    os: str = "linux"
    architecture: str = "amd64"
    variant: str = ""


_FORMATS = {"pax": tarfile.PAX_FORMAT, "gnu": tarfile.GNU_FORMAT, "ustar": tarfile.USTAR_FORMAT}


def layer_tar(files: dict[str, Entry], end_blocks: bool = True, tar_format: str = "pax") -> bytes:
    """An uncompressed layer tar with the given members in order."""
    out = io.BytesIO()
    tar = tarfile.open(fileobj=out, mode="w", format=_FORMATS[tar_format])
    for path, value in files.items():
        name = path.strip("/")
        if value is WHITEOUT:
            head, _, base = name.rpartition("/")
            _add(tar, (head + "/" if head else "") + ".wh." + base, File(b""))
        elif value is OPAQUE:
            _add(tar, name + "/.wh..wh..opq", File(b""))
        else:
            _add(tar, name, value)
    end = tar.offset
    tar.close()
    data = out.getvalue()
    return data if end_blocks else data[:end]


def _add(tar: tarfile.TarFile, name: str, value: Entry) -> None:
    if isinstance(value, bytes):
        value = File(value)
    info = tarfile.TarInfo(name)
    info.mtime = 1700000000
    if isinstance(value, File):
        info.size, info.mode, info.uid, info.gid = len(value.data), value.mode, value.uid, value.gid
        tar.addfile(info, io.BytesIO(value.data))
        return
    if isinstance(value, Dir):
        info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, value.mode, value.uid, value.gid
    elif isinstance(value, Symlink):
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, value.target, 0o777
    elif isinstance(value, Hardlink):
        info.type, info.linkname = tarfile.LNKTYPE, value.target.strip("/")
    elif isinstance(value, Device):
        info.type = {"char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}[value.kind]
    else:
        raise TypeError(f"unknown layer entry {value!r} for {name}")
    tar.addfile(info)


def compress(data: bytes, compression: str) -> bytes:
    if compression == "none":
        return data
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    raise ValueError(compression)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _hex(digest: str) -> str:
    return digest.split(":", 1)[1]


@dataclass
class BuiltLayer:
    tar: bytes
    blob: bytes
    compression: str

    @property
    def diff_id(self) -> str:
        return sha256(self.tar)

    @property
    def digest(self) -> str:
        return sha256(self.blob)

    @property
    def media_type(self) -> str:
        suffix = {"none": "", "gzip": "+gzip", "zstd": "+zstd"}[self.compression]
        return "application/vnd.oci.image.layer.v1.tar" + suffix


@dataclass
class Built:
    layers: list[BuiltLayer]
    config: bytes

    @property
    def config_digest(self) -> str:
        return sha256(self.config)


def build(spec: ImageSpec, compression: str | None = None) -> Built:
    """Layer blobs and config bytes; ``compression`` overrides every layer's own."""
    layers = []
    for layer in spec.layers:
        tar = layer_tar(layer.files, layer.end_blocks, layer.tar_format)
        kind = compression or layer.compression
        layers.append(BuiltLayer(tar, compress(tar, kind), kind))
    history = spec.history if spec.history is not None else [{"created_by": f"layer {i}"} for i in range(len(layers))]
    config = {
        "architecture": spec.architecture,
        "os": spec.os,
        **({"variant": spec.variant} if spec.variant else {}),
        "config": spec.runtime,
        "rootfs": {"type": "layers", "diff_ids": [b.diff_id for b in layers]},
        "history": history,
    }
    return Built(layers, json.dumps(config, indent=1).encode())


def _manifest(built: Built) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": built.config_digest, "size": len(built.config)},
            "layers": [{"mediaType": b.media_type, "digest": b.digest, "size": len(b.blob)} for b in built.layers],
            "annotations": {"org.opencontainers.image.source": "https://example.com/app"},
        }
    ).encode()


def _descriptor(data: bytes, media_type: str, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": sha256(data), "size": len(data), **extra}


class Members(dict):
    """Archive members in write order: name -> bytes, or SymlinkMember for a symlink."""

    def blob(self, data: bytes) -> str:
        name = "blobs/sha256/" + hashlib.sha256(data).hexdigest()
        self[name] = data
        return name


@dataclass(frozen=True)
class SymlinkMember:
    target: str


def _docker_tag_files(config_name: str, layer_names: list[str], members: Members) -> None:
    members["manifest.json"] = json.dumps([{"Config": config_name, "RepoTags": ["example/app:1"], "Layers": layer_names}]).encode()
    members["repositories"] = json.dumps({"example/app": {"1": "0" * 64}}).encode()


def docker_legacy(spec: ImageSpec, compression: str | None = None) -> Members:
    """``docker save`` before 25: ``<id>/layer.tar`` (written last layer first), ``<hex>.json``, manifest.json."""
    built, members = build(spec, compression), Members()
    ids = [hashlib.sha256(f"id{i}{b.diff_id}".encode()).hexdigest() for i, b in enumerate(built.layers)]
    for layer_id, layer in reversed(list(zip(ids, built.layers))):
        members[f"{layer_id}/VERSION"] = b"1.0"
        members[f"{layer_id}/json"] = json.dumps({"id": layer_id}).encode()
        members[f"{layer_id}/layer.tar"] = layer.blob
    config_name = _hex(built.config_digest) + ".json"
    members[config_name] = built.config
    _docker_tag_files(config_name, [f"{i}/layer.tar" for i in ids], members)
    return members


def docker_skopeo(spec: ImageSpec, compression: str | None = None) -> Members:
    """skopeo/buildah docker-archive: ``<hex>.tar`` layers plus legacy folders of symlinks."""
    built, members = build(spec, compression), Members()
    config_name = _hex(built.config_digest) + ".json"
    members[config_name] = built.config
    for layer in built.layers:
        members[_hex(layer.digest) + ".tar"] = layer.blob
    for i, layer in enumerate(built.layers):
        legacy = hashlib.sha256(f"legacy{i}".encode()).hexdigest()
        members[f"{legacy}/layer.tar"] = SymlinkMember(f"../{_hex(layer.digest)}.tar")
        members[f"{legacy}/VERSION"] = b"1.0"
    _docker_tag_files(config_name, [_hex(b.digest) + ".tar" for b in built.layers], members)
    return members


def docker_symlinks(spec: ImageSpec, compression: str | None = None) -> Members:
    """manifest.json naming ``<id>/layer.tar`` where ``<id>`` is a symlinked folder holding a symlink."""
    built, members = build(spec, compression), Members()
    config_name = _hex(built.config_digest) + ".json"
    members[config_name] = built.config
    names = []
    for i, layer in enumerate(built.layers):
        members[f"{_hex(layer.digest)}.tar"] = layer.blob
        members[f"store/l{i}/layer.tar"] = SymlinkMember(f"../../{_hex(layer.digest)}.tar")
        members[f"id{i}"] = SymlinkMember(f"store/l{i}")
        names.append(f"id{i}/layer.tar")
    _docker_tag_files(config_name, names, members)
    return members


def _oci_index(manifest_descs: list[dict[str, Any]]) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifest_descs}).encode()


def _oci_image_blobs(built: Built, members: Members) -> bytes:
    members.blob(built.config)
    for layer in built.layers:
        members.blob(layer.blob)
    manifest = _manifest(built)
    members.blob(manifest)
    return manifest


def docker_dual(spec: ImageSpec, compression: str | None = None) -> Members:
    """Docker 25+ ``docker save``: OCI index.json + blobs, and a manifest.json pointing into blobs."""
    built, members = build(spec, compression), Members()
    members["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    manifest = _oci_image_blobs(built, members)
    annotations = {"io.containerd.image.name": "docker.io/example/app:1", "org.opencontainers.image.ref.name": "1"}
    members["index.json"] = _oci_index([_descriptor(manifest, "application/vnd.oci.image.manifest.v1+json", annotations=annotations)])
    _docker_tag_files("blobs/sha256/" + _hex(built.config_digest), ["blobs/sha256/" + _hex(b.digest) for b in built.layers], members)
    return members


def _attestation(members: Members, subject: bytes) -> dict[str, Any]:
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://slsa.dev/provenance/v0.2"}).encode()
    config = b'{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":["' + sha256(statement).encode() + b'"]}}'
    members.blob(statement)
    members.blob(config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": _descriptor(config, "application/vnd.oci.image.config.v1+json"),
            "layers": [_descriptor(statement, "application/vnd.in-toto+json")],
        }
    ).encode()
    members.blob(manifest)
    return _descriptor(
        manifest,
        "application/vnd.oci.image.manifest.v1+json",
        platform={"architecture": "unknown", "os": "unknown"},
        annotations={"vnd.docker.reference.digest": sha256(subject), "vnd.docker.reference.type": "attestation-manifest"},
    )


def containerd(spec: ImageSpec, compression: str | None = None, manifest_json: bool = True) -> Members:
    """containerd image store export: gzip blobs, index.json -> nested index with an attestation manifest."""
    built, members = build(spec, compression or "gzip"), Members()
    manifest = _oci_image_blobs(built, members)
    platform = {"architecture": spec.architecture, "os": spec.os, **({"variant": spec.variant} if spec.variant else {})}
    nested = _oci_index([_descriptor(manifest, "application/vnd.oci.image.manifest.v1+json", platform=platform), _attestation(members, manifest)])
    members.blob(nested)
    members["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    members["index.json"] = _oci_index(
        [_descriptor(nested, "application/vnd.oci.image.index.v1+json", annotations={"io.containerd.image.name": "docker.io/example/app:1"})]
    )
    if manifest_json:
        _docker_tag_files("blobs/sha256/" + _hex(built.config_digest), ["blobs/sha256/" + _hex(b.digest) for b in built.layers], members)
    return members


def oci(spec: ImageSpec, compression: str | None = None) -> Members:
    """A plain OCI image layout: index.json -> one image manifest (no platform on the descriptor)."""
    built, members = build(spec, compression), Members()
    members["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    manifest = _oci_image_blobs(built, members)
    members["index.json"] = _oci_index(
        [_descriptor(manifest, "application/vnd.oci.image.manifest.v1+json", annotations={"org.opencontainers.image.ref.name": "latest"})]
    )
    return members


def oci_multi(specs: list[ImageSpec], compression: str | None = None) -> Members:
    """A multi-platform OCI layout: index.json -> nested index -> one manifest per platform."""
    members = Members()
    members["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    descs = []
    for spec in specs:
        manifest = _oci_image_blobs(build(spec, compression), members)
        platform = {"architecture": spec.architecture, "os": spec.os, **({"variant": spec.variant} if spec.variant else {})}
        descs.append(_descriptor(manifest, "application/vnd.oci.image.manifest.v1+json", platform=platform))
    nested = _oci_index(descs)
    members.blob(nested)
    members["index.json"] = _oci_index([_descriptor(nested, "application/vnd.oci.image.index.v1+json")])
    return members


def emit(members: Members, path: str, as_dir: bool = False) -> str:
    """Write ``members`` as a tar at ``path`` (or as a folder when ``as_dir``); returns ``path``."""
    if as_dir:
        for name, value in members.items():
            target = os.path.join(path, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if isinstance(value, SymlinkMember):
                os.symlink(value.target, target)
            else:
                with open(target, "wb") as fh:
                    fh.write(value)
        return path
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, value in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(value, SymlinkMember):
                info.type, info.linkname = tarfile.SYMTYPE, value.target
                tar.addfile(info)
            else:
                info.size = len(value)
                tar.addfile(info, io.BytesIO(value))
    return path


SHAPES: dict[str, tuple[Callable[..., Members], bool]] = {
    "docker-legacy": (docker_legacy, False),
    "docker-legacy-dir": (docker_legacy, True),
    "docker-skopeo": (docker_skopeo, False),
    "docker-symlinks": (docker_symlinks, False),
    "docker-dual": (docker_dual, False),
    "containerd": (containerd, False),
    "containerd-oci": (lambda spec, compression=None: containerd(spec, compression, manifest_json=False), False),
    "oci-layout": (oci, True),
    "oci-archive": (oci, False),
}


def write_shape(shape: str, spec: ImageSpec, directory: str, compression: str | None = None) -> str:
    """Write ``spec`` as archive shape ``shape`` (a key of SHAPES) under ``directory``; returns its path."""
    writer, as_dir = SHAPES[shape]
    return emit(writer(spec, compression), os.path.join(directory, shape + ("" if as_dir else ".tar")), as_dir)
