"""Hostile Dockerfiles end fast, small and with exit 2 naming the limit (issue 8).

Each case runs the real CLI in a child process and reads that child's own
peak RSS (``os.wait4``): every one must end within 10 s and 500 MB with one
error line that names the limit and how to raise it, and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from imagepolicy import limits
from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.model import InputError

SECONDS = 10
MEGABYTES = 500


def run_cli(path: Path, *extra: str) -> tuple[int, dict, str, float, float]:
    """(exit code, JSON report, stderr, seconds, peak RSS in MB) of ``imagepolicy check path``, in a child process.

    ``seconds`` is the child's CPU time (user + system) when that is the larger share of its wall
    time: on a machine shared with other jobs, wall time measures the neighbours, not the input.
    """
    argv = [sys.executable, "-m", "imagepolicy", "check", str(path), "--no-config", "--format", "json", *extra]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=path.parent)
        timer = threading.Timer(SECONDS * 3, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage: its peak RSS
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = min(time.monotonic() - start, usage.ru_utime + usage.ru_stime + 1.0)
        out.seek(0)
        err.seek(0)
        report, stderr = out.read(), err.read().decode()
    return proc.returncode, json.loads(report or b"{}"), stderr, seconds, usage.ru_maxrss / 1024


def assert_refused(path: Path, limit: str, *extra: str) -> None:
    code, report, err, seconds, rss = run_cli(path, *extra)
    assert code == 2, (code, err)
    messages = [e["message"] for e in report["errors"]]
    assert len(messages) == 1 and "\n" not in messages[0], messages
    assert f"exceeds the limit {limit}=" in messages[0] and f"--limit {limit}=N" in messages[0], messages
    assert "Traceback" not in err and "internal error" not in err, err
    assert seconds < SECONDS, f"{path.name} took {seconds:.1f} s"
    assert rss < MEGABYTES, f"{path.name} peaked at {rss:.0f} MB"


def test_a_50_mb_single_line_dockerfile(tmp_path):
    path = tmp_path / "Dockerfile"
    with path.open("w") as handle:
        handle.write("FROM debian:12\nRUN echo ")
        handle.write("a" * (50 * 1024 * 1024))
    assert_refused(path, "dockerfile-bytes")


def test_200k_instructions(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12\n" + "USER 1\n" * 200_000)
    assert_refused(path, "dockerfile-instructions", "--limit", "dockerfile-bytes=100000000")


def test_thousands_of_variables(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12\n" + "".join(f"ENV V{i}=x\n" for i in range(3_000)))
    assert_refused(path, "dockerfile-variables")


def test_exponential_arg_expansion(tmp_path):
    lines = ["ARG a0=xx"] + [f"ARG a{i}=$a{i - 1}$a{i - 1}" for i in range(1, 61)] + ["FROM debian:12"]
    path = tmp_path / "Dockerfile"
    path.write_text("\n".join(lines) + "\n")
    assert_refused(path, "expansion-bytes")


def test_a_20k_replacement_chain(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12\nARG V=" + "a" * 200 + "\nENV X=" + "${V//a/b}" * 20_000 + "\n")
    assert_refused(path, "expansion-bytes")


def test_10000_deep_nested_default(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12\nENV X=" + "${a:-" * 10_000 + "x" + "}" * 10_000 + "\n")
    assert_refused(path, "expansion-depth")


def test_copy_from_fan_out(tmp_path):
    lines = ["FROM debian:12 AS s0", "RUN echo > /f"]
    for i in range(1, 40):
        lines += [f"FROM debian:12 AS s{i}", f"COPY --from=s{i - 1} /f /f", f"COPY --from=s{i - 1} /f /g"]
    lines += ["RUN cat /f"]
    path = tmp_path / "Dockerfile"
    path.write_text("\n".join(lines) + "\n")
    assert_refused(path, "stage-copy-paths")


def test_limits_can_be_raised_and_ordinary_files_are_far_below_them():
    # A legitimate deep-ish file stays well inside every default.
    text = "ARG A=1\n" + "FROM debian:12 AS a\n" + "".join(f"FROM a AS s{i}\nCOPY --from=a /x /x\n" for i in range(20))
    parse_dockerfile(text=text)
    with limits.override(expansion_depth=2):
        with pytest.raises(InputError, match="expansion-depth"):
            parse_dockerfile(text="FROM debian:12\nENV X=${a:-${b:-${c}}}\n")
        parse_dockerfile(text="FROM debian:12\nENV X=${a:-${b}}\n")


# A RUN just under dockerfile-bytes is legitimate input: every rule reads its commands, so the
# command splitter must stay linear (a 1 MB word once cost 30 s: words grew a character at a time).
LARGE_RUNS = {
    "one long word": "echo " + "a" * 1_000_000,
    "many words": "echo " + "a " * 500_000,
    "many commands": "apt-get install -y foo && " * 37_000 + "true",
    "many substitutions": 'echo "' + "x$(y) " * 140_000 + '"',
    "long quoted strings": "echo '" + "a" * 500_000 + "' \"" + "b" * 450_000 + '"',
}


@pytest.mark.parametrize("script", LARGE_RUNS.values(), ids=list(LARGE_RUNS))
def test_a_run_as_large_as_the_limit_allows_is_checked_in_bounds(tmp_path, script):
    path = tmp_path / "Dockerfile"
    path.write_text("FROM debian:12\nRUN " + script + "\n")
    assert path.stat().st_size < limits.get("dockerfile-bytes")
    code, report, err, seconds, rss = run_cli(path)
    assert code in (0, 1), (code, err)
    assert not report["errors"] and "Traceback" not in err
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    assert rss < MEGABYTES, f"peaked at {rss:.0f} MB"
