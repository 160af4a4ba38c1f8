"""The fast byte paths of the image reader: uncompressed layers parsed from their file with member data
skipped and hashed on worker threads, inflated layers skipped chunk by chunk, and the fallbacks when
no thread can start. Each reads the same image as the plain path and still checks every digest."""

from __future__ import annotations

import hashlib
import os
import random
import threading

import pytest

from hostile_images import docker_archive, oci_archive, oci_layout, plain_layer
from imagepolicy.image import open_image
from imagepolicy.image.blobs import ChunkStream, FileLayer
from imagepolicy.image.digests import HashPool, LayerDigests
from imagepolicy.image.tarstream import iter_members
from imagepolicy.model import InputError


def _files_of_layers() -> list[dict[str, bytes]]:
    rng = random.Random(14)
    first = {f"usr/lib/big{i}.bin": rng.randbytes(300_000 + i) for i in range(3)}
    first.update({f"usr/share/doc/f{i}.txt": b"x" * i for i in range(200)})
    second = {f"app/m{i}.py": b"print(%d)\n" % i for i in range(50)}
    second["etc/os-release"] = b"ID=test\n"
    return [first, second]


def _layers() -> list[bytes]:
    return [plain_layer(files) for files in _files_of_layers()]


def _files(path: str) -> dict[str, tuple]:
    image = open_image(path)
    return {p: (e.type, e.size, e.layer, e.data) for p, e in image.files.items()}


@pytest.mark.parametrize("shape", ["docker-archive", "oci-layout"])
def test_uncompressed_layers_are_parsed_from_their_file_and_hashed_in_parallel(tmp_path, monkeypatch, shape) -> None:
    """Two layers, each hashed once on the pool, the larger (the upper one here) first, from the moment the
    image is opened, while the tar headers are parsed; the image equals the one the streamed path reads
    (the file path turned off), contents included."""
    path = str(tmp_path / "img")
    small, big = _layers()[1], _layers()[0]
    (docker_archive if shape == "docker-archive" else oci_layout)(path, [small, big, small + bytes(1024)])
    submitted = []
    real_submit = HashPool.submit
    monkeypatch.setattr(HashPool, "submit", lambda self, *args: submitted.append(args[2]) or real_submit(self, *args))
    fast = _files(path)
    assert submitted == [len(big), len(small) + 1024, len(small)]
    image = open_image(path)
    first, second = _files_of_layers()
    assert image.read("/usr/lib/big2.bin") == first["usr/lib/big2.bin"] and image.read("/app/m7.py") == second["app/m7.py"]
    assert [layer.uncompressed_size for layer in image.layers] == [len(small), len(big), len(small) + 1024]
    monkeypatch.setattr("imagepolicy.image.blobs._file_region", lambda raw: None)
    submitted.clear()
    assert _files(path) == fast and submitted == []


@pytest.mark.parametrize("which", [0, 1])
def test_a_changed_uncompressed_layer_is_named_by_its_digest(tmp_path, which) -> None:
    """One byte of file data changed in either layer: its data was skipped by the parser, the pool's hash
    still catches it, and the error names that layer."""
    path = str(tmp_path / "img.tar")
    layers = _layers()
    docker_archive(path, layers)
    data = bytearray(open(path, "rb").read())
    needle = b"print(7)" if which else b"x" * 150
    at = data.find(needle)
    assert at > 0
    data[at] ^= 1
    open(path, "wb").write(data)
    with pytest.raises(InputError, match=rf"layer {which} .*does not match its digest"):
        open_image(path)


def test_a_layer_file_that_ends_early_is_reported_as_changed(tmp_path) -> None:
    """The pool reads the region it was told: a file shorter than that (cut while read) is an error, not a hang."""
    blob = plain_layer({"a.txt": b"a" * 5000})
    path = tmp_path / "blob"
    path.write_bytes(blob[:1024])
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    fd = os.open(path, os.O_RDONLY)
    try:
        pool = HashPool()
        with LayerDigests(digest, digest, "layer 0", pool) as digests:
            digests.hash_region(fd, 0, len(blob))
            digests.verify()
        with pytest.raises(InputError, match="layer 0: the layer changed while it was read: the file ends [0-9,]+ bytes early"):
            pool.finish()
        pool.close()
    finally:
        os.close(fd)


def test_without_threads_every_path_still_hashes_in_line(tmp_path, monkeypatch) -> None:
    """Under a tight address-space bound no thread may start: the pool, the hash worker and the inflate
    prefetch then do their work in the caller's thread, with the same result and the same checks."""
    path = str(tmp_path / "img.tar")
    docker_archive(path, _layers())
    expected = _files(path)

    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert _files(path) == expected
    data = bytearray(open(path, "rb").read())
    data[data.find(b"print(3)")] ^= 1
    open(path, "wb").write(data)
    with pytest.raises(InputError, match="does not match its digest"):
        open_image(path)


def _chunks(data: bytes, rng: random.Random) -> list[bytes]:
    out, at = [], 0
    while at < len(data):
        n = rng.choice([1, 7, 511, 512, 513, 4096, 70_000])
        out.append(data[at : at + n])
        at += n
    return out


@pytest.mark.parametrize("seed", range(20))
def test_chunk_stream_reads_and_skips_like_a_file(seed) -> None:
    """Random reads and skips over random chunk boundaries give the bytes a file would."""
    rng = random.Random(seed)
    data = rng.randbytes(200_000)
    stream, position = ChunkStream(iter(_chunks(data, rng))), 0
    while position < len(data):
        size = rng.choice([0, 1, 100, 512, 5000, 90_000])
        if rng.random() < 0.5:
            assert stream.read(size) == data[position : position + size]
        else:
            assert stream.skip(size) == min(size, len(data) - position)
        position = min(position + size, len(data))
    assert stream.read(10) == b"" and stream.skip(10) == 0 and stream.read() == b""


def test_chunk_stream_read_all_and_file_layer_windows(tmp_path) -> None:
    rng = random.Random(3)
    data = rng.randbytes(100_000)
    stream = ChunkStream(iter(_chunks(data, rng)))
    assert stream.read(10) == data[:10] and stream.skip(20) == 20 and stream.read() == data[30:]
    path = tmp_path / "f"
    path.write_bytes(b"head" + data)
    fd = os.open(path, os.O_RDONLY)
    try:
        layer = FileLayer(fd, 4, len(data))
        assert layer.read(512) == data[:512] and layer.skip(40_000) == 40_000
        assert layer.read(3) == data[40_512:40_515] and layer.skip(10**9) == len(data) - 40_515
        assert layer.read(1) == b"" and layer.skip(1) == 0
    finally:
        os.close(fd)


def test_tar_members_read_through_a_file_layer_match_the_streamed_reader(tmp_path) -> None:
    blob = _layers()[0]
    path = tmp_path / "layer.tar"
    path.write_bytes(blob)
    fd = os.open(path, os.O_RDONLY)
    try:
        layer = FileLayer(fd, 0, len(blob))
        fast = list(iter_members(layer, skip=layer.skip))  # type: ignore[arg-type]
    finally:
        os.close(fd)
    stream = ChunkStream(iter(_chunks(blob, random.Random(1))))
    assert fast == list(iter_members(stream, skip=stream.skip)) == list(iter_members(open(path, "rb")))  # type: ignore[arg-type]
    assert len(fast) == 203


@pytest.mark.parametrize("shape", ["oci-archive", "oci-layout"])
def test_a_compressed_blob_is_hashed_from_its_file_and_its_padding_counts(tmp_path, monkeypatch, shape) -> None:
    """A gzip layer's blob is hashed on the pool from the moment the image opens, its plain tar as it
    inflates: a byte changed in the zero padding after the gzip data (which inflating never reads)
    still fails the blob digest, and the pool hashed the blob once."""
    import gzip

    blob = gzip.compress(_layers()[1]) + bytes(512)
    path = str(tmp_path / "img")
    diff_ids = ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in _layers()]
    (oci_archive if shape == "oci-archive" else oci_layout)(path, [_layers()[0], blob], diff_ids=diff_ids)
    submitted = []
    real_submit = HashPool.submit
    monkeypatch.setattr(HashPool, "submit", lambda self, *args: submitted.append(args[2]) or real_submit(self, *args))
    assert open_image(path).read("/etc/os-release") == b"ID=test\n"
    assert sorted(submitted) == sorted([len(blob), len(_layers()[0])])
    target = path if shape == "oci-archive" else os.path.join(path, "blobs", "sha256", hashlib.sha256(blob).hexdigest())
    data = bytearray(open(target, "rb").read())
    data[data.find(blob) + len(blob) - 1] = 1
    open(target, "wb").write(data)
    with pytest.raises(InputError, match=r"layer 1 .*the layer blob does not match its digest"):
        open_image(path)


def test_is_tar_header_knows_ustar_gnu_and_v7_headers_by_their_checksum():
    # One check for what ADD extracts (DL3020) and for a daemon export's layer members.
    import io
    import tarfile

    from imagepolicy.image.tarstream import is_tar_header

    def first_block(fmt: int) -> bytes:
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
            tar.addfile(tarfile.TarInfo("a.txt"))
        return out.getvalue()[:512]

    ustar, gnu = first_block(tarfile.USTAR_FORMAT), first_block(tarfile.GNU_FORMAT)
    v7 = bytearray(ustar)
    v7[257:265] = bytes(8)  # no magic: only the checksum tells
    v7[148:156] = b"%06o\0 " % (sum(v7[:148]) + 256 + sum(v7[156:]))
    assert is_tar_header(ustar) and is_tar_header(gnu) and is_tar_header(bytes(v7))
    broken = bytearray(v7)
    broken[0] ^= 1
    assert not is_tar_header(bytes(broken))
    assert not is_tar_header(b"\x89PNG not a tar at all" * 40)
    assert not is_tar_header(ustar[:511])


def _secret_image(tmp_path, tamper: bool) -> str:
    """A docker-archive whose second layer holds an AWS key (IM004 fires) and a big file; ``tamper`` flips one
    byte of the big file's data, which the tar parser skips and only the layer's hash sees."""
    path = str(tmp_path / ("tampered.tar" if tamper else "good.tar"))
    secret = {"app/settings.yaml": b"aws:\n  key_id: AKIAQWERTYUIOPASDFGH\n", "app/data.bin": b"\x01" * 300_000}
    docker_archive(path, [_layers()[0], plain_layer(secret)])
    if tamper:
        data = bytearray(open(path, "rb").read())
        data[data.find(b"\x01" * 1024) + 500] ^= 1
        open(path, "wb").write(data)
    return path


def test_verify_later_returns_the_image_and_verify_raises_the_mismatch(tmp_path) -> None:
    """``verify_later`` hands the image over while the pool may still hash; ``verify()`` waits and raises the
    error open_image raises without it (once: the pool is closed after it)."""
    good = open_image(_secret_image(tmp_path, tamper=False), verify_later=True)
    good.verify()
    good.verify()
    tampered = _secret_image(tmp_path, tamper=True)
    with pytest.raises(InputError) as plain:
        open_image(tampered)
    image = open_image(tampered, verify_later=True)
    assert "/app/settings.yaml" in image.files
    with pytest.raises(InputError) as later:
        image.verify()
    assert str(later.value) == str(plain.value) and "layer 1 " in str(plain.value) and "does not match its digest" in str(plain.value)
    image.verify()  # checked once


def test_the_check_reports_no_finding_of_an_image_whose_layer_does_not_match(tmp_path) -> None:
    """The rules run while the last layers are hashed; a layer that then does not match its digest is the
    image's one error (the message open_image gives) and the secret the rules found in it is not reported."""
    import json
    import subprocess
    import sys

    good, tampered = _secret_image(tmp_path, tamper=False), _secret_image(tmp_path, tamper=True)
    run = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--no-config", "--no-cache", "--format", "json",
                          "--image", good, "--image", tampered], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 2, run.stderr
    report = json.loads(run.stdout)
    with pytest.raises(InputError) as expected:
        open_image(tampered)
    assert [e["message"] for e in report["errors"]] == [str(expected.value)]
    assert {f["file"] for f in report["findings"] if f["rule"] == "IM004"} == {"good.tar"}
    assert not [f for f in report["findings"] if f["file"] == "tampered.tar"]


def test_finish_hashes_the_regions_no_worker_started_in_the_callers_thread(tmp_path, monkeypatch) -> None:
    """One worker on the largest region; the caller, waiting in finish(), hashes the two left in the queue
    instead of idling, and every digest is still checked."""
    from imagepolicy.image import digests

    blobs = [plain_layer({f"f{i}.bin": bytes([i]) * (200_000 - i * 50_000)}) for i in range(3)]
    path = tmp_path / "blobs"
    path.write_bytes(b"".join(blobs))
    started, release, hashed_here = threading.Event(), threading.Event(), []
    real = digests._hash_region

    def hashing(task, buffer, view, pool) -> None:
        if threading.current_thread() is threading.main_thread():
            real(task, buffer, view, pool)
            hashed_here.append(task.size)
            if len(hashed_here) == 2:
                release.set()  # the worker is still on the first region: both others were the caller's
            return
        started.set()
        release.wait(10)
        real(task, buffer, view, pool)

    monkeypatch.setattr(digests, "_hash_region", hashing)
    fd = os.open(path, os.O_RDONLY)
    try:
        pool, offset = HashPool(1), 0
        for i, blob in enumerate(blobs):
            digest = "sha256:" + hashlib.sha256(blob).hexdigest()
            with LayerDigests(digest, digest, f"layer {i}", pool) as layer:
                layer.hash_region(fd, offset, len(blob))
                layer.verify()
            offset += len(blob)
            if i == 0:
                assert started.wait(10)
        pool.finish()
        pool.close()
    finally:
        os.close(fd)
    assert hashed_here == [len(blobs[1]), len(blobs[2])]
