"""Run imagepolicy as CI runs it, under a time and a memory bound, and check what hostile input may never cause.

Issue 8's promise for every hostile input: the run ends within 10 s and 500 MB with exit 0, 1 or 2
and a one-line message; no traceback; nothing leaked; no CI log command injected. The adversarial
suites (tests/test_adversarial.py and the Dockerfile and image readers' own) share this helper::

    from bounded import run_bounded, assert_contained

    result = run_bounded(["check", "Dockerfile"], cwd=repo, env={"CI_TOKEN": secret})
    assert_contained(result, secret=secret)
    assert result.returncode == 2 and "Dockerfile:" in result.stdout

:func:`run_bounded` starts the installed ``imagepolicy`` console script (so the checkout is not on
``sys.path``, as in CI) in its own session with ``RLIMIT_AS`` set, kills the whole process group
when the time is up, reaps it with ``wait4`` to learn its peak RSS, and notes any process of the
group still alive after imagepolicy exited (a ShellCheck child that outlived it).
:func:`assert_contained` then checks the outcome and says which promise broke.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

MiB = 1024 * 1024
TIME_BOUND = 10.0  # seconds
MEMORY_BOUND = 500 * MiB  # bytes of address space (RLIMIT_AS)

# The installed console script: what CI, pre-commit and the GitLab template run.
CONSOLE_SCRIPT = Path(sys.executable).with_name("imagepolicy")

# A line that a CI runner would read as a command: GitHub (`::cmd::`, legacy `##[cmd]`, after
# leading blanks), Azure Pipelines and TeamCity (`##vso[`, `##teamcity[` anywhere on the line).
_COMMAND_START = re.compile(r"^\s*(?:::|##\[)")
_COMMAND_ANYWHERE = re.compile(r"##(?:vso|teamcity)\[")
# Our own GitHub annotations (--format github): `::error file=...,line=3,title=...::message`.
_OWN_ANNOTATION = re.compile(r"^::(?:error|warning|notice)(?: [^:\r\n]*)?::[^\r\n]*$")
# Raw control characters other than tab and newline (ESC starts terminal sequences, CR rewrites a line).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass
class Bounded:
    """What one bounded run did."""

    args: list[str]
    returncode: int | None  # None when killed at the time bound
    stdout: str
    stderr: str
    seconds: float
    max_rss: int  # bytes, peak resident set of imagepolicy (or its largest child)
    timed_out: bool
    time_bound: float
    memory_bound: int
    leftovers: list[int] = field(default_factory=list)  # pids of the group alive after imagepolicy exited
    cpu: float = 0.0  # seconds of CPU (user + system) imagepolicy used: the work done, whatever the machine's load

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        """A short account for assertion messages."""
        return (
            f"imagepolicy {' '.join(self.args)}: exit {self.returncode}, {self.seconds:.1f} s, "
            f"{self.max_rss / MiB:.0f} MB peak\n--- stdout (tail)\n{self.stdout[-1500:]}\n--- stderr (tail)\n"
            f"{self.stderr[-1500:]}"
        )


def command(args: Sequence[str]) -> list[str]:
    """The argv for ``imagepolicy ARGS``: the console script, else ``python -P -m imagepolicy``."""
    if CONSOLE_SCRIPT.exists():
        return [str(CONSOLE_SCRIPT), *args]
    return [sys.executable, "-P", "-m", "imagepolicy", *args]


def run_bounded(
    args: Sequence[str],
    *,
    cwd: Path | str,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float = TIME_BOUND,
    memory: int = MEMORY_BOUND,
    argv: Sequence[str] | None = None,
) -> Bounded:
    """Run ``imagepolicy ARGS`` (or ``argv`` as given) in ``cwd`` under ``timeout`` seconds and ``memory`` bytes.

    ``env`` is added to a minimal CI-like environment (PATH, HOME, LANG, NO_COLOR) rather than to
    the test's own, so a planted secret is the only one around. Returns a :class:`Bounded`; it never
    raises on a hang or a crash, :func:`assert_contained` judges.
    """
    full_env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "CI": "true",
        **(env or {}),
    }
    for name in ("IMAGEPOLICY_TEST_CACHE", "TMPDIR"):  # keep the test machine's own settings
        if name in os.environ and name not in full_env:
            full_env[name] = os.environ[name]
    cmd = list(argv) if argv is not None else command(args)

    def limit() -> None:  # in the child, before exec
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=full_env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, preexec_fn=limit,
    )
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream) -> None:
        chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(name, stream), daemon=True)
               for name, stream in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    if stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
    timed_out, status, usage = False, None, None
    while True:
        pid, raw_status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status = raw_status
            break
        if time.monotonic() - started > timeout:
            timed_out = True
            _kill_group(proc.pid)
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    leftovers = _group_members(proc.pid)
    if leftovers:
        _kill_group(proc.pid)
    for reader in readers:
        reader.join(timeout=5)
    return Bounded(
        args=[str(a) for a in args],
        returncode=None if timed_out else proc.returncode,
        stdout=chunks.get("out", b"").decode("utf-8", "replace"),
        stderr=chunks.get("err", b"").decode("utf-8", "replace"),
        seconds=seconds,
        max_rss=usage.ru_maxrss * 1024,
        timed_out=timed_out,
        time_bound=timeout,
        memory_bound=memory,
        leftovers=leftovers,
        cpu=usage.ru_utime + usage.ru_stime,
    )


def _feed(stream, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:
        pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _group_members(pgid: int) -> list[int]:
    """Pids of live (not zombie) processes in process group ``pgid``."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def command_lines(text: str, *, own_annotations: bool = False) -> list[str]:
    """The lines of ``text`` a CI runner would execute as commands (``own_annotations`` allows ours)."""
    found = []
    for line in re.split(r"\r\n|\r|\n", text):
        if _COMMAND_ANYWHERE.search(line):
            found.append(line)
        elif _COMMAND_START.match(line) and not (own_annotations and _OWN_ANNOTATION.match(line)):
            found.append(line)
    return found


def assert_contained(
    result: Bounded,
    *,
    secret: str | None = None,
    files: Iterable[Path | str] = (),
    exit_codes: Iterable[int] = (0, 1, 2),
    max_stderr_lines: int = 1,
    github_format: bool = False,
) -> None:
    """Every promise of issue 8 for one run; the message says which one broke.

    ``secret``: a value planted in the environment that must appear in no output and in none of
    ``files`` (the reports the run wrote). ``max_stderr_lines``: how many lines standard error may
    hold (one message per input error). ``github_format``: standard output is ``--format github``,
    whose own annotations are allowed.
    """
    where = result.describe()
    assert not result.timed_out, f"did not end within {result.time_bound:.0f} s\n{where}"
    assert "MemoryError" not in result.output and result.max_rss < result.memory_bound, \
        f"went past the {result.memory_bound // MiB} MB memory bound\n{where}"
    assert result.returncode in tuple(exit_codes), f"exit code not in {tuple(exit_codes)}\n{where}"
    assert "Traceback" not in result.output, f"a traceback\n{where}"
    assert "internal error" not in result.output, f"an internal error instead of an input error\n{where}"
    assert not result.leftovers, f"processes {result.leftovers} outlived imagepolicy\n{where}"
    stderr_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(stderr_lines) <= max_stderr_lines, f"more than {max_stderr_lines} line(s) on stderr\n{where}"
    injected = command_lines(result.stdout, own_annotations=github_format) + command_lines(result.stderr)
    assert not injected, f"lines a CI runner would run as commands: {injected[:3]}\n{where}"
    raw = _CONTROL.findall(result.output)
    assert not raw, f"raw control characters in the output: {sorted(set(raw))[:5]}\n{where}"
    if secret:
        assert secret not in result.output, f"the planted secret is in the output\n{where}"
        for path in files:
            path = Path(path)
            if path.is_file() and not path.is_symlink():
                assert secret.encode() not in path.read_bytes(), f"the planted secret is in {path}\n{where}"
