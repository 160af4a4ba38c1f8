#!/usr/bin/env python3
"""What a one-file run imports, and what each import costs (``python -X importtime``).

Runs ``imagepolicy check --no-config Dockerfile`` on one Dockerfile (``--file``, default
``tests/corpus/python.Dockerfile``) in a folder of its own, ``--runs`` times per state, with the
interpreter's ``-X importtime``, and reports per state the modules imported, their summed import
time (the median run) and the modules that cost most (each module's smallest self time over the
runs, which is the least disturbed by a busy machine):

* ``cold``: the cache holds what the installation needs but nothing about this file (a Dockerfile
  seen for the first time);
* ``warm``: the same run again, which is replayed before the checker is imported;
* ``--no-cache``: no cache at all.

``-X importtime`` adds its own overhead, so the sums are above the real cost; compare states and
modules, and take whole-run times from ``speed_bench.py``. It only sees ``import`` statements: the
plugins and the rule modules, which the core loads with ``importlib.import_module``, are missing
from it, so one more cold and ``--no-cache`` run with ``python -v`` counts every module imported and
the rule modules among them (``imagepolicy.plugins.<plugin>.<code>_...``). Run it with the interpreter of a
non-editable install::

    /tmp/bench/bin/python benchmarks/import_bench.py [--runs 5] [--top 15]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ONE_FILE = HERE.parent / "tests" / "corpus" / "python.Dockerfile"
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")
VERBOSE = re.compile(r"^import '([^']+)' #")
RULE_MODULE = re.compile(r"^imagepolicy\.plugins\.\w+\.[a-z]+\d+_\w+$")


def imports(stderr: str) -> dict[str, int]:
    """Self time (µs) of every module a ``-X importtime`` run imported."""
    found = {}
    for line in stderr.splitlines():
        match = LINE.match(line)
        if match:
            found[match.group(4)] = int(match.group(1))
    return found


def run(python: str, script: str, args: list[str], cwd: Path) -> dict[str, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGEPOLICY_") and k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run([python, "-X", "importtime", script, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"imagepolicy exited {proc.returncode}: {proc.stderr[-2000:]}")
    return imports(proc.stderr)


def every_import(python: str, script: str, args: list[str], cwd: Path) -> set[str]:
    """Every module a run imported, ``importlib.import_module`` included (``python -v``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGEPOLICY_") and k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run([python, "-v", script, *args], cwd=cwd, env=env, capture_output=True, text=True)
    return {m.group(1) for m in map(VERBOSE.match, proc.stderr.splitlines()) if m}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=ONE_FILE)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    script = str(Path(sys.executable).with_name("imagepolicy"))
    python = Path(script).read_text(encoding="utf-8").splitlines()[0].removeprefix("#!").strip()  # the command's own
    with tempfile.TemporaryDirectory(prefix="imagepolicy-imports-") as tmp:
        root = Path(tmp)
        work = root / "work"
        (work / ".git").mkdir(parents=True)
        shutil.copyfile(args.file, work / "Dockerfile")
        other = root / "other"
        (other / ".git").mkdir(parents=True)
        (other / "Dockerfile").write_text("FROM debian:12\nRUN echo warming\n")
        cache, install = root / "cache", root / "install"
        command = ["check", "--no-config", "Dockerfile", "--cache-dir", str(cache)]
        run(python, script, command, other)
        shutil.copytree(cache, install, ignore=shutil.ignore_patterns("file", "run", "shellcheck", "stat"))
        states: dict[str, list[dict[str, int]]] = {"cold": [], "warm": [], "--no-cache": []}
        for _ in range(args.runs):
            shutil.rmtree(cache)
            shutil.copytree(install, cache)
            states["cold"].append(run(python, script, command, work))
            states["warm"].append(run(python, script, command, work))
            states["--no-cache"].append(run(python, script, ["check", "--no-config", "--no-cache", "Dockerfile"], work))
        shutil.rmtree(cache)
        shutil.copytree(install, cache)
        # Not the warm state: a replay prints the recorded run's standard error, -v's lines included.
        every = {"cold": every_import(python, script, command, work),
                 "--no-cache": every_import(python, script, ["check", "--no-config", "--no-cache", "Dockerfile"], work)}
    print(f"{sys.implementation.name} {sys.version.split()[0]}; {args.file.name}; {args.runs} runs per state; "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| state | modules imported (-X importtime) | summed import time, ms (median run) | every module (-v) | rule modules |")
    print("|---|---:|---:|---:|---:|")
    for state, samples in states.items():
        found = every.get(state)
        counts = (f"{len(found)} | {sum(1 for name in found if RULE_MODULE.match(name))}" if found is not None
                  else "(as -X importtime: a replay imports no plugin) | 0")
        print(f"| {state} | {len(samples[0])} | {statistics.median(sum(s.values()) for s in samples) / 1000:.1f} | {counts} |")
    for state in ("cold", "warm"):
        samples = states[state]
        least = {name: min(s.get(name, 0) for s in samples) for name in samples[0]}
        print(f"\nCostliest imports, {state} (smallest self time over the runs, ms):")
        for name, micros in sorted(least.items(), key=lambda item: -item[1])[: args.top]:
            print(f"  {micros / 1000:6.2f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
