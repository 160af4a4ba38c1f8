"""Find the image in an archive: which manifest, which config, which layer blobs, in which order.

Two entry points, chosen by content: ``manifest.json`` (every docker-archive
flavour, the Docker 25+ and containerd dual layouts included) and
``index.json`` (OCI layouts and oci-archives, nested indexes included).
Layer order always comes from the manifest, never from member order.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from imagepolicy import limits
from imagepolicy.model import InputError

from .blobs import Store, blob_path, digest_of_name

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}
ATTESTATION = "attestation-manifest"
DEFAULT_PLATFORM = "linux/amd64"

_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm", "armel": "arm"}
_DEFAULT_VARIANT = {"arm64": "v8", "amd64": "v1"}
_HEX_TAR = re.compile(r"^([0-9a-f]{64})\.tar$")


@dataclass(frozen=True)
class Platform:
    """An ``os/arch[/variant]`` platform, architecture aliases normalised."""

    os: str
    arch: str
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = [p.strip().lower() for p in text.split("/")]
        if len(parts) not in (2, 3) or not all(parts):
            raise InputError(f"platform {text!r} is not os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8")
        return cls(parts[0], _ARCH_ALIASES.get(parts[1], parts[1]), parts[2] if len(parts) == 3 else "")

    @classmethod
    def of(cls, doc: dict[str, Any] | None) -> Platform | None:
        """The platform of an index descriptor's ``platform`` or of an image config."""
        if not isinstance(doc, dict) or not doc.get("os") or not doc.get("architecture"):
            return None
        arch = str(doc["architecture"]).lower()
        return cls(str(doc["os"]).lower(), _ARCH_ALIASES.get(arch, arch), str(doc.get("variant") or "").lower())

    def __str__(self) -> str:
        return f"{self.os}/{self.arch}" + (f"/{self.variant}" if self.variant else "")

    def matches(self, wanted: Platform) -> int:
        """0 when not a match; 2 for an exact variant, 1 when ``wanted`` names no variant."""
        if (self.os, self.arch) != (wanted.os, wanted.arch):
            return 0
        mine = self.variant or _DEFAULT_VARIANT.get(self.arch, "")
        if not wanted.variant:
            return 2 if mine == _DEFAULT_VARIANT.get(self.arch, "") else 1
        return 2 if mine == (wanted.variant or _DEFAULT_VARIANT.get(wanted.arch, "")) else 0

    @property
    def unknown(self) -> bool:
        return self.os == "unknown" and self.arch == "unknown"


@dataclass
class LayerRef:
    """Where one layer's blob is and what the manifest says about it.

    ``blob_digest`` and ``blob_size`` are set when a descriptor vouches for the
    blob as stored (OCI manifests, a dual layout's descriptors, a ``blobs/``
    path): the reader checks the blob against them; ``diff_id`` (from the
    config) is always checked against the plain tar.
    """

    member: str
    digest: str
    diff_id: str
    media_type: str
    size: int
    blob_digest: str | None = None
    blob_size: int | None = None


@dataclass
class Resolved:
    """The chosen image: its documents and its layers in manifest order."""

    format: str
    config: dict[str, Any]
    manifest: dict[str, Any]
    layers: list[LayerRef]
    platform: str
    repo_tags: list[str] = field(default_factory=list)


def resolve(store: Store, platform: str | None) -> Resolved:
    """Pick the image in ``store`` by content: manifest.json first, then an OCI index.json."""
    wanted = Platform.parse(platform) if platform else None
    is_dir = not hasattr(store, "names")
    store._index_visits = 0  # type: ignore[attr-defined]  # descriptors visited, against index-manifests
    if store.has("manifest.json"):
        return _resolve_docker(store, wanted, "docker-dir" if is_dir else "docker-archive")
    if store.has("index.json"):
        return _resolve_oci(store, wanted, "oci-layout" if is_dir else "oci-archive")
    raise InputError(f"{store.label}: {_not_an_image_hint(store)}")


def _not_an_image_hint(store: Store) -> str:
    names = getattr(store, "names", [])
    if store.has("repositories"):
        return "a docker save archive without manifest.json (Docker older than 1.10) is not supported; save it with a newer Docker or skopeo"
    if any(n.startswith(("etc/", "usr/", "bin/")) for n in names):
        return "this is a filesystem tarball (docker export), not an image; use docker save or skopeo copy to get one with its config"
    return "neither manifest.json (docker-archive) nor index.json (OCI layout) found: not an image archive"


# --- docker-archive ----------------------------------------------------------------


def _resolve_docker(store: Store, wanted: Platform | None, fmt: str) -> Resolved:
    entries = store.read_json("manifest.json", "manifest")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise InputError(f"{store.label}: manifest.json is not a non-empty list of images; the image is damaged")
    _visit(store, len(entries), "manifest.json")
    for i, entry in enumerate(entries):
        if not isinstance(entry.get("Config"), str) or not isinstance(entry.get("Layers"), list):
            raise InputError(f"{store.label}: manifest.json entry {i} lacks 'Config' or 'Layers'; the image is damaged")
        tags = entry.get("RepoTags")
        if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
            raise InputError(f"{store.label}: manifest.json entry {i}: 'RepoTags' is not a list of strings; the image is damaged")
    configs = [_read_config(store, e["Config"]) for e in entries] if len(entries) > 1 or wanted else None
    index = _pick_docker_entry(store, entries, configs, wanted)
    entry = entries[index]
    config = configs[index] if configs else _read_config(store, entry["Config"])
    oci_manifest = _find_oci_manifest(store, entry["Config"]) if store.has("index.json") else None
    layers = _docker_layers(store, entry, config, oci_manifest)
    return Resolved(
        format=fmt,
        config=config,
        manifest=oci_manifest or {k: v for k, v in entry.items() if k != "annotations"},
        layers=layers,
        platform=str(Platform.of(config) or ""),
        repo_tags=[str(t) for t in entry.get("RepoTags") or []],
    )


def _read_config(store: Store, name: str) -> dict[str, Any]:
    if not store.has(name):
        raise InputError(f"{store.label}: manifest.json points at config '{name}', which the archive does not hold")
    config = store.read_json(name, "image config")
    if not isinstance(config, dict):
        raise InputError(f"{store.label}: image config '{name}' is not a JSON object")
    return config


def _pick_docker_entry(store: Store, entries: list[dict], configs: list[dict] | None, wanted: Platform | None) -> int:
    if configs is None or (len(configs) == 1 and Platform.of(configs[0]) is None):
        return 0
    want = wanted or Platform.parse(DEFAULT_PLATFORM)
    scores = [(Platform.of(c) or Platform("", "")).matches(want) for c in configs]
    best = max(scores)
    picked = [i for i, s in enumerate(scores) if s == best and s]
    if len(picked) == 1:
        return picked[0]
    if not picked:
        available = ", ".join(sorted({str(Platform.of(c) or "unknown") for c in configs}))
        raise InputError(f"{store.label}: no image for platform {want} in manifest.json; available: {available}; pass --platform")
    tags = "; ".join(", ".join(entries[i].get("RepoTags") or ["<untagged>"]) for i in picked)
    raise InputError(f"{store.label}: manifest.json holds {len(picked)} images for {want} ({tags}); save one image per archive")


def _docker_layers(store: Store, entry: dict, config: dict, oci_manifest: dict | None) -> list[LayerRef]:
    names = entry["Layers"]
    diff_ids = _diff_ids(store, config, f"image config '{entry['Config']}'")
    if len(diff_ids) != len(names):
        raise InputError(
            f"{store.label}: manifest.json lists {len(names)} layers but the config's rootfs lists "
            f"{len(diff_ids)} diff_ids; the archive is inconsistent"
        )
    _check_layer_count(store, len(names), "manifest.json")
    descriptors = (oci_manifest or {}).get("layers") or []
    if not isinstance(descriptors, list):
        descriptors = []
    sources = entry.get("LayerSources") or {}
    if not isinstance(sources, dict):
        sources = {}
    layers = []
    for i, (name, diff_id) in enumerate(zip(names, diff_ids)):
        if not isinstance(name, str) or not store.has(name):
            raise InputError(f"{store.label}: manifest.json points at layer {i} '{name}', which the archive does not hold")
        desc = descriptors[i] if len(descriptors) == len(names) else sources.get(diff_id)
        desc = _descriptor(store, desc, f"the descriptor of layer {i}") if desc is not None else {}
        vouched = desc.get("digest") or digest_of_name(name)
        size = store.size(name)
        layers.append(
            LayerRef(
                member=name,
                digest=str(desc.get("digest") or _digest_from_name(name) or diff_id),
                diff_id=str(diff_id),
                media_type=str(desc.get("mediaType") or ""),
                size=size,
                blob_digest=vouched,
                blob_size=_descriptor_size(desc),
            )
        )
    return layers


def _descriptor(store: Store, desc: Any, where: str) -> dict:
    """``desc`` checked as an OCI descriptor: an object with a string digest and, when present, a string
    mediaType, a whole-number size and string annotations; InputError naming ``where`` otherwise."""
    if not isinstance(desc, dict):
        raise InputError(f"{store.label}: {where} is not a descriptor object; the image is damaged")
    problems = []
    if not isinstance(desc.get("digest"), str):
        problems.append("no string 'digest'")
    if desc.get("mediaType") is not None and not isinstance(desc["mediaType"], str):
        problems.append("a 'mediaType' that is not a string")
    size = desc.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        problems.append("a 'size' that is not a whole number")
    annotations = desc.get("annotations")
    if annotations is not None and not (isinstance(annotations, dict) and all(isinstance(v, str) for v in annotations.values())):
        problems.append("'annotations' that are not an object of strings")
    if problems:
        raise InputError(f"{store.label}: {where} has {' and '.join(problems)}; not a valid descriptor")
    return desc


def _annotations(desc: dict) -> dict[str, str]:
    value = desc.get("annotations")
    return value if isinstance(value, dict) else {}


def _diff_ids(store: Store, config: dict, where: str) -> list[str]:
    rootfs = config.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if diff_ids is None and rootfs is None:
        return []
    if not isinstance(diff_ids, list) or not all(isinstance(d, str) for d in diff_ids):
        raise InputError(f"{store.label}: {where}: rootfs.diff_ids is not a list of digests; the image is damaged")
    return diff_ids


def _descriptor_size(desc: dict) -> int | None:
    size = desc.get("size")
    return size if isinstance(size, int) and not isinstance(size, bool) else None


def _check_layer_count(store: Store, count: int, where: str) -> None:
    if count > limits.get("image-layers"):
        raise limits.LimitExceeded("image-layers", f"{store.label}: {where}", f"{count:,} layers")


def _visit(store: Store, count: int, where: str) -> None:
    """Count ``count`` descriptors against ``index-manifests``."""
    visits = getattr(store, "_index_visits", 0) + count
    store._index_visits = visits  # type: ignore[attr-defined]
    if visits > limits.get("index-manifests"):
        raise limits.LimitExceeded("index-manifests", f"{store.label}: {where}", f"{visits:,} descriptors so far")


def _read_descriptor(store: Store, desc: dict, what: str, where: str) -> Any:
    """The JSON blob a descriptor points at, checked against the descriptor's digest and size."""
    digest = str(desc.get("digest"))
    return store.read_json(blob_path(digest, where), what, digest=digest, size=_descriptor_size(desc))


def _digest_from_name(name: str) -> str | None:
    parts = posixpath.normpath(name).split("/")
    if len(parts) == 3 and parts[0] == "blobs":
        return f"{parts[1]}:{parts[2]}"
    match = _HEX_TAR.match(parts[-1])
    return f"sha256:{match.group(1)}" if match else None


def _find_oci_manifest(store: Store, config_name: str) -> dict[str, Any] | None:
    """In a dual layout, the OCI manifest whose config is ``config_name`` (for its annotations)."""
    digest = _digest_from_name(config_name)
    if not digest:
        return None
    for desc in _manifest_descriptors(store, store.read_json("index.json", "index"), "index.json", strict=False):
        name = blob_path(str(desc.get("digest")), "index.json")
        if not store.has(name):
            continue
        manifest = _read_descriptor(store, desc, "manifest", "index.json")
        config = manifest.get("config") if isinstance(manifest, dict) else None
        if isinstance(config, dict) and config.get("digest") == digest:
            _check_manifest(store, manifest, str(desc.get("digest")))
            return manifest
    return None


# --- OCI layout ----------------------------------------------------------------------


def _manifest_descriptors(store: Store, index: Any, where: str, strict: bool = True, depth: int = 0,
                          seen: set[str] | None = None) -> list[dict]:
    """Image-manifest descriptors reachable from ``index``, attestations and unknown/unknown skipped.

    An index reached twice (a DAG) is read once; nesting is bounded by
    ``index-depth`` and the descriptors visited by ``index-manifests``.
    """
    if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
        raise InputError(f"{store.label}: {where} has no 'manifests' list; not an OCI index")
    if depth > limits.get("index-depth"):
        raise limits.LimitExceeded("index-depth", f"{store.label}: {where}", f"indexes nested {depth} deep")
    seen = set() if seen is None else seen
    _visit(store, len(index["manifests"]), where)
    found = []
    for i, desc in enumerate(index["manifests"]):
        desc = _descriptor(store, desc, f"{where} manifests[{i}]")
        annotations = _annotations(desc)
        platform = Platform.of(desc.get("platform"))
        if annotations.get("vnd.docker.reference.type") == ATTESTATION or (platform and platform.unknown):
            continue
        media_type = desc.get("mediaType")
        digest = desc["digest"]
        name = blob_path(digest, where)
        if media_type not in INDEX_TYPES and (media_type is not None or not store.has(name)):
            found.append(desc)
            continue
        if digest in seen:
            continue  # this index was read already: what it lists is in found
        if not store.has(name):
            if strict and media_type in INDEX_TYPES:
                raise InputError(f"{store.label}: {where} points at index {digest}, which the archive does not hold")
            continue
        nested = _read_descriptor(store, desc, "index" if media_type else "manifest", where)
        if media_type is None and not (isinstance(nested, dict) and "manifests" in nested):
            found.append(desc)  # no media type and not an index: an image manifest
            continue
        seen.add(digest)
        found.extend(_manifest_descriptors(store, nested, f"index {digest}", strict, depth + 1, seen))
    return found


def _resolve_oci(store: Store, wanted: Platform | None, fmt: str) -> Resolved:
    candidates = _manifest_descriptors(store, store.read_json("index.json", "index"), "index.json")
    unique = list({str(d.get("digest")): d for d in candidates}.values())
    if not unique:
        raise InputError(f"{store.label}: index.json lists no image manifest (only attestations or nothing)")
    if len(unique) == 1 and wanted is None:
        desc = unique[0]
    else:
        desc = _pick_by_platform(store, unique, wanted or Platform.parse(DEFAULT_PLATFORM))
    manifest_name = blob_path(str(desc.get("digest")), "index.json")
    if not store.has(manifest_name):
        raise InputError(f"{store.label}: index.json points at manifest {desc.get('digest')}, which the archive does not hold")
    manifest = _read_descriptor(store, desc, "manifest", "index.json")
    _check_manifest(store, manifest, desc["digest"])
    config_desc = manifest["config"]
    config_name = blob_path(str(config_desc.get("digest")), f"manifest {desc.get('digest')}")
    if not store.has(config_name):
        raise InputError(f"{store.label}: manifest {desc.get('digest')} points at config {config_desc.get('digest')}, which the archive does not hold")
    config = _read_descriptor(store, config_desc, "image config", f"manifest {desc.get('digest')}")
    if not isinstance(config, dict):
        raise InputError(f"{store.label}: image config {config_desc.get('digest')} is not a JSON object")
    layers = _oci_layers(store, manifest, config, str(desc.get("digest")))
    return Resolved(
        format=fmt,
        config=config,
        manifest=manifest,
        layers=layers,
        platform=str(Platform.of(config) or Platform.of(desc.get("platform")) or ""),
        repo_tags=[t for t in [_annotations(desc).get("org.opencontainers.image.ref.name")] if t],
    )


def _check_manifest(store: Store, manifest: Any, digest: str) -> None:
    """An image manifest: an object with a config descriptor, a list of layers and string annotations."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("layers"), list) or not isinstance(manifest.get("config"), dict):
        raise InputError(f"{store.label}: manifest {digest} has no 'config' and 'layers'; not an image manifest")
    _descriptor(store, manifest["config"], f"manifest {digest} config")
    annotations = manifest.get("annotations")
    if annotations is not None and not (isinstance(annotations, dict) and all(isinstance(v, str) for v in annotations.values())):
        raise InputError(f"{store.label}: manifest {digest}: 'annotations' is not an object of strings; the image is damaged")


def _platform_of(store: Store, desc: dict) -> Platform | None:
    platform = Platform.of(desc.get("platform"))
    if platform is not None:
        return platform
    name = blob_path(str(desc.get("digest")), "index.json")
    if not store.has(name):
        return None
    manifest = _read_descriptor(store, desc, "manifest", "index.json")
    config_desc = manifest.get("config") if isinstance(manifest, dict) else None
    if not isinstance(config_desc, dict) or not isinstance(config_desc.get("digest"), str) or not store.has(blob_path(config_desc["digest"], "manifest")):
        return None
    return Platform.of(_read_descriptor(store, config_desc, "image config", f"manifest {desc.get('digest')}"))


def _pick_by_platform(store: Store, descs: list[dict], wanted: Platform) -> dict:
    platforms = [_platform_of(store, d) for d in descs]
    scores = [(p.matches(wanted) if p else 0) for p in platforms]
    best = max(scores)
    picked = [d for d, s in zip(descs, scores) if s == best and s]
    if not picked:
        available = ", ".join(sorted({str(p) if p else "unknown" for p in platforms}))
        raise InputError(f"{store.label}: no image manifest for platform {wanted}; available: {available}; pass --platform with one of them")
    if len(picked) > 1:
        refs = ", ".join(str(_annotations(d).get("org.opencontainers.image.ref.name") or d.get("digest")) for d in picked)
        raise InputError(f"{store.label}: index.json lists {len(picked)} images for {wanted} ({refs}); keep one image per layout")
    return picked[0]


def _oci_layers(store: Store, manifest: dict, config: dict, manifest_digest: str) -> list[LayerRef]:
    descriptors = manifest["layers"]
    diff_ids = _diff_ids(store, config, f"image config of manifest {manifest_digest}")
    if len(diff_ids) != len(descriptors):
        raise InputError(
            f"{store.label}: manifest {manifest_digest} lists {len(descriptors)} layers but the config's rootfs "
            f"lists {len(diff_ids)} diff_ids; the archive is inconsistent"
        )
    _check_layer_count(store, len(descriptors), f"manifest {manifest_digest}")
    layers = []
    for i, (desc, diff_id) in enumerate(zip(descriptors, diff_ids)):
        desc = _descriptor(store, desc, f"manifest {manifest_digest} layer {i}")
        digest = desc["digest"]
        name = blob_path(digest, f"manifest {manifest_digest} layer {i}")
        if not store.has(name):
            foreign = " (a foreign layer to download from its urls; not supported)" if desc.get("urls") else ""
            raise InputError(f"{store.label}: manifest {manifest_digest} points at layer {i} blob {digest}, which the archive does not hold{foreign}")
        size, wanted = store.size(name), _descriptor_size(desc)
        if wanted is not None and size != wanted:
            raise InputError(f"{store.label}: layer {i} blob {digest} is {size:,} bytes but the manifest says {wanted:,}; the image is damaged")
        layers.append(LayerRef(member=name, digest=digest, diff_id=diff_id, media_type=desc.get("mediaType") or "", size=size,
                               blob_digest=digest, blob_size=wanted))
    return layers
