"""Fuzzing the image reader with Hypothesis (bounded, deterministic, runs in CI).

Whatever the bytes, reading an image ends with an Image or an InputError: never another exception
(no ValueError, OverflowError, RecursionError, KeyError, TypeError), never a hang, and memory stays
bounded. Three surfaces:

1. the layer tar reader, on valid tars whose header fields and PAX records are mutated (checksums
   fixed up, so the mutation reaches the parser instead of stopping at the checksum) and on raw bytes;
2. image archives (docker-archive, oci-archive, plain or gzip) made of such layers and of mutated
   archive bytes;
3. OCI layout and docker-archive documents (index, manifest, config, manifest.json) of any JSON
   shape, each referenced by its right digest so the documents themselves are what is fuzzed.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import resource
import shutil
import tempfile

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is a test extra")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hostile_images import END, archive, header, member, pax, pax_record, sha256, write_layout  # noqa: E402
from imagepolicy import limits  # noqa: E402
from imagepolicy.image import open_image  # noqa: E402
from imagepolicy.image.merge import scan_layer  # noqa: E402
from imagepolicy.model import InputError  # noqa: E402

# CI runs a fixed, derandomized sample; IMAGEPOLICY_FUZZ_EXAMPLES=5000 IMAGEPOLICY_FUZZ_RANDOM=1 explores further.
EXAMPLES = int(os.environ.get("IMAGEPOLICY_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("IMAGEPOLICY_FUZZ_RANDOM"),
                suppress_health_check=list(HealthCheck), database=None)
MEMORY_GROWTH_MB = 500
_START_RSS = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

# Header fields by offset and width, and values that have broken tar readers.
FIELDS = {"name": (0, 100), "mode": (100, 8), "uid": (108, 8), "gid": (116, 8), "size": (124, 12), "mtime": (136, 12),
          "typeflag": (156, 1), "linkname": (157, 100), "magic": (257, 6), "prefix": (345, 155)}
NASTY = [b"", b"0", b"-1", b"+7", b"1_0", b" 7 7", b"9", b"\xff" * 12, b"\x80" + b"\xff" * 11, b"77777777777\0", b"1e999",
         b"nan", b"\0", b" ", b"x", b"0000644\0", b"ustar\0", b"ustar ", b"../../etc/passwd", b"/" * 99, b".wh.", b".wh..wh..opq",
         b"a/.wh.b", b"0", b"1", b"2", b"5", b"x", b"g", b"L", b"K", b"S", b"7"]
PAX_KEYS = ["path", "linkpath", "size", "uid", "gid", "mtime", "comment", "GNU.sparse.name", "hdrcharset", ""]
PAX_VALUES = st.one_of(st.sampled_from(["", "0", "-1", "1e999", "nan", "99999999999999999999999", "1.5", "-1.5", "..", "/",
                                        ".wh..wh..opq", "a" * 300, "\u00e9", "x\ny"]), st.text(max_size=20))


def _fix_checksum(data: bytearray, at: int) -> None:
    """Make the header at ``at`` pass its checksum again, so a mutation reaches the parser."""
    if len(data) >= at + 512:
        data[at + 148 : at + 156] = b" " * 8
        data[at + 148 : at + 156] = b"%06o\0 " % sum(data[at : at + 512])


def _base_layer() -> bytes:
    return (pax(pax_record("path", "opt/" + "long/" * 30 + "f")) + member("f", b"data")
            + member("etc/", flag=b"5") + member("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
            + header("bin/sh", 0, b"2", linkname="/bin/busybox") + header("bin/ln", 0, b"1", linkname="etc/passwd")
            + member("app/.wh.gone") + END)


@st.composite
def mutated_layer(draw) -> bytes:
    data = bytearray(_base_layer())
    blocks = len(data) // 512
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["field", "field", "pax", "bytes", "cut"]))
        at = draw(st.integers(0, blocks - 1)) * 512
        if kind == "field":
            offset, width = FIELDS[draw(st.sampled_from(sorted(FIELDS)))]
            value = draw(st.one_of(st.sampled_from(NASTY), st.binary(max_size=width)))
            data[at + offset : at + offset + width] = value[:width].ljust(width, b"\0")
            _fix_checksum(data, at)
        elif kind == "pax":
            record = st.one_of(st.builds(pax_record, st.sampled_from(PAX_KEYS), PAX_VALUES),
                               st.sampled_from([b"0 path=x\n", b"-5 a=b\n", b"999 path=x\n", b"3 =\n", b"6 path\n", b"x\n"]))
            records = b"".join(draw(st.lists(record, min_size=1, max_size=3)))
            flag = draw(st.sampled_from([b"x", b"g", b"L", b"K"]))
            data[at:at] = pax(records, flag)
        elif kind == "bytes":
            chunk = draw(st.binary(min_size=1, max_size=16))
            pos = at + draw(st.integers(0, 511))
            data[pos : pos + len(chunk)] = chunk
        else:
            del data[draw(st.integers(0, len(data))):]
    return bytes(data)


def _bounded_memory() -> None:
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - _START_RSS) / 1024
    assert grown < MEMORY_GROWTH_MB, f"peak RSS grew by {grown:.0f} MB while fuzzing"


@given(st.one_of(mutated_layer(), st.binary(max_size=3000)), st.sampled_from(["none", "gzip"]))
@FUZZ
def test_a_layer_stream_is_read_or_refused_with_an_input_error(layer: bytes, compression: str) -> None:
    from imagepolicy.image.blobs import decompressed

    blob = gzip.compress(layer, mtime=0) if compression == "gzip" else layer
    try:
        _, stream = decompressed(io.BytesIO(blob), lambda problem: InputError(problem), where="layer")
        changes = scan_layer(stream, 0, "layer")
        changes.tree.apply(0, changes)  # merging what was read must not fail either
        assert len(changes.tree.files) == sum(1 for _ in changes.tree.files.items())
    except InputError:
        pass
    _bounded_memory()


def _layout(folder: str, config: object, manifest_of: object, index_of: object, layers: list[bytes]) -> str:
    """A layout whose documents are the given JSON values, each referenced by its right digest."""
    blobs = {sha256(layer): layer for layer in layers}
    config_bytes = json.dumps(config).encode()
    blobs[sha256(config_bytes)] = config_bytes
    manifest = manifest_of(config_bytes, blobs) if callable(manifest_of) else manifest_of
    manifest_bytes = json.dumps(manifest).encode()
    blobs[sha256(manifest_bytes)] = manifest_bytes
    index = index_of(manifest_bytes, blobs) if callable(index_of) else index_of
    return write_layout(folder, blobs, json.dumps(index).encode())


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
digest_value = st.one_of(json_value, st.sampled_from(["sha256:" + "0" * 64, "sha256:xyz", "md5:abc", "sha512:" + "a" * 128, "", "sha256:"]))


def _fields(draw, keys: dict[str, object]) -> dict:
    """A dict with some of ``keys`` (their right values) and some replaced by fuzz."""
    out = {}
    for key, right in keys.items():
        choice = draw(st.sampled_from(["right", "right", "fuzz", "absent"]))
        if choice == "right":
            out[key] = right
        elif choice == "fuzz":
            out[key] = draw(json_value)
    return out


@st.composite
def layout_documents(draw):
    layer = draw(st.one_of(st.just(_base_layer()), mutated_layer()))
    diff_id = sha256(layer)
    runtime = _fields(draw, {"User": "app", "Env": ["A=1"], "Cmd": ["sh"], "Labels": {"a": "b"}, "ExposedPorts": {"80/tcp": {}}})
    config = _fields(draw, {"architecture": "amd64", "os": "linux", "config": runtime,
                            "rootfs": {"type": "layers", "diff_ids": draw(st.sampled_from([[diff_id], [], [diff_id, diff_id]]))},
                            "history": [{"created_by": "x"}]})
    layer_desc = _fields(draw, {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": diff_id, "size": len(layer)})
    if draw(st.booleans()):
        layer_desc["digest"] = draw(digest_value)

    def manifest_of(config_bytes: bytes, blobs: dict) -> object:
        return _fields(draw, {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                              "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config_bytes), "size": len(config_bytes)},
                              "layers": [layer_desc] * draw(st.integers(0, 3))})

    def index_of(manifest_bytes: bytes, blobs: dict) -> object:
        desc = _fields(draw, {"mediaType": draw(st.sampled_from(["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json", None])),
                              "digest": sha256(manifest_bytes), "size": len(manifest_bytes),
                              "platform": draw(st.one_of(json_value, st.just({"os": "linux", "architecture": "amd64"}))),
                              "annotations": draw(st.one_of(json_value, st.just({"vnd.docker.reference.type": "attestation-manifest"})))})
        nested = {"schemaVersion": 2, "manifests": [desc] * draw(st.integers(1, 3))}
        if draw(st.booleans()):  # an index in between
            nested_bytes = json.dumps(nested).encode()
            blobs[sha256(nested_bytes)] = nested_bytes
            return {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha256(nested_bytes), "size": len(nested_bytes)}]}
        return nested if draw(st.booleans()) else draw(json_value)

    return config, manifest_of, index_of, [layer]


@given(layout_documents(), st.sampled_from([None, "linux/amd64", "linux/arm64"]))
@FUZZ
def test_any_oci_layout_document_is_read_or_refused_with_an_input_error(docs, platform) -> None:
    folder = tempfile.mkdtemp(prefix="imagepolicy-fuzz-")
    try:
        _layout(os.path.join(folder, "layout"), *docs)
        try:
            image = open_image(os.path.join(folder, "layout"), platform=platform)
            image.read_many(["/etc/passwd", "/f", "/bin/ln"])
        except InputError:
            pass
    finally:
        shutil.rmtree(folder)
    _bounded_memory()


@st.composite
def docker_archive_members(draw) -> dict[str, bytes]:
    layer = draw(st.one_of(st.just(_base_layer()), mutated_layer()))
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]}}).encode()
    config_name = sha256(config).split(":")[1] + ".json"
    entry = _fields(draw, {"Config": config_name, "RepoTags": ["a:1"], "Layers": ["layer.tar"],
                           "LayerSources": {sha256(layer): {"mediaType": "x", "size": len(layer), "digest": sha256(layer)}}})
    manifest = draw(st.sampled_from([[entry], [entry, entry], entry]))
    if draw(st.booleans()):
        manifest = draw(json_value)
    return {"manifest.json": json.dumps(manifest).encode(), config_name: config, "layer.tar": layer}


@given(docker_archive_members(), st.sampled_from(["tar", "gzip", "mutated"]), st.data())
@FUZZ
def test_any_docker_archive_is_read_or_refused_with_an_input_error(members, shape, data) -> None:
    folder = tempfile.mkdtemp(prefix="imagepolicy-fuzz-")
    try:
        path = archive(os.path.join(folder, "image.tar"), members)
        if shape == "gzip":
            with open(path, "rb") as fh:
                packed = gzip.compress(fh.read(), mtime=0)
            with open(path, "wb") as fh:
                fh.write(packed)
        elif shape == "mutated":
            with open(path, "r+b") as fh:
                raw = bytearray(fh.read())
                at = data.draw(st.integers(0, len(raw) // 512 - 1)) * 512
                offset, width = FIELDS[data.draw(st.sampled_from(sorted(FIELDS)))]
                raw[at + offset : at + offset + width] = data.draw(st.sampled_from(NASTY))[:width].ljust(width, b"\0")
                _fix_checksum(raw, at)
                fh.seek(0)
                fh.write(raw)
        try:
            with limits.override(archive_members=64):
                open_image(path).read_many(["/etc/passwd", "/f"])
        except InputError:
            pass
    finally:
        shutil.rmtree(folder)
    _bounded_memory()
