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

from imagepolicy.model import InputError

from .blobs import Store, blob_path

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
    """Where one layer's blob is and what the manifest says about it."""

    member: str
    digest: str
    diff_id: str
    media_type: str
    size: int


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
        raise InputError(f"{store.label}: manifest.json is not a non-empty list of images; the archive is damaged")
    for i, entry in enumerate(entries):
        if not isinstance(entry.get("Config"), str) or not isinstance(entry.get("Layers"), list):
            raise InputError(f"{store.label}: manifest.json entry {i} lacks 'Config' or 'Layers'; the archive is damaged")
    configs = [_read_config(store, e["Config"]) for e in entries] if len(entries) > 1 or wanted else None
    index = _pick_docker_entry(store, entries, configs, wanted)
    entry = entries[index]
    config = configs[index] if configs else _read_config(store, entry["Config"])
    oci_manifest = _find_oci_manifest(store, entry["Config"]) if store.has("index.json") else None
    layers = _docker_layers(store, entry, config, oci_manifest)
    return Resolved(
        format=fmt,
        config=config,
        manifest=oci_manifest or entry,
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
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    if len(diff_ids) != len(names):
        raise InputError(
            f"{store.label}: manifest.json lists {len(names)} layers but the config's rootfs lists "
            f"{len(diff_ids)} diff_ids; the archive is inconsistent"
        )
    descriptors = (oci_manifest or {}).get("layers") or []
    sources = entry.get("LayerSources") or {}
    layers = []
    for i, (name, diff_id) in enumerate(zip(names, diff_ids)):
        if not isinstance(name, str) or not store.has(name):
            raise InputError(f"{store.label}: manifest.json points at layer {i} '{name}', which the archive does not hold")
        desc = descriptors[i] if len(descriptors) == len(names) else sources.get(diff_id) or {}
        layers.append(
            LayerRef(
                member=name,
                digest=str(desc.get("digest") or _digest_from_name(name) or diff_id),
                diff_id=str(diff_id),
                media_type=str(desc.get("mediaType") or ""),
                size=store.size(name),
            )
        )
    return layers


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
        manifest = store.read_json(name, "manifest")
        if isinstance(manifest, dict) and (manifest.get("config") or {}).get("digest") == digest:
            return manifest
    return None


# --- OCI layout ----------------------------------------------------------------------


def _manifest_descriptors(store: Store, index: Any, where: str, strict: bool = True, depth: int = 0) -> list[dict]:
    """Image-manifest descriptors reachable from ``index``, attestations and unknown/unknown skipped."""
    if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
        raise InputError(f"{store.label}: {where} has no 'manifests' list; not an OCI index")
    if depth > 8:
        raise InputError(f"{store.label}: {where}: indexes nested more than 8 deep")
    found = []
    for desc in index["manifests"]:
        if not isinstance(desc, dict):
            continue
        annotations = desc.get("annotations") or {}
        platform = Platform.of(desc.get("platform"))
        if annotations.get("vnd.docker.reference.type") == ATTESTATION or (platform and platform.unknown):
            continue
        media_type = desc.get("mediaType")
        name = blob_path(str(desc.get("digest")), where)
        if media_type in INDEX_TYPES or (media_type is None and store.has(name) and _is_index(store, name)):
            if not store.has(name):
                if strict:
                    raise InputError(f"{store.label}: {where} points at index {desc.get('digest')}, which the archive does not hold")
                continue
            nested = store.read_json(name, "index")
            found.extend(_manifest_descriptors(store, nested, f"index {desc.get('digest')}", strict, depth + 1))
        else:
            found.append(desc)
    return found


def _is_index(store: Store, name: str) -> bool:
    doc = store.read_json(name, "manifest")
    return isinstance(doc, dict) and "manifests" in doc


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
    manifest = store.read_json(manifest_name, "manifest")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("layers"), list) or not isinstance(manifest.get("config"), dict):
        raise InputError(f"{store.label}: manifest {desc.get('digest')} has no 'config' and 'layers'; not an image manifest")
    config_desc = manifest["config"]
    config_name = blob_path(str(config_desc.get("digest")), f"manifest {desc.get('digest')}")
    if not store.has(config_name):
        raise InputError(f"{store.label}: manifest {desc.get('digest')} points at config {config_desc.get('digest')}, which the archive does not hold")
    config = store.read_json(config_name, "image config")
    if not isinstance(config, dict):
        raise InputError(f"{store.label}: image config {config_desc.get('digest')} is not a JSON object")
    layers = _oci_layers(store, manifest, config, str(desc.get("digest")))
    return Resolved(
        format=fmt,
        config=config,
        manifest=manifest,
        layers=layers,
        platform=str(Platform.of(config) or Platform.of(desc.get("platform")) or ""),
        repo_tags=[str(t) for t in [(desc.get("annotations") or {}).get("org.opencontainers.image.ref.name")] if t],
    )


def _platform_of(store: Store, desc: dict) -> Platform | None:
    platform = Platform.of(desc.get("platform"))
    if platform is not None:
        return platform
    name = blob_path(str(desc.get("digest")), "index.json")
    if not store.has(name):
        return None
    manifest = store.read_json(name, "manifest")
    config_digest = ((manifest or {}).get("config") or {}).get("digest") if isinstance(manifest, dict) else None
    if not config_digest or not store.has(blob_path(str(config_digest), "manifest")):
        return None
    return Platform.of(store.read_json(blob_path(str(config_digest), "manifest"), "image config"))


def _pick_by_platform(store: Store, descs: list[dict], wanted: Platform) -> dict:
    platforms = [_platform_of(store, d) for d in descs]
    scores = [(p.matches(wanted) if p else 0) for p in platforms]
    best = max(scores)
    picked = [d for d, s in zip(descs, scores) if s == best and s]
    if not picked:
        available = ", ".join(sorted({str(p) if p else "unknown" for p in platforms}))
        raise InputError(f"{store.label}: no image manifest for platform {wanted}; available: {available}; pass --platform with one of them")
    if len(picked) > 1:
        refs = ", ".join(str((d.get("annotations") or {}).get("org.opencontainers.image.ref.name") or d.get("digest")) for d in picked)
        raise InputError(f"{store.label}: index.json lists {len(picked)} images for {wanted} ({refs}); keep one image per layout")
    return picked[0]


def _oci_layers(store: Store, manifest: dict, config: dict, manifest_digest: str) -> list[LayerRef]:
    descriptors = manifest["layers"]
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    if len(diff_ids) != len(descriptors):
        raise InputError(
            f"{store.label}: manifest {manifest_digest} lists {len(descriptors)} layers but the config's rootfs "
            f"lists {len(diff_ids)} diff_ids; the archive is inconsistent"
        )
    layers = []
    for i, (desc, diff_id) in enumerate(zip(descriptors, diff_ids)):
        digest = str((desc or {}).get("digest"))
        name = blob_path(digest, f"manifest {manifest_digest} layer {i}")
        if not store.has(name):
            foreign = " (a foreign layer to download from its urls; not supported)" if desc.get("urls") else ""
            raise InputError(f"{store.label}: manifest {manifest_digest} points at layer {i} blob {digest}, which the archive does not hold{foreign}")
        layers.append(LayerRef(member=name, digest=digest, diff_id=str(diff_id), media_type=str(desc.get("mediaType") or ""), size=store.size(name)))
    return layers
