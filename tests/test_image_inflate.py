"""gzip layers inflate with zlib-ng when it is installed, with Python's zlib otherwise, to the same image."""

from __future__ import annotations

import os
import random
import sys

import pytest

from image_synth import DIR, ImageSpec, Layer, write_shape
from imagepolicy.image import open_image
from imagepolicy.image.blobs import inflater
from imagepolicy.model import InputError


def big_layers() -> list[Layer]:
    """Two gzip layers of about 12 MB plain, so reading a file late in one resumes from a recorded point."""
    rng = random.Random(7)
    files = {"/data/": DIR}
    for i in range(12):
        files[f"/data/part{i:02d}.bin"] = bytes(rng.getrandbits(8) for _ in range(4096)) * 256  # 1 MiB, compressible
    files["/data/last.txt"] = b"the end\n"
    return [Layer(files, compression="gzip"), Layer({"/etc/": DIR, "/etc/os-release": b"ID=test\n"}, compression="gzip")]


def snapshot(path: str) -> tuple:
    image = open_image(path)
    files = {p: (e.type, e.size, e.mode) for p, e in image.files.items()}
    return files, image.read("/data/last.txt"), image.read("/data/part11.bin")[:64], image.read("/data/part00.bin")[-64:]


def test_zlib_ng_is_used_when_installed_and_python_zlib_reads_the_same_image(tmp_path, monkeypatch):
    path = write_shape("oci-archive", ImageSpec(layers=big_layers()), str(tmp_path))
    pytest.importorskip("zlib_ng", reason="zlib-ng is not installed (a dependency of imagepolicy on CPython)")
    assert inflater().__name__ == "zlib_ng.zlib_ng"
    fast = snapshot(path)
    monkeypatch.setitem(sys.modules, "zlib_ng", None)  # as on a platform without its wheels
    assert inflater().__name__ == "zlib"
    assert snapshot(path) == fast
    assert fast[1] == b"the end\n"


@pytest.mark.parametrize("zlib_ng", [True, False])
def test_corrupt_gzip_data_is_an_input_error_with_either_inflater(tmp_path, monkeypatch, zlib_ng):
    if not zlib_ng:
        monkeypatch.setitem(sys.modules, "zlib_ng", None)
    path = write_shape("oci-archive", ImageSpec(layers=big_layers()[1:]), str(tmp_path))
    data = bytearray(open(path, "rb").read())
    marker = data.find(b"\x1f\x8b\x08")
    assert marker > 0
    data[marker + 40:marker + 60] = os.urandom(20)
    with open(path, "wb") as handle:
        handle.write(data)
    with pytest.raises(InputError, match="gzip data is corrupt|digest|diff_id|ends early"):
        image = open_image(path)
        image.read("/etc/os-release")
