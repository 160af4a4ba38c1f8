"""Hostile images: every input class a pull request could hand the image reader ends within 10 s and
500 MB, with exit 2 and one line naming the image and the problem (or a clean read when the input is
fine), and the other targets of the run are still checked.

Each case writes its input (tests/hostile_images.py builds tar headers byte by byte); the CLI runs
under tests/bounded.py (500 MB of address space, its peak RSS and CPU time measured), a group of
cases with one good image per run. The time bound asserted is 10 s of CPU for a whole group; the
wall clock only catches hangs (a process blocked on a FIFO burns no CPU), with room for a CI machine
shared with other jobs. The cases follow issue 8's list (PAX and GNU headers, malformed fields, gzip and
zstd bombs, outer gzip padding, FIFOs, devices and sockets, hard links, deep trees, member counts,
index DAGs, links out of a layout, digests).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from bounded import Bounded, assert_contained, run_bounded
from hostile_images import (
    END,
    blob_file,
    docker_archive,
    gzip_repeated,
    header,
    image_blobs,
    index_json,
    member,
    oci_layout,
    pax,
    pax_record,
    plain_layer,
    sha256,
    sparse_file,
    tar,
    write_layout,
    zstd_rle_bomb,
)

SECONDS = 10  # CPU seconds for a whole group of cases
HANG_SECONDS = 45  # wall clock: no exit by then is a hang, however loaded the machine
GiB = 1 << 30
FAKE_DIFF_ID = "sha256:" + "0" * 64  # never reached: the reader stops at the problem first
SECRET = "ghp_" + "S3cr3tT0kenFromOutsideTheLayout0000"


# --- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], str]  # writes the input under the folder given, returns its path relative to it
    problem: str | None  # regex the one-line error must match after the image's name; None: the image reads fine


def _layer_case(name: str, layer: bytes, problem: str | None, **kw) -> Case:
    return Case(name, lambda d: oci_layout(str(d / name), [layer], **kw) and name, problem)


def _gzip_pax_2gib(d: Path) -> str:
    size = 2 * GiB
    blob = gzip_repeated(b"x" * (16 << 20), size >> 24, head=header("PaxHeaders/big", size, b"x"), tail=member("a", b"x") + END)
    oci_layout(str(d / "pax-2gib"), [blob], diff_ids=[FAKE_DIFF_ID])
    return "pax-2gib"


def _outer_gnu_longname(d: Path) -> str:
    return os.path.basename(sparse_file(str(d / "gnu-longname.tar"), header("././@LongLink", 2 * GiB, b"L"), 2 * GiB + 4096))


def _outer_pax_zero(d: Path) -> str:
    (d / "outer-pax-zero.tar").write_bytes(tar(pax(b"0 path=x\n"), member("manifest.json", b"[]")))
    return "outer-pax-zero.tar"


def _outer_gzip_pad(d: Path) -> str:
    """A gzip-compressed docker-archive followed by 2 GiB of zeros; its tar has no end blocks, so reading runs to the pad."""
    import gzip

    raw = (d / "pad-src.tar")
    docker_archive(str(raw), [plain_layer()])
    data = raw.read_bytes()
    body = data[: len(data) - 1024].rstrip(b"\0")
    body += bytes(-len(body) % 512)
    raw.unlink()
    return os.path.basename(sparse_file(str(d / "outer-gzip-pad.tar.gz"), gzip.compress(body), 2 * GiB))


def _outer_many_members(d: Path) -> str:
    one = member("filler", b"")
    (d / "many-members.tar").write_bytes(one * 60_000 + END)
    return "many-members.tar"


def _outer_gzip_bomb(d: Path) -> str:
    size = 8 * GiB
    (d / "outer-bomb.tar.gz").write_bytes(gzip_repeated(bytes(16 << 20), size >> 24, head=header("filler", size)))
    return "outer-bomb.tar.gz"


def _gzip_bomb(d: Path) -> str:
    size = 8 * GiB
    blob = gzip_repeated(bytes(16 << 20), size >> 24, head=header("zeros", size), tail=END)
    oci_layout(str(d / "gzip-bomb"), [blob], diff_ids=[FAKE_DIFF_ID])
    return "gzip-bomb"


def _zstd_bomb(d: Path) -> str:
    blob = zstd_rle_bomb(8 * GiB)
    oci_layout(str(d / "zstd-bomb"), [blob], diff_ids=[FAKE_DIFF_ID], media_type="application/vnd.oci.image.layer.v1.tar+zstd")
    return "zstd-bomb"


def _bombs_across_layers(d: Path) -> str:
    """Six layers each inflating 64 MiB of zeros: each is under the per-layer floor, together they pass the image's."""
    layers = [gzip_repeated(bytes(4 << 20), 16, head=header(f"zeros{i}", 64 << 20), tail=END) for i in range(6)]
    diff_ids = []
    for i in range(4):  # the first four are read whole: their diff_ids must be right
        h = hashlib.sha256(header(f"zeros{i}", 64 << 20))
        h.update(bytes(64 << 20))
        h.update(END)
        diff_ids.append("sha256:" + h.hexdigest())
    oci_layout(str(d / "bombs-across-layers"), layers, diff_ids=diff_ids + [FAKE_DIFF_ID] * 2)
    return "bombs-across-layers"


def _layout_with_blob(d: Path, name: str, which: str, replace: Callable[[str], None]) -> str:
    """A good layout whose ``which`` blob (layer, config, manifest) is replaced by ``replace(path)``."""
    layer = plain_layer()
    oci_layout(str(d / name), [layer])
    _, manifest = image_blobs([layer])
    doc = json.loads(manifest)
    digest = {"layer": doc["layers"][0]["digest"], "config": doc["config"]["digest"], "manifest": sha256(manifest)}[which]
    path = blob_file(str(d / name), digest)
    os.remove(path)
    replace(path)
    return name


def _same_size_edit(path: str) -> None:
    """The config blob with one value changed and its size kept: only the digest tells."""
    _, manifest = image_blobs([plain_layer()])
    original = next(data for digest, data in image_blobs([plain_layer()])[0].items() if digest == json.loads(manifest)["config"]["digest"])
    Path(path).write_bytes(original.replace(b'"amd64"', b'"arm64"'))


def _fifo_image(d: Path) -> str:
    os.mkfifo(d / "fifo.tar")
    return "fifo.tar"


def _socket(path: str) -> None:
    short = f"/tmp/imagepolicy-test-{os.getpid()}.sock"  # AF_UNIX paths are short: bind here, then move it
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(short)
    sock.close()  # the socket file stays
    os.rename(short, path)


def _char_device(path: str) -> None:
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
    except PermissionError:
        os.symlink("/dev/zero", path)  # not root: the link to a device is refused all the same


def _outside_secret(d: Path) -> Callable[[str], None]:
    secret = d / "outside-secret.json"
    secret.write_text(json.dumps({"token": SECRET}))
    return lambda path: os.symlink(str(secret), path)


def _blobs_folder_link(d: Path) -> str:
    """``blobs/sha256`` itself is a link to a folder outside the layout holding the right names."""
    layer = plain_layer()
    oci_layout(str(d / "blobs-folder-link"), [layer])
    outside = d / "outside-blobs"
    os.rename(d / "blobs-folder-link" / "blobs" / "sha256", outside)
    os.symlink(str(outside), d / "blobs-folder-link" / "blobs" / "sha256")
    return "blobs-folder-link"


def _hardlinks(d: Path) -> str:
    """A 1 MiB .env file and 20,000 hard links to it: 20 GB for whoever reads every file."""
    body = (b"API_URL=https://example.com/v1\n" * 40000)[: 1 << 20]
    parts = [member("app/config.env", body)] + [header(f"app/l{i}.env", 0, b"1", linkname="app/config.env") for i in range(20_000)]
    oci_layout(str(d / "hardlinks"), [tar(*parts)])
    return "hardlinks"


def _deep_path(d: Path) -> str:
    path = "/".join(["d"] * 1500) + "/f"
    oci_layout(str(d / "deep-path"), [tar(pax(pax_record("path", path)), member("f", b"x"))])
    return "deep-path"


def _too_long_path(d: Path) -> str:
    path = "/".join(["d"] * 5000) + "/f"
    oci_layout(str(d / "too-long-path"), [tar(pax(pax_record("path", path)), member("f", b"x"))])
    return "too-long-path"


def _deep_whiteout(d: Path) -> str:
    """A 10,000-deep folder chain, then a whiteout of its top in the next layer."""
    path = "/".join(["a"] * 10_000) + "/f"
    oci_layout(str(d / "deep-whiteout"), [tar(pax(pax_record("path", path)), member("f", b"x")), tar(member(".wh.a", b""))])
    return "deep-whiteout"


def _many_entries(d: Path) -> str:
    one = header("etc/same", 0)
    blob = gzip_repeated(one * 10_000, 60, tail=END)  # 600,000 members
    oci_layout(str(d / "many-entries"), [blob], diff_ids=[FAKE_DIFF_ID])
    return "many-entries"


def _index_dag(d: Path) -> str:
    """Eight levels of indexes, each listing the one below 64 times: 64^8 paths to one manifest."""
    blobs, manifest = image_blobs([plain_layer()])
    level = index_json([manifest] * 64)
    blobs[sha256(level)] = level
    for _ in range(7):
        level = index_json([{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha256(level), "size": len(level)}] * 64)
        blobs[sha256(level)] = level
    write_layout(str(d / "index-dag"), blobs, level)
    return "index-dag"


def _index_nesting(d: Path) -> str:
    blobs, manifest = image_blobs([plain_layer()])
    level = index_json([manifest])
    for _ in range(20):
        blobs[sha256(level)] = level
        level = index_json([{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": sha256(level), "size": len(level)}])
    write_layout(str(d / "index-nesting"), blobs, level)
    return "index-nesting"


def _index_fanout(d: Path) -> str:
    """20,000 distinct manifest descriptors in index.json."""
    blobs, _ = image_blobs([plain_layer()])
    descs = [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": f"sha256:{i:064x}", "size": 1,
              "platform": {"os": "linux", "architecture": f"arch{i}"}} for i in range(20_000)]
    write_layout(str(d / "index-fanout"), blobs, index_json(descs))
    return "index-fanout"


def _json_nesting(d: Path) -> str:
    layer = plain_layer()
    name = _layout_with_blob(d, "json-nesting", "config", lambda path: None)
    _, manifest = image_blobs([layer])
    deep = b"[" * 100_000 + b"]" * 100_000
    doc = json.loads(manifest)
    doc["config"].update(digest=sha256(deep), size=len(deep))
    new_manifest = json.dumps(doc).encode()
    blobs = {sha256(deep): deep, sha256(new_manifest): new_manifest, sha256(layer): layer}
    write_layout(str(d / name), blobs, index_json([new_manifest]))
    return name


def _docker_diff_id_mismatch(d: Path) -> str:
    """A docker-archive (no descriptors: only the config's diff_id vouches for the layer) whose layer was swapped."""
    import tarfile

    good = d / "diff-id-src.tar"
    docker_archive(str(good), [plain_layer()])
    out = d / "diff-id-mismatch.tar"
    with tarfile.open(good) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()  # type: ignore[union-attr]
            if info.name.endswith(".tar"):
                data = plain_layer({"etc/os-release": b"ID=swapped\n"})
                info.size = len(data)
            dst.addfile(info, __import__("io").BytesIO(data))
    good.unlink()
    return "diff-id-mismatch.tar"


TAR_HEADERS = [
    _layer_case("pax-zero-length", tar(pax(b"0 path=x\n"), member("a", b"x")), r"corrupt PAX header at byte 0 \(record at offset 0 has the impossible length 0\)"),
    _layer_case("pax-negative-length", tar(pax(b"-18 path=x\n"), member("a", b"x")), r"corrupt PAX header at byte 0 \(record at offset 0 has no length\)"),
    _layer_case("pax-overlong-record", tar(pax(b"900 path=x\n"), member("a", b"x")), r"corrupt PAX header .*impossible length 900"),
    Case("pax-2gib", _gzip_pax_2gib, r"exceeds the limit tar-header-bytes=1048576 bytes \(a PAX extended header of 2,147,483,648 bytes\)"),
    _layer_case("pax-uid-not-a-number", tar(pax(pax_record("uid", "abc")), member("a", b"x")), r"corrupt PAX header at byte 0 \(uid='abc' is not a number\)"),
    _layer_case("pax-mtime-infinite", tar(pax(pax_record("mtime", "1e999")), member("a", b"x")), r"mtime='1e999' is not a number"),
    _layer_case("pax-size-not-a-number", tar(pax(pax_record("size", "zz")), member("a", b"x")), r"size='zz' is not a number"),
    _layer_case("mode-not-octal", tar(member("a", b"x", fields={"mode": b"9x9\0"})), r"corrupt tar header at byte 0 \(the mode field '9x9' is not an octal number\)"),
    _layer_case("size-negative-base256", tar(header("a", fields={"size": b"\xff" * 12})), r"corrupt tar header at byte 0 \(negative size\)"),
    _layer_case("extended-headers-only", tar(*[pax(pax_record("comment", "x"))] * 40, member("a", b"x")), r"more than 16 extended headers in a row"),
    Case("too-long-path", _too_long_path, r"exceeds the limit tar-path-bytes=4096 bytes \(a path of 10,001 bytes\)"),
    Case("gnu-longname.tar", _outer_gnu_longname, r"exceeds the limit tar-header-bytes=1048576 bytes \(a GNU long name record of 2,147,483,648 bytes\)"),
    Case("outer-pax-zero.tar", _outer_pax_zero, r"damaged archive \(corrupt PAX header at byte 0 \(record at offset 0 has the impossible length 0\)\)"),
    Case("many-members.tar", _outer_many_members, r"exceeds the limit archive-members=50000 members \(more than 50,000 members\)"),
]
COMPRESSION = [
    Case("outer-gzip-pad.tar.gz", _outer_gzip_pad, None),
    Case("outer-bomb.tar.gz", _outer_gzip_bomb, r"exceeds the limit inflate-ratio=100 times the compressed size"),
    Case("gzip-bomb", _gzip_bomb, r"layer 0 .*exceeds the limit inflate-ratio=100 times the compressed size \([0-9,]+ bytes inflated from [0-9,]+ compressed bytes\)"),
    Case("zstd-bomb", _zstd_bomb, r"layer 0 .*exceeds the limit inflate-ratio=100 times the compressed size"),
    Case("bombs-across-layers", _bombs_across_layers, r"layer 4 .*exceeds the limit inflate-ratio=100 times the compressed size"),
]
FILES = [
    Case("fifo.tar", _fifo_image, r"(is a FIFO \(named pipe\), not an image archive file|the image is not a regular file or folder \(a FIFO)"),
    Case("fifo-blob", lambda d: _layout_with_blob(d, "fifo-blob", "layer", os.mkfifo), r"'blobs/sha256/[0-9a-f]{64}' is a FIFO \(named pipe\), not a regular file"),
    Case("fifo-manifest", lambda d: _layout_with_blob(d, "fifo-manifest", "manifest", os.mkfifo), r"is a FIFO \(named pipe\), not a regular file"),
    Case("socket-blob", lambda d: _layout_with_blob(d, "socket-blob", "layer", _socket), r"is a socket, not a regular file"),
    Case("device-blob", lambda d: _layout_with_blob(d, "device-blob", "layer", _char_device), r"is (a character device, not a regular file|a symbolic link)"),
    Case("dev-zero-link", lambda d: _layout_with_blob(d, "dev-zero-link", "layer", lambda p: os.symlink("/dev/zero", p)), r"is a symbolic link; an OCI layout's blobs must be regular files"),
    Case("link-out", lambda d: _layout_with_blob(d, "link-out", "config", _outside_secret(d)), r"is a symbolic link; an OCI layout's blobs must be regular files"),
    Case("blobs-folder-link", _blobs_folder_link, r"'blobs' .*is a symbolic link|'blobs/sha256' is a symbolic link"),
]
TREES = [
    Case("hardlinks", _hardlinks, None),
    Case("deep-path", _deep_path, None),
    Case("many-entries", _many_entries, r"exceeds the limit image-entries=500000 entries \(more than 500,000 entries\)"),
]
INDEXES = [
    Case("index-dag", _index_dag, None),
    Case("index-nesting", _index_nesting, r"exceeds the limit index-depth=8 levels \(indexes nested 9 deep\)"),
    Case("index-fanout", _index_fanout, r"index.json: exceeds the limit index-manifests=10000 descriptors \(20,000 descriptors so far\)"),
    Case("json-nesting", _json_nesting, r"image config 'blobs/sha256/[0-9a-f]{64}' nests JSON arrays or objects too deeply to read"),
]
DIGESTS = [
    Case("layer-swapped", lambda d: _layout_with_blob(d, "layer-swapped", "layer", lambda p: Path(p).write_bytes(plain_layer({"etc/shadow": b"root::0:"}))),
         r"layer 0 \(sha256:[0-9a-f]{64}, 'blobs/sha256/[0-9a-f]{64}'\): the layer blob does not match its digest sha256:[0-9a-f]{64}"),
    Case("config-swapped", lambda d: _layout_with_blob(d, "config-swapped", "config", _same_size_edit),
         r"image config 'blobs/sha256/[0-9a-f]{64}': the content does not match its digest"),
    Case("manifest-swapped", lambda d: _layout_with_blob(d, "manifest-swapped", "manifest", lambda p: Path(p).write_text('{"layers": []}')),
         r"is 14 bytes but its descriptor says [0-9,]+; the image is damaged"),
    Case("diff-id-mismatch.tar", _docker_diff_id_mismatch, r"layer 0 .*: the uncompressed layer \(its diff_id\) does not match its digest sha256:[0-9a-f]{64}"),
]
GROUPS = {"tar-headers": TAR_HEADERS, "compression": COMPRESSION, "files": FILES, "trees": TREES, "indexes": INDEXES, "digests": DIGESTS}


@pytest.fixture(scope="module")
def group_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Bounded, dict[str, str]]]:
    """One bounded CLI run per group: its cases' images and one good image, JSON report on stdout."""
    runs = {}
    for group, cases in GROUPS.items():
        folder = tmp_path_factory.mktemp(group)
        oci_layout(str(folder / "good"), [plain_layer({"etc/os-release": b"ID=good\n"})])
        names = {case.name: case.make(folder) for case in cases}
        argv = ["check", "--no-config", "--format", "json"] + [a for name in names.values() for a in ("--image", name)] + ["--image", "good"]
        runs[group] = (run_bounded(argv, cwd=folder, timeout=HANG_SECONDS), names)
    return runs


def _case_ids() -> list[tuple[str, Case]]:
    return [(group, case) for group, cases in GROUPS.items() for case in cases]


@pytest.mark.parametrize("group, case", _case_ids(), ids=[case.name for _, case in _case_ids()])
def test_each_hostile_input_ends_bounded_with_one_line_naming_the_image(group_runs, group: str, case: Case) -> None:
    run, names = group_runs[group]
    assert_contained(run, secret=SECRET, exit_codes=(1, 2), max_stderr_lines=len(names))
    assert run.cpu < SECONDS, f"{group}: {run.cpu:.1f} s of CPU\n{run.describe()}"
    report = json.loads(run.stdout)
    target = names[case.name]
    errors = [e["message"] for e in report["errors"] if e["target"] == target]
    if case.problem is None:
        assert errors == [], errors
        assert run.returncode in (1, 2)  # 2: the group's other cases
    else:
        assert run.returncode == 2
        assert len(errors) == 1, report["errors"]
        message = errors[0]
        assert "\n" not in message and message.startswith(target + ":"), message
        assert re.search(case.problem, message), message
    assert any(f["file"] == "good" for f in report["findings"]), "the good image of the run was still checked"


def test_a_10000_deep_whiteout_tree_reads_without_recursion_when_paths_may_be_that_long(tmp_path) -> None:
    """Paths longer than PATH_MAX are refused by default (tar-path-bytes); raised, a 10,000-deep tree and its
    whiteout read and every rule runs over it without a RecursionError."""
    name = _deep_whiteout(tmp_path)
    run = run_bounded(["check", "--no-config", "--format", "json", "--limit", "tar-path-bytes=30000", "--image", name], cwd=tmp_path, timeout=HANG_SECONDS)
    assert_contained(run, exit_codes=(0, 1))
    assert run.cpu < SECONDS and json.loads(run.stdout)["errors"] == [], run.describe()
    default = run_bounded(["check", "--no-config", "--format", "json", "--image", name], cwd=tmp_path, timeout=HANG_SECONDS)
    assert_contained(default, exit_codes=(2,))
    assert "exceeds the limit tar-path-bytes=4096" in json.loads(default.stdout)["errors"][0]["message"]


def test_the_hardlinked_file_is_read_once(tmp_path) -> None:
    """20,000 hard links to one 1 MiB file: the reader shares one copy of its bytes among them."""
    from imagepolicy.image import open_image

    image = open_image(tmp_path / _hardlinks(tmp_path))
    links = [e for p, e in image.files.items() if p.startswith("/app/l")]
    contents = image.read_entries(links[:2000] + [image.files["/app/config.env"]])
    assert len({id(c) for c in contents}) == 1 and len(contents[0]) == 1 << 20
