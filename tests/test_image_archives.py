"""The static image reader on synthesized archives of every shape, and on real skopeo/umoci output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile

import pytest

from image_synth import (
    DIR,
    OPAQUE,
    SHAPES,
    WHITEOUT,
    Device,
    Dir,
    File,
    Hardlink,
    ImageSpec,
    Layer,
    Symlink,
    build,
    emit,
    layer_tar,
    oci_multi,
    write_shape,
)
from hostile_images import oci_layout
from imagepolicy.image import FileEntry, HistoryEntry, Image, open_image
from imagepolicy.model import InputError

TOOL = b"#!/bin/sh\necho tool\n"
KEY = b"-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key\n"


def sample_layers(compressions: tuple[str, str, str] = ("gzip", "zstd", "none")) -> list[Layer]:
    base = {
        "/etc/": DIR,
        "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        "/etc/shadow": File(b"root:*:19000:0:::::\n", mode=0o640, gid=42),
        "/bin/": DIR,
        "/bin/sh": File(b"\x7fELF sh", mode=0o755),
        "/usr/bin/passwd": File(b"\x7fELF passwd", mode=0o4755),
        "/usr/bin/wall": File(b"\x7fELF wall", mode=0o2755, gid=5),
        "/usr/bin/python3.11": File(b"\x7fELF python", mode=0o755),
        "/etc/alternatives/python": Symlink("/usr/bin/python3.11"),
        "/usr/bin/python3": Symlink("../../etc/alternatives/python"),
        "/lib": Symlink("usr/lib"),
        "/usr/lib/libc.so.6": b"libc",
        "/tmp/cache/a.bin": b"a" * 1000,
        "/tmp/cache/sub/b.bin": b"b" * 500,
        "/root/.ssh/id_rsa": File(KEY, mode=0o600),
        "/opt/data/old.txt": b"old data",
        "/opt/data/sub/deep.txt": b"deep",
        "/app/config.ini": b"v1",
        "/loop1": Symlink("/loop2"),
        "/loop2": Symlink("loop1"),
        "/dev/console": Device("char"),
        "/run/fifo": Device("fifo"),
    }
    cleanup = {
        "/opt/data/new.txt": b"fresh",
        "/opt/data/": OPAQUE,  # after the new child: it must still hide only the lower ones
        "/root/.ssh/id_rsa": WHITEOUT,
        "/tmp/cache": WHITEOUT,
        "/app/config.ini": b"version 2!",
        "/usr/local/bin/tool": File(TOOL, mode=0o755),
        "/usr/local/bin/tool-hardlink": Hardlink("/usr/local/bin/tool"),
    }
    app = {
        "/app/": Dir(uid=1000, gid=1000),
        "/app/main.py": File(b"print('hi')\n", uid=1000, gid=1000),
        "/app/config.ini": WHITEOUT,
    }
    return [Layer(files, compression=c) for files, c in zip((base, cleanup, app), compressions)]


HISTORY = [
    {"created_by": "/bin/sh -c #(nop) ADD file:rootfs in /"},
    {"created_by": "ENV PATH=/usr/local/bin:/usr/bin:/bin", "empty_layer": True},
    {"created_by": "RUN cleanup"},
    {"created_by": "USER app", "empty_layer": True},
    {"created_by": "WORKDIR /app", "empty_layer": True},
    {"created_by": "COPY app /app", "comment": "buildkit.dockerfile.v0"},
    {"created_by": 'CMD ["python3", "main.py"]', "empty_layer": True},
]
RUNTIME = {
    "User": "app",
    "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "PYTHONUNBUFFERED=1"],
    "WorkingDir": "/app",
    "Cmd": ["python3", "main.py"],
    "Labels": {"org.opencontainers.image.title": "demo"},
}


def sample(compressions: tuple[str, str, str] = ("gzip", "zstd", "none")) -> ImageSpec:
    return ImageSpec(layers=sample_layers(compressions), runtime=RUNTIME, history=HISTORY)


FINAL_PATHS = {
    "/", "/etc", "/etc/passwd", "/etc/shadow", "/etc/alternatives", "/etc/alternatives/python",
    "/bin", "/bin/sh", "/usr", "/usr/bin", "/usr/bin/passwd", "/usr/bin/wall", "/usr/bin/python3.11",
    "/usr/bin/python3", "/lib", "/usr/lib", "/usr/lib/libc.so.6", "/tmp", "/root", "/root/.ssh",
    "/opt", "/opt/data", "/opt/data/new.txt", "/app", "/app/main.py", "/loop1", "/loop2",
    "/dev", "/dev/console", "/run", "/run/fifo", "/usr/local", "/usr/local/bin",
    "/usr/local/bin/tool", "/usr/local/bin/tool-hardlink",
}  # fmt: skip
DELETED_PATHS = {
    "/root/.ssh/id_rsa", "/tmp/cache", "/tmp/cache/a.bin", "/tmp/cache/sub", "/tmp/cache/sub/b.bin",
    "/opt/data/old.txt", "/opt/data/sub", "/opt/data/sub/deep.txt", "/app/config.ini",
}  # fmt: skip


def view(entry: FileEntry) -> tuple:
    return (entry.path, entry.type, entry.mode, entry.uid, entry.gid, entry.size, entry.linkname, entry.layer, tuple(entry.history))


def fs_view(image: Image) -> dict:
    return {
        "files": {p: view(e) for p, e in image.files.items()},
        "deleted": {p: [view(e) for e in versions] for p, versions in image.deleted.items()},
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return fs_view(open_image(write_shape("oci-layout", sample(), str(tmp_path_factory.mktemp("ref")))))


@pytest.fixture(scope="module", params=sorted(SHAPES))
def shaped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Image:
    return open_image(write_shape(request.param, sample(), str(tmp_path_factory.mktemp(request.param))))


# --- one merged filesystem, whatever the shape --------------------------------------


def test_every_shape_gives_the_same_merged_filesystem(shaped: Image, reference: dict) -> None:
    assert set(shaped.files) == FINAL_PATHS
    assert set(shaped.deleted) == DELETED_PATHS
    assert fs_view(shaped) == reference


def test_every_shape_reads_the_same_contents(shaped: Image) -> None:
    got = shaped.read_many(["/etc/passwd", "/usr/local/bin/tool-hardlink", "/opt/data/new.txt", "/app/main.py", "/lib/libc.so.6", "/nope", "/etc"])
    assert got == {
        "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        "/usr/local/bin/tool-hardlink": TOOL,
        "/opt/data/new.txt": b"fresh",
        "/app/main.py": b"print('hi')\n",
        "/lib/libc.so.6": b"libc",
    }


def test_every_shape_keeps_config_and_layer_order_from_the_manifest(shaped: Image) -> None:
    built = build(sample(), "gzip" if shaped.source.endswith("containerd.tar") or shaped.source.endswith("containerd-oci.tar") else None)
    assert [layer.diff_id for layer in shaped.layers] == [b.diff_id for b in built.layers]
    assert shaped.platform == "linux/amd64"
    assert shaped.user == "app" and shaped.workdir == "/app"
    assert shaped.env == {"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONUNBUFFERED": "1"}
    assert shaped.labels == {"org.opencontainers.image.title": "demo"}
    assert shaped.runtime["Cmd"] == ["python3", "main.py"]


def test_format_is_detected_by_content_not_by_name(tmp_path) -> None:
    docker = write_shape("docker-dual", sample(), str(tmp_path))
    oci_tar = write_shape("oci-archive", sample(), str(tmp_path))
    os.rename(docker, tmp_path / "image.oci")
    os.rename(oci_tar, tmp_path / "docker-save.tar.gz")
    assert open_image(tmp_path / "image.oci").format == "docker-archive"
    assert open_image(tmp_path / "docker-save.tar.gz").format == "oci-archive"
    assert open_image(write_shape("oci-layout", sample(), str(tmp_path))).format == "oci-layout"


def test_dual_layout_exposes_the_oci_manifest_annotations(tmp_path) -> None:
    image = open_image(write_shape("docker-dual", sample(), str(tmp_path)))
    assert image.annotations == {"org.opencontainers.image.source": "https://example.com/app"}
    assert image.repo_tags == ["example/app:1"]
    assert image.layers[1].media_type == "application/vnd.oci.image.layer.v1.tar+zstd"


# --- layers: history, compression, tar endings --------------------------------------


def test_history_maps_layers_skipping_empty_layer_entries(tmp_path) -> None:
    image = open_image(write_shape("docker-legacy", sample(), str(tmp_path)))
    assert [(l.created_by, l.history_index) for l in image.layers] == [
        ("/bin/sh -c #(nop) ADD file:rootfs in /", 0),
        ("RUN cleanup", 2),
        ("COPY app /app", 5),
    ]
    assert image.layers[2].comment == "buildkit.dockerfile.v0"
    assert image.layer_of(image.files["/app/main.py"]).created_by == "COPY app /app"


def test_history_shorter_than_the_layers_leaves_created_by_unknown(tmp_path) -> None:
    spec = ImageSpec(layers=sample_layers(), history=[{"created_by": "ADD rootfs /"}, {"created_by": "ENV A=1", "empty_layer": True}])
    image = open_image(write_shape("oci-archive", spec, str(tmp_path)))
    assert [l.created_by for l in image.layers] == ["ADD rootfs /", None, None]


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_layer_compression_is_detected_by_magic_bytes_even_in_layer_tar(tmp_path, compression: str) -> None:
    path = write_shape("docker-legacy", sample(), str(tmp_path), compression=compression)
    with tarfile.open(path) as outer:
        layer_names = json.load(outer.extractfile("manifest.json"))[0]["Layers"]
    assert all(name.endswith("/layer.tar") for name in layer_names)
    image = open_image(path)
    assert [l.compression for l in image.layers] == [compression] * 3
    assert image.layers[0].media_type.endswith({"none": ".tar", "gzip": "+gzip", "zstd": "+zstd"}[compression])
    assert image.read("/usr/local/bin/tool-hardlink") == TOOL
    assert image.read("/etc/shadow", max_bytes=4) == b"root"


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_tar_without_end_of_archive_blocks_is_accepted(tmp_path, compression: str) -> None:
    files = {"/a": b"x" * 700, "/b/": DIR, "/b/c": b"last member"}
    raw = layer_tar(files, end_blocks=False)
    assert len(raw) % 512 == 0 and raw[-512:].strip(b"\0")  # the last block is member data, no zero blocks
    spec = ImageSpec(layers=[Layer(files, compression=compression, end_blocks=False)])
    image = open_image(write_shape("oci-archive", spec, str(tmp_path)))
    assert set(image.files) == {"/", "/a", "/b", "/b/c"}
    assert image.read_many(["/a", "/b/c"]) == {"/a": b"x" * 700, "/b/c": b"last member"}


def test_layer_sizes_are_recorded(tmp_path) -> None:
    image = open_image(write_shape("oci-archive", sample(), str(tmp_path)))
    built = build(sample())
    assert [l.size for l in image.layers] == [len(b.blob) for b in built.layers]
    assert [l.uncompressed_size for l in image.layers] == [len(b.tar) for b in built.layers]


# --- whiteouts, opaque folders, history of paths ----------------------------------------


def test_whiteout_removes_a_file_and_keeps_it_in_deleted(tmp_path) -> None:
    image = open_image(write_shape("oci-layout", sample(), str(tmp_path)))
    assert image.get("/root/.ssh/id_rsa") is None and image.get("/root/.ssh") is not None
    (gone,) = image.deleted["/root/.ssh/id_rsa"]
    assert (gone.layer, gone.mode, gone.size) == (0, 0o600, len(KEY))
    assert gone.history == [HistoryEntry(0, "added", len(KEY)), HistoryEntry(1, "deleted", 0)]
    assert image.read_entries([gone]) == [KEY]


def test_whiteout_of_a_folder_removes_its_subtree(tmp_path) -> None:
    image = open_image(write_shape("oci-layout", sample(), str(tmp_path)))
    assert image.listdir("/tmp") == []
    assert {e.path: e.layer for v in image.deleted.values() for e in v if e.path.startswith("/tmp/")} == {
        "/tmp/cache": 0, "/tmp/cache/a.bin": 0, "/tmp/cache/sub": 0, "/tmp/cache/sub/b.bin": 0,
    }  # fmt: skip
    assert image.deleted["/tmp/cache/a.bin"][0].history[-1] == HistoryEntry(1, "deleted", 0)


@pytest.mark.parametrize("marker_first", [True, False])
def test_opaque_folder_hides_lower_children_wherever_the_marker_sits(tmp_path, marker_first: bool) -> None:
    upper = {"/opt/data/": OPAQUE, "/opt/data/new.txt": b"fresh"} if marker_first else {"/opt/data/new.txt": b"fresh", "/opt/data/": OPAQUE}
    spec = ImageSpec(layers=[Layer({"/opt/data/old.txt": b"old", "/opt/data/sub/deep": b"d", "/opt/other": b"o"}), Layer(upper)])
    image = open_image(write_shape("oci-archive", spec, str(tmp_path)))
    assert image.listdir("/opt/data") == ["new.txt"]
    assert image.listdir("/opt") == ["data", "other"]
    assert set(image.deleted) == {"/opt/data/old.txt", "/opt/data/sub", "/opt/data/sub/deep"}


def test_whiteouts_apply_to_lower_layers_only(tmp_path) -> None:
    spec = ImageSpec(layers=[Layer({"/x": b"old", "/y": b"y"}), Layer({"/x": b"new", "/.wh.x": b"", "/.wh.y": b""})])
    image = open_image(write_shape("oci-archive", spec, str(tmp_path)))
    assert image.read("/x") == b"new" and image.get("/y") is None
    assert image.files["/x"].history == [HistoryEntry(0, "added", 3), HistoryEntry(1, "deleted", 0), HistoryEntry(1, "added", 3)]


def test_bare_whiteout_is_an_input_error(tmp_path) -> None:
    spec = ImageSpec(layers=[Layer({"/etc/a": b"a"}), Layer({"/etc/.wh.": b""})])
    with pytest.raises(InputError, match=r"layer 1 .*member 'etc/\.wh\.' is a bare '\.wh\.' whiteout"):
        open_image(write_shape("oci-archive", spec, str(tmp_path)))


def test_history_of_a_changed_then_deleted_file(tmp_path) -> None:
    image = open_image(write_shape("docker-skopeo", sample(), str(tmp_path)))
    versions = image.deleted["/app/config.ini"]
    assert [(v.layer, v.size) for v in versions] == [(0, 2), (1, 10)]
    assert versions[0].history == [HistoryEntry(0, "added", 2), HistoryEntry(1, "changed", 10), HistoryEntry(2, "deleted", 0)]
    assert image.read_entries(versions) == [b"v1", b"version 2!"]
    assert image.files["/app"].history == [HistoryEntry(0, "added", 0), HistoryEntry(2, "changed", 0)]
    assert (image.files["/app"].uid, image.files["/app"].layer) == (1000, 2)


def test_a_file_replacing_a_folder_hides_the_folder_subtree(tmp_path) -> None:
    spec = ImageSpec(layers=[Layer({"/srv/a/b": b"b"}), Layer({"/srv/a": b"now a file"})])
    image = open_image(write_shape("oci-archive", spec, str(tmp_path)))
    assert image.files["/srv/a"].type == "file" and image.listdir("/srv") == ["a"]
    assert set(image.deleted) == {"/srv/a", "/srv/a/b"}


# --- entries: modes, types, links ------------------------------------------------------


def test_modes_types_and_owners(shaped: Image) -> None:
    files = shaped.files
    assert files["/usr/bin/passwd"].is_setuid and files["/usr/bin/passwd"].mode == 0o4755
    assert files["/usr/bin/wall"].is_setgid and (files["/usr/bin/wall"].gid, files["/usr/bin/wall"].mode) == (5, 0o2755)
    assert (files["/etc/shadow"].mode, files["/etc/shadow"].gid) == (0o640, 42)
    assert {files["/dev/console"].type, files["/run/fifo"].type} == {"char", "fifo"}
    assert files["/usr"].type == "dir" and files["/usr"].mode == 0o755  # implicit parent folder
    link = files["/usr/local/bin/tool-hardlink"]
    assert (link.type, link.linkname, link.size) == ("hardlink", "/usr/local/bin/tool", 0)


def test_symlinks_resolve_absolute_relative_and_through_parent_folders(shaped: Image) -> None:
    assert shaped.resolve("/usr/bin/python3").path == "/usr/bin/python3.11"
    assert shaped.resolve("/usr/bin/python3", follow_symlinks=False).type == "symlink"
    assert shaped.resolve("/lib/libc.so.6").path == "/usr/lib/libc.so.6"
    assert shaped.read("/usr/bin/python3") == b"\x7fELF python"
    assert shaped.resolve("/lib/../etc/passwd") is None  # '..' leaves the symlink's target, /usr/lib
    assert shaped.resolve("/lib/../../etc/passwd").path == "/etc/passwd"
    assert shaped.listdir("/lib") == ["libc.so.6"]
    assert shaped.exists("/bin/sh") and not shaped.exists("/bin/bash")
    assert shaped.resolve("/etc/passwd/x") is None


def test_symlink_loops_give_none(shaped: Image) -> None:
    assert shaped.resolve("/loop1") is None
    assert shaped.resolve("/loop1", follow_symlinks=False).linkname == "/loop2"
    assert shaped.read("/loop2") is None
    assert not shaped.exists("/loop2/x")


def test_walk_and_listdir(shaped: Image) -> None:
    assert [e.path for e in shaped.walk("/usr/local")] == ["/usr/local", "/usr/local/bin", "/usr/local/bin/tool", "/usr/local/bin/tool-hardlink"]
    assert shaped.listdir("/") == sorted(["app", "bin", "dev", "etc", "lib", "loop1", "loop2", "opt", "root", "run", "tmp", "usr"])
    assert shaped.listdir("/etc/passwd") == [] and shaped.listdir("/missing") == []


# --- lazy reads -----------------------------------------------------------------------


def test_read_many_makes_one_pass_per_layer(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import imagepolicy.image.image as image_module

    image = open_image(write_shape("containerd", sample(), str(tmp_path)))  # every layer gzip
    passes: list[int] = []
    real = image_module.decompressed

    def counting(raw, fail):
        passes.append(1)
        return real(raw, fail)

    monkeypatch.setattr(image_module, "decompressed", counting)
    got = image.read_many(["/etc/passwd", "/etc/shadow", "/bin/sh", "/usr/lib/libc.so.6", "/usr/local/bin/tool", "/usr/local/bin/tool-hardlink"])
    assert len(got) == 6 and got["/usr/local/bin/tool"] == got["/usr/local/bin/tool-hardlink"] == TOOL
    assert len(passes) == 2  # layers 0 and 1, each streamed once
    assert image.read_many(["/etc/passwd", "/bin/sh"], max_bytes=4) == {"/etc/passwd": b"root", "/bin/sh": b"\x7fELF"}


def test_read_of_non_files_is_none(shaped: Image) -> None:
    assert shaped.read("/etc") is None and shaped.read("/missing") is None and shaped.read("/dev/console") is None


# --- platforms and indexes --------------------------------------------------------------


def arm_spec() -> ImageSpec:
    return ImageSpec(layers=[Layer({"/etc/arch": b"arm64"})], architecture="arm64", variant="v8")


@pytest.mark.parametrize("as_dir", [False, True])
def test_multi_platform_index_selects_by_platform(tmp_path, as_dir: bool) -> None:
    path = emit(oci_multi([sample(), arm_spec()]), str(tmp_path / ("layout" if as_dir else "multi.tar")), as_dir)
    assert open_image(path).read("/etc/passwd").startswith(b"root:")
    arm = open_image(path, platform="linux/arm64")
    assert (arm.platform, arm.read("/etc/arch")) == ("linux/arm64/v8", b"arm64")
    assert open_image(path, platform="linux/arm64/v8").platform == "linux/arm64/v8"
    with pytest.raises(InputError, match=r"no image manifest for platform linux/s390x; available: linux/amd64, linux/arm64/v8"):
        open_image(path, platform="linux/s390x")


def test_single_manifest_is_used_unless_another_platform_is_asked_for(tmp_path) -> None:
    path = write_shape("oci-archive", arm_spec(), str(tmp_path))
    assert open_image(path).platform == "linux/arm64/v8"
    with pytest.raises(InputError, match="available: linux/arm64/v8"):
        open_image(path, platform="linux/amd64")
    docker = write_shape("docker-legacy", arm_spec(), str(tmp_path))
    with pytest.raises(InputError, match="no image for platform linux/amd64 in manifest.json; available: linux/arm64/v8"):
        open_image(docker, platform="linux/amd64")


def test_attestation_manifests_are_skipped(tmp_path) -> None:
    image = open_image(write_shape("containerd-oci", sample(), str(tmp_path)))
    assert image.platform == "linux/amd64" and len(image.layers) == 3
    assert image.manifest["annotations"] == {"org.opencontainers.image.source": "https://example.com/app"}


def test_malformed_platform_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="platform 'linux' is not os/arch"):
        open_image(write_shape("oci-archive", sample(), str(tmp_path)), platform="linux")


def test_index_with_only_attestations_is_an_input_error(tmp_path) -> None:
    layout = write_shape("containerd-oci", sample(), str(tmp_path))
    with tarfile.open(layout) as tar:
        tar.extractall(tmp_path / "dir", filter="data")
    index = json.loads((tmp_path / "dir" / "index.json").read_text())
    nested_path = tmp_path / "dir" / "blobs" / "sha256" / index["manifests"][0]["digest"].split(":")[1]
    nested = json.loads(nested_path.read_text())
    index["manifests"] = [m for m in nested["manifests"] if m.get("annotations")]
    (tmp_path / "dir" / "index.json").write_text(json.dumps(index))
    with pytest.raises(InputError, match="index.json lists no image manifest"):
        open_image(tmp_path / "dir")


# --- damaged and foreign inputs ---------------------------------------------------------


def _damaged_layout(tmp_path, spec: ImageSpec, blob: bytes) -> str:
    """An OCI layout of ``spec`` whose one layer blob is ``blob``, its descriptor's digest and size made to match:
    what the layer holds is damaged, not how it is addressed (that is checked apart)."""
    return oci_layout(str(tmp_path / "oci-layout"), [blob], diff_ids=[build(spec).layers[0].diff_id])


@pytest.mark.parametrize(
    "compression, cut, problem",
    [
        ("none", 700, r"truncated: the stream ends at byte 700, inside member 'a' \(which needs 1512 bytes\)"),
        ("none", 1536 + 100, r"truncated: the stream ends at byte 1636, inside a header"),
        ("gzip", -20, r"the gzip stream ends early"),
        ("zstd", -5, r"zstd stream ends before its end-of-frame marker"),
    ],
)
def test_truncated_layer_is_an_input_error(tmp_path, compression: str, cut: int, problem: str) -> None:
    spec = ImageSpec(layers=[Layer({"/a": b"a" * 1000, "/b": b"b" * 3000}, compression=compression)])
    layout = _damaged_layout(tmp_path, spec, build(spec).layers[0].blob[:cut])
    with pytest.raises(InputError, match=rf"oci-layout: layer 0 \(sha256:[0-9a-f]+, 'blobs/sha256/[0-9a-f]+'\): .*{problem}"):
        open_image(layout)


def test_corrupt_tar_header_is_an_input_error(tmp_path) -> None:
    spec = ImageSpec(layers=[Layer({"/a": b"a" * 1000, "/b": b"b" * 3000})])
    blob = build(spec).layers[0].blob
    layout = _damaged_layout(tmp_path, spec, blob[:1536] + b"garbage!" + blob[1544:])
    with pytest.raises(InputError, match=r"layer 0 .*corrupt tar header at byte 1536 \(checksum mismatch\)"):
        open_image(layout)


@pytest.mark.parametrize("tar_format", ["pax", "gnu", "ustar"])
def test_long_names_big_ids_and_unicode_in_every_tar_format(tmp_path, tar_format: str) -> None:
    deep = "/opt/" + "/".join(["segment-of-a-long-path"] * 6) + "/module.py"  # > 100 characters
    files = {deep: File(b"deep", uid=1234, gid=4321), "/opt/caf\u00e9.txt": b"unicode", "/opt/link": Symlink("caf\u00e9.txt")}
    if tar_format != "ustar":
        files["/opt/deep-link"] = Symlink(deep)
        files["/opt/big-id"] = File(b"big", uid=3_000_000, gid=2_500_000)
        files["/opt/long-target"] = Symlink("/" + "x" * 150)
    image = open_image(write_shape("oci-archive", ImageSpec(layers=[Layer(files, tar_format=tar_format)]), str(tmp_path)))
    entry = image.files[deep]
    assert (entry.uid, entry.gid, image.read(deep)) == (1234, 4321, b"deep")
    assert image.read("/opt/link") == b"unicode"
    if tar_format != "ustar":
        assert image.resolve("/opt/deep-link").path == deep
        assert (image.files["/opt/big-id"].uid, image.files["/opt/big-id"].gid) == (3_000_000, 2_500_000)
        assert image.files["/opt/long-target"].linkname == "/" + "x" * 150


def test_truncated_archive_file_is_an_input_error(tmp_path) -> None:
    path = write_shape("docker-skopeo", sample(("none", "none", "none")), str(tmp_path))
    data = open(path, "rb").read()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.tar: (truncated archive|.*does not hold|.*no member)"):
        open_image(cut)


def test_missing_layer_blob_is_an_input_error(tmp_path) -> None:
    layout = write_shape("oci-layout", sample(), str(tmp_path))
    digest = build(sample()).layers[1].digest
    os.remove(os.path.join(layout, "blobs", "sha256", digest.split(":")[1]))
    with pytest.raises(InputError, match=rf"points at layer 1 blob {digest}, which the archive does not hold"):
        open_image(layout)


def test_manifest_json_pointing_at_nothing_is_an_input_error(tmp_path) -> None:
    members = SHAPES["docker-legacy"][0](sample())
    entry = json.loads(members["manifest.json"])
    entry[0]["Layers"][2] = "missing/layer.tar"
    members["manifest.json"] = json.dumps(entry).encode()
    path = emit(members, str(tmp_path / "bad.tar"))
    with pytest.raises(InputError, match=r"bad\.tar: manifest\.json points at layer 2 'missing/layer\.tar', which the archive does not hold"):
        open_image(path)


def test_layer_count_disagreeing_with_the_config_is_an_input_error(tmp_path) -> None:
    members = SHAPES["docker-legacy"][0](sample())
    entry = json.loads(members["manifest.json"])
    entry[0]["Layers"] = entry[0]["Layers"][:2]
    members["manifest.json"] = json.dumps(entry).encode()
    with pytest.raises(InputError, match="lists 2 layers but the config's rootfs lists 3 diff_ids"):
        open_image(emit(members, str(tmp_path / "bad.tar")))


def test_inputs_that_are_not_images(tmp_path) -> None:
    rootfs = tmp_path / "rootfs.tar"
    rootfs.write_bytes(layer_tar({"/etc/passwd": b"root", "/usr/bin/x": b"x"}))
    with pytest.raises(InputError, match=r"rootfs\.tar: this is a filesystem tarball \(docker export\)"):
        open_image(rootfs)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a tar at all" * 100)
    with pytest.raises(InputError, match=r"junk\.bin: not a readable tar archive \(it has no tar header\)"):
        open_image(junk)
    with pytest.raises(InputError, match="no such file or folder"):
        open_image(tmp_path / "absent.tar")
    os.makedirs(tmp_path / "empty")
    with pytest.raises(InputError, match="neither manifest.json"):
        open_image(tmp_path / "empty")


def test_gzip_compressed_outer_archive_is_read(tmp_path) -> None:
    import gzip

    path = write_shape("docker-legacy", sample(), str(tmp_path))
    packed = tmp_path / "image.tar.gz"
    packed.write_bytes(gzip.compress(open(path, "rb").read()))
    image = open_image(packed)
    assert fs_view(image) == fs_view(open_image(path))
    assert image.read("/app/main.py") == b"print('hi')\n"


# --- real tools -------------------------------------------------------------------------


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


@pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is not installed (apt-get install skopeo)")
@pytest.mark.parametrize("transport", ["docker-archive", "oci-archive"])
def test_skopeo_copies_read_the_same(tmp_path, reference: dict, transport: str) -> None:
    layout = write_shape("oci-layout", sample(("gzip", "none", "gzip")), str(tmp_path))  # docker-archive has no zstd
    target = tmp_path / f"copy-{transport}.tar"
    _run("skopeo", "--insecure-policy", "copy", "-q", f"oci:{layout}:latest", f"{transport}:{target}:example/app:1")
    image = open_image(target)
    assert image.format == transport
    assert fs_view(image) == reference
    assert image.read("/usr/local/bin/tool-hardlink") == TOOL


@pytest.mark.skipif(shutil.which("umoci") is None, reason="umoci is not installed (apt-get install umoci)")
def test_umoci_layers_without_end_blocks_read(tmp_path) -> None:
    layout, bundle = str(tmp_path / "layout"), str(tmp_path / "bundle")
    _run("umoci", "init", "--layout", layout)
    _run("umoci", "new", "--image", f"{layout}:t")
    _run("umoci", "unpack", "--image", f"{layout}:t", bundle)
    rootfs = os.path.join(bundle, "rootfs")
    os.makedirs(os.path.join(rootfs, "app", "pkg"))
    with open(os.path.join(rootfs, "app", "pkg", "__init__.py"), "w") as fh:
        fh.write("VERSION = 1\n")
    os.chmod(os.path.join(rootfs, "app"), 0o750)
    os.symlink("pkg/__init__.py", os.path.join(rootfs, "app", "init-link"))
    _run("umoci", "repack", "--image", f"{layout}:t", bundle)
    shutil.rmtree(bundle)
    _run("umoci", "unpack", "--image", f"{layout}:t", bundle)
    os.remove(os.path.join(bundle, "rootfs", "app", "init-link"))
    _run("umoci", "repack", "--image", f"{layout}:t", bundle)
    image = open_image(layout)
    assert image.format == "oci-layout" and len(image.layers) == 2
    assert image.files["/app"].mode == 0o750
    assert image.read("/app/pkg/__init__.py") == b"VERSION = 1\n"
    assert image.get("/app/init-link") is None
    assert [e.layer for e in image.deleted["/app/init-link"]] == [0]


def test_a_zip_or_compressed_non_tar_is_named_in_one_line(tmp_path) -> None:
    import gzip
    import zipfile

    with zipfile.ZipFile(tmp_path / "app.zip", "w") as z:
        z.writestr("manifest.json", "[]")
    (tmp_path / "notes.gz").write_bytes(gzip.compress(b"hello"))
    for name, kind in (("app.zip", "it is a zip file"), ("notes.gz", "it is a gzip-compressed file that does not hold a tar")):
        with pytest.raises(InputError) as info:
            open_image(tmp_path / name)
        message = str(info.value)
        assert "\n" not in message and "method gz" not in message
        assert message.startswith(f"{tmp_path / name}: not a readable tar archive ({kind}")
        assert "expected a docker-archive or oci-archive" in message


@pytest.mark.parametrize(
    "runtime, history, named",
    [
        ({"User": "1", "Labels": ["a=b"], "Env": "PATH=/bin"}, None, ["config.Labels is a list", "config.Env is a string"]),
        ({"Labels": {"a": 1}}, None, ["config.Labels is an object holding a non-string"]),
        ({"Env": ["A=1", 2], "User": 0}, None, ["config.Env is a list holding a non-string", "config.User is a number"]),
        ({"ExposedPorts": ["80/tcp"]}, None, ["config.ExposedPorts is a list"]),
        ({}, [{"created_by": 3}], ["history[0].created_by is a number"]),
    ],
)
def test_an_image_config_with_wrong_types_is_one_input_error_naming_each_key(tmp_path, runtime, history, named) -> None:
    spec = ImageSpec(layers=[Layer({"/x": b"x"})], runtime=runtime, history=history)
    path = write_shape("oci-archive", spec, str(tmp_path))
    with pytest.raises(InputError) as info:
        open_image(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the image config has keys of the wrong type: ")
    for words in named:
        assert words in message


def test_an_image_config_with_nulls_and_a_bare_string_cmd_reads_as_docker_does(tmp_path) -> None:
    runtime = {"User": None, "Labels": None, "Env": None, "Entrypoint": None, "Cmd": "serve"}
    image = open_image(write_shape("oci-archive", ImageSpec(layers=[Layer({"/x": b"x"})], runtime=runtime), str(tmp_path)))
    assert (image.labels, image.env, image.user) == ({}, {}, "")
    assert image.runtime["Cmd"] == ["serve"]


def test_a_docker_archive_folder_follows_its_own_links_but_none_out_of_it(tmp_path) -> None:
    """An extracted `docker save` may link a layer saved twice (<id>/layer.tar -> ../<id>/layer.tar): the reader
    resolves such links itself, inside the folder; one that leaves it is refused, whatever is outside."""
    folder = emit(SHAPES["docker-symlinks"][0](sample()), str(tmp_path / "saved"), as_dir=True)
    assert fs_view(open_image(folder)) == fs_view(open_image(write_shape("docker-symlinks", sample(), str(tmp_path))))
    link = os.path.join(folder, "store", "l1", "layer.tar")
    shutil.copy(os.path.realpath(link), tmp_path / "outside.tar")
    for target in ("../../../outside.tar", str(tmp_path / "outside.tar")):
        os.remove(link)
        os.symlink(target, link)
        with pytest.raises(InputError, match=r"saved: '.*' (leads out of the layout through a link|is a link to an absolute path)"):
            open_image(folder)


@pytest.mark.parametrize("shape", ["oci-layout", "docker-dual"])
def test_a_blob_listed_twice_is_read_once_and_placed_twice(tmp_path, shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from imagepolicy.image import image as image_module

    again = {"/etc/app.conf": b"v1", "/usr/bin/tool": File(TOOL, mode=0o755), "/usr/bin/tool-link": Hardlink("/usr/bin/tool")}
    spec = ImageSpec(layers=[Layer(again), Layer({"/etc/app.conf": b"v2"}), Layer(again)])
    scans = []
    real = image_module.scan_layer
    monkeypatch.setattr(image_module, "scan_layer", lambda *a, **kw: scans.append(a[1]) or real(*a, **kw))
    image = open_image(write_shape(shape, spec, str(tmp_path)))
    assert scans == [0, 1], "the repeated blob is scanned once"
    assert image.files["/etc/app.conf"].layer == 2 and image.read("/etc/app.conf") == b"v1"
    assert [h.layer for h in image.files["/etc/app.conf"].history] == [0, 1, 2]
    assert image.read("/usr/bin/tool-link") == TOOL and image.files["/usr/bin/tool-link"].layer == 2


def test_a_fifo_socket_or_device_is_refused_without_being_opened(tmp_path) -> None:
    """The reader's own check (the CLI checks image paths before, library callers rely on this one)."""
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputError, match=r"pipe: is a FIFO \(named pipe\), not an image archive file or an OCI layout folder"):
        open_image(tmp_path / "pipe")
    with pytest.raises(InputError, match=r"null: is a character device"):
        open_image("/dev/null")


def test_a_zstd_layer_that_needs_a_huge_window_is_refused_with_the_reason(tmp_path) -> None:
    """zstd --long=28 frames ask the decoder for 256 MiB of window: refused (as zstd does by default), not allocated."""
    import io

    import zstandard

    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=28, enable_ldm=True, write_content_size=False)
    out = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(out, closefd=False) as writer:
        writer.write(layer_tar({"/a": b"a" * 4096}))
    layout = oci_layout(str(tmp_path / "long"), [out.getvalue()], diff_ids=[build(ImageSpec([Layer({"/a": b"a" * 4096})])).layers[0].diff_id])
    with pytest.raises(InputError, match=r"layer 0 .*: the zstd frame needs a window over 128 MiB \(zstd --long\)"):
        open_image(layout)
