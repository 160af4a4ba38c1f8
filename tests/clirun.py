"""``imagepolicy ARGS`` in the test's own process, answered like ``subprocess.run`` answers.

Starting the interpreter and importing imagepolicy costs about 0.25 s of CPU per
run; most CLI tests check what a run prints and its exit code, which the same
code gives in-process. :func:`run` calls the console script's entry point
(``imagepolicy.launch.main``, as the ``imagepolicy`` command does) with

* ``sys.argv``, the environment (exactly ``env``, or this process's), the working
  folder and standard input/output/error of the run's own, all restored after;
* the state a fresh process would start with: notes said once per process, the
  limits in force, and the cache's memos are emptied for the run and restored after,
  and the garbage collector (which ``main`` pauses during start-up) runs again after;
* ``SystemExit`` (argparse's usage errors) taken as the exit code.

It returns a ``subprocess.CompletedProcess`` with text ``stdout``/``stderr``.
Tests whose point is the process itself (signals, ``-I``, ``sys.path``, time and
memory bounds, the console script's own exit, a fresh venv, the results cache
across runs) keep running a child process.
"""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
from pathlib import Path


def _stream(data: bytes = b"") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape", newline=None,
                            write_through=True)


def _read(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", errors="replace").replace("\r\n", "\n")


def run(*args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None,
        input: str | None = None) -> subprocess.CompletedProcess:
    """``imagepolicy ARGS`` in this process: its exit code, standard output and standard error."""
    from imagepolicy import cache, inputs, launch, limits, notes

    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_io = sys.stdin, sys.stdout, sys.stderr
    saved_argv = sys.argv
    saved_state = set(notes._said), dict(limits._values), dict(inputs._contexts), set(cache._watched)
    collecting = gc.isenabled()  # launch.main pauses the collector until its start-up is over
    stdin, stdout, stderr = _stream((input or "").encode()), _stream(), _stream()
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        notes._said.clear()
        limits._values.clear()
        inputs._contexts.clear()
        cache._watched.clear()
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        sys.argv = ["imagepolicy", *args]
        try:
            code = launch.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=sys.stderr)
        out, err = _read(stdout), _read(stderr)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_io
        sys.argv = saved_argv
        if collecting:
            gc.enable()
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for memo, value in zip((notes._said, limits._values, inputs._contexts, cache._watched), saved_state):
            memo.clear()
            memo.update(value)
    return subprocess.CompletedProcess(["imagepolicy", *args], code, out, err)
