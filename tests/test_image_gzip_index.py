"""Gzip layers: resume points recorded on the first pass let later reads skip less."""

from __future__ import annotations

import gzip
import io
import random

import pytest

from image_synth import ImageSpec, Layer, write_shape
from imagepolicy.image import open_image
from imagepolicy.image.blobs import GzipIndex, _gzip_chunks, gzip_stream_from
from imagepolicy.model import InputError


def _fail(problem: str) -> InputError:
    return InputError(f"layer: {problem}")


def _plain(size: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    words = [bytes(rng.choice(b"abcdefghij") for _ in range(rng.randint(2, 9))) for _ in range(500)]
    out = b" ".join(rng.choices(words, k=size // 4 + 1))
    return out[:size]


def test_resume_points_give_the_same_bytes_as_a_full_pass():
    plain = _plain(3 << 20)
    blob = gzip.compress(plain[: 1 << 20]) + gzip.compress(plain[1 << 20 :]) + b"\0" * 512  # two members, padding
    index = GzipIndex(spacing=64 << 10, limit=8)
    assert b"".join(_gzip_chunks(io.BytesIO(blob), _fail, index)) == plain
    assert 1 < len(index.points) <= 8 and index.spacing > 64 << 10, "points thinned out past the limit"
    for offset in (0, 5, 700_000, (1 << 20) - 3, 2_500_000, len(plain) - 10):
        start, stream = gzip_stream_from(io.BytesIO(blob), index, offset, _fail)
        assert start <= offset and offset - start < index.spacing + (1 << 20)  # a point per decompress call at most
        stream.read(offset - start)
        assert stream.read(100) == plain[offset : offset + 100]


@pytest.mark.parametrize("damage, problem", [(lambda b: b[:-100], "ends early"), (lambda b: b[:-8] + b"\0\0\0\0" + b[-4:], "corrupt")])
def test_truncated_or_corrupt_gzip_is_an_input_error(damage, problem):
    blob = damage(gzip.compress(_plain(200_000)))
    with pytest.raises(InputError, match=problem):
        b"".join(_gzip_chunks(io.BytesIO(blob), _fail))


@pytest.mark.parametrize("shape", ["docker-skopeo", "oci-archive"])
def test_reads_from_a_large_gzip_layer_match_the_plain_layer(tmp_path, shape):
    files = {f"/data/f{i}": _plain(700_000, seed=i) for i in range(12)}
    spec = ImageSpec([Layer({"/etc/os-release": b"x"}), Layer(files, compression="gzip")])
    image = open_image(write_shape(shape, spec, str(tmp_path)))
    assert image.layers[1].compression == "gzip"
    assert len(image._gzip_indexes[1].points) >= 1, "an 8 MB layer gets resume points"
    wanted = ["/data/f11", "/data/f0", "/data/f7", "/data/f8"]
    assert image.read_many(wanted) == {p: files[p] for p in wanted}
    assert image.read("/data/f5", max_bytes=10) == files["/data/f5"][:10]
