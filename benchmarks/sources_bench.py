#!/usr/bin/env python3
"""Checking an image where CI has it, against saving it first: wall time, peak RSS and disk.

The image is ``image_bench.py``'s real ~500 MB image (Debian 12 + python3 +
numpy/scipy/pandas, built with buildah, nothing pulled), loaded into a private
dockerd (``docker load``) and pushed with skopeo to a private docker-registry
(HTTPS with a test CA, htpasswd auth), both started as ``tests/dockerengine.py``
starts them for the tests. Four ways to check it, each command in a fresh child
process (peak RSS from GNU time, as in ``image_bench.py``):

* ``docker save -o image.tar`` then ``imagepolicy check --image image.tar``;
* ``imagepolicy check --image docker-daemon:IMAGE`` (the Engine API, streamed);
* ``skopeo copy docker://... docker-archive:image.tar`` then ``imagepolicy check --image image.tar``;
* ``imagepolicy check --image docker://...`` (the registry API, streamed, range reads).

The daemon's and the registry's own CPU and memory are not in the figures
(they serve both ways alike); the archive routes also write the archive to disk.
Run as root with the tools of ``.ci/install-image-tools``::

    /work/venv/bin/python benchmarks/sources_bench.py [--repeat 3] [--archive bench.docker.tar] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

import image_bench  # noqa: E402 - the image and the measuring are shared with the archive benchmark

TAG = "imagepolicy-bench/scipy-stack:latest"


def policy_argv() -> list[str]:
    imagepolicy = image_bench.tool_path("imagepolicy")
    base = [imagepolicy] if imagepolicy else [sys.executable, "-m", "imagepolicy"]
    return [*base, "check", "--no-config", "--failure-threshold", "none", "--format", "json", "--output", os.devnull]


def routes(engine, registry, workdir: Path) -> list[tuple[str, list[tuple[list[str], dict[str, str]]], Path | None]]:
    """(label, the commands run one after the other with their environments, the archive they write)."""
    import shutil

    env = {**os.environ, "DOCKER_HOST": engine.host, "SSL_CERT_FILE": str(registry.ca_file),
           "IMAGEPOLICY_REGISTRY_PASSWORD": registry.password}
    docker = shutil.which("docker", path="/usr/bin") or "docker"
    ref = f"{registry.host}/bench/scipy-stack:latest"
    saved, copied = workdir / "saved.tar", workdir / "copied.tar"
    login = ["--registry-username", registry.user]
    skopeo = ["skopeo", "copy", "--quiet", "--src-creds", f"{registry.user}:{registry.password}", "--src-cert-dir", str(registry.cert_dir)]
    return [
        ("docker save, then check the archive", [([docker, "save", "--output", str(saved), TAG], env),
                                                 ([*policy_argv(), "--image", str(saved)], env)], saved),
        ("check docker-daemon: directly", [([*policy_argv(), "--image", f"docker-daemon:{TAG}"], env)], None),
        ("skopeo copy to docker-archive, then check it", [([*skopeo, f"docker://{ref}", f"docker-archive:{copied}:{TAG}"], env),
                                                          ([*policy_argv(), "--image", str(copied)], env)], copied),
        ("check docker:// directly", [([*policy_argv(), "--image", f"docker://{ref}", *login], env)], None),
    ]


def run(engine, registry, repeat: int) -> list[dict[str, object]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="sources-bench-") as tmp:
        plan = routes(engine, registry, Path(tmp))
        samples: dict[str, list[dict[str, float]]] = {label: [] for label, _, _ in plan}
        for _ in range(repeat):
            for label, commands, archive in plan:
                walls, rss, codes = [], [], []
                for argv, env in commands:
                    sample = image_bench.measure(argv, env=env, cwd=tmp)
                    walls.append(sample.wall)
                    rss.append(sample.peak_rss)
                    codes.append(sample.exit_code)
                disk = archive.stat().st_size if archive is not None and archive.exists() else 0
                if archive is not None:
                    archive.unlink(missing_ok=True)
                samples[label].append({"wall": sum(walls), "steps": walls, "peak_rss": max(rss), "policy_rss": rss[-1],
                                       "disk": disk, "exit": max(codes)})
        for label, runs in samples.items():
            results.append({
                "route": label,
                "wall_s": statistics.median(r["wall"] for r in runs),
                "steps_s": [statistics.median(r["steps"][i] for r in runs) for i in range(len(runs[0]["steps"]))],
                "peak_rss_mb": max(r["peak_rss"] for r in runs) / 1e6,
                "imagepolicy_rss_mb": max(r["policy_rss"] for r in runs) / 1e6,
                "disk_mb": max(r["disk"] for r in runs) / 1e6,
                "exit_codes": sorted({int(r["exit"]) for r in runs}),
            })
    return results


def table(results: list[dict[str, object]]) -> str:
    lines = ["| route | wall s (steps) | peak RSS MB (imagepolicy) | archive on disk MB | exit |", "|---|---:|---:|---:|---:|"]
    for r in results:
        steps = " + ".join(f"{s:.2f}" for s in r["steps_s"]) if len(r["steps_s"]) > 1 else ""
        lines.append(f"| {r['route']} | {r['wall_s']:.2f}{f' ({steps})' if steps else ''} | {r['peak_rss_mb']:.1f} ({r['imagepolicy_rss_mb']:.1f}) "
                     f"| {r['disk_mb']:.0f} | {','.join(map(str, r['exit_codes']))} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--archive", type=Path, help="benchmark this docker-archive instead of the built benchmark image")
    parser.add_argument("--repeat", type=int, default=1, help="runs per route; medians of wall time, largest peak RSS (default 1)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    import dockerengine  # noqa: PLC0415 - the test engine and registry

    reason = dockerengine.engine_unavailable()
    if reason is not None:
        sys.exit(f"sources_bench: {reason}")
    cache = image_bench.bench_cache()
    archive = args.archive.resolve() if args.archive else image_bench.build_archives(cache, rebuild=False)[0]
    with dockerengine.running_engine(cache) as engine, tempfile.TemporaryDirectory(prefix="bench-registry-") as folder, \
            dockerengine.running_registry(Path(folder)) as registry:
        engine.docker("load", "--quiet", "--input", str(archive), what="docker load of the benchmark image")
        loaded = json.loads(subprocess.run(["tar", "-xOf", str(archive), "manifest.json"], capture_output=True, check=True).stdout)
        engine.docker("tag", loaded[0]["RepoTags"][0] if loaded[0].get("RepoTags") else loaded[0]["Config"].split(".")[0], TAG)
        registry.push(engine, TAG, "bench/scipy-stack:latest")
        results = run(engine, registry, args.repeat)
    print(f"image: {archive} ({archive.stat().st_size / 1e6:.0f} MB as a docker-archive); "
          f"{platform.node()} {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; --repeat {args.repeat}")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps({"archive": str(archive), "repeat": args.repeat, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
