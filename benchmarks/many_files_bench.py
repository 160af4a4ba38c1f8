#!/usr/bin/env python3
"""Peak memory of ``imagepolicy check --image`` on an image with very many files (1,000,000 by default).

The image is synthetic and written as a stream (nothing of it is held in memory): an oci-archive
with one gzip layer of ``--files`` empty files, 1,000 per folder under ``/srv``, plus a config that
runs as a non-root user. Each run of ``imagepolicy check --no-config --no-cache --image ARCHIVE``
(with ``--limit image-entries=...`` raised past the default 500,000) is a fresh process; its peak RSS (``os.wait4``) and wall time are reported, and the memory per file
above a 1,000-file image of the same shape (the interpreter, the rules and the reader's fixed
costs)::

    python benchmarks/many_files_bench.py [--files 1000000] [--runs 1]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path


#: The image-entries and archive-members limits a run raises (500,000 entries by default: a bigger image
#: is refused unless the invoker raises them, as here).
LIMIT = 4_000_000


class _Hashing(io.RawIOBase):
    """Writes through to ``target`` and hashes what passes (the layer's diff_id)."""

    def __init__(self, target: io.BufferedIOBase) -> None:
        self.target = target
        self.sha = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.sha.update(data)
        return self.target.write(data)


def write_image(path: Path, files: int) -> None:
    """An oci-archive at ``path`` whose one gzip layer holds ``files`` empty files, streamed to disk."""
    layer_path = path.with_suffix(".layer.gz")
    with open(layer_path, "wb") as raw:
        packed = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0)
        plain = _Hashing(packed)  # type: ignore[arg-type]
        with tarfile.open(fileobj=plain, mode="w|", format=tarfile.USTAR_FORMAT) as tar:  # type: ignore[call-overload]
            for start in range(0, files, 1000):
                folder = f"srv/d{start // 1000:05d}"
                info = tarfile.TarInfo(folder)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
                for number in range(start, min(files, start + 1000)):
                    info = tarfile.TarInfo(f"{folder}/file{number:07d}.txt")
                    info.mode = 0o644
                    tar.addfile(info)
                tar.members.clear()  # TarFile keeps every member it wrote: this process stays small
        packed.close()
    diff_id = "sha256:" + plain.sha.hexdigest()
    digest = hashlib.sha256()
    with open(layer_path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    size = layer_path.stat().st_size
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"User": "1000"},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}, "history": [{"created_by": "COPY srv /srv"}]}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + digest.hexdigest(), "size": size}],
    }).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                                           "digest": "sha256:" + hashlib.sha256(manifest).hexdigest(), "size": len(manifest)}]}).encode()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in (("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", index),
                           ("blobs/sha256/" + hashlib.sha256(config).hexdigest(), config),
                           ("blobs/sha256/" + hashlib.sha256(manifest).hexdigest(), manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("blobs/sha256/" + digest.hexdigest())
        info.size = size
        with open(layer_path, "rb") as handle:
            archive.addfile(info, handle)
    layer_path.unlink()


def measure(archive: Path) -> tuple[float, float, int]:
    """(wall s, CPU s, peak RSS bytes) of one check of ``archive``."""
    imagepolicy = Path(sys.executable).with_name("imagepolicy")
    argv = [str(imagepolicy), "check", "--no-config", "--no-cache", "--image", str(archive), "--format", "json", "--output", os.devnull,
            "--limit", f"image-entries={LIMIT}", "--limit", f"archive-members={LIMIT}"]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"imagepolicy exited {code}: {err.decode(errors='replace')[-2000:]}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="imagepolicy-many-") as tmp:
        small, big = Path(tmp) / "small.tar", Path(tmp) / "big.tar"
        write_image(small, 1000)
        base = min(measure(small)[2] for _ in range(args.runs))
        write_image(big, args.files)
        runs = [measure(big) for _ in range(args.runs)]
        size = big.stat().st_size
    wall = sorted(r[0] for r in runs)[len(runs) // 2]
    cpu = sorted(r[1] for r in runs)[len(runs) // 2]
    peak = max(r[2] for r in runs)
    print(f"{args.files:,} files (archive {size / 2**20:.0f} MiB), {args.runs} run(s); load average {os.getloadavg()[0]:.2f}")
    print(f"peak RSS {peak / 2**20:.0f} MiB (a 1,000-file image: {base / 2**20:.0f} MiB), "
          f"{(peak - base) / max(1, args.files - 1000):.0f} bytes per file; wall {wall:.1f} s, CPU {cpu:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
