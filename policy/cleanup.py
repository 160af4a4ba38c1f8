"""Child processes and scratch folders, cleaned up when a run is cancelled.

A cancelled CI job sends SIGTERM (or SIGINT) to imagepolicy while ShellCheck children run from
script files in a scratch folder (``/dev/shm/imagepolicy-sc-*``). Python's default would end the
process at once and leave both behind. Code that starts a child or makes a scratch folder goes
through this module instead::

    folder = cleanup.scratch_folder("imagepolicy-sc-")   # or cleanup.track(existing_folder)
    proc = cleanup.run([...], cwd=folder)                 # killed on a signal
    cleanup.remove(folder)                                # else removed when the command ends

and the CLI runs each command inside :func:`signals_handled`: on SIGTERM or SIGINT every child
still registered is killed, every scratch folder removed, one line goes to standard error, and
the process exits at once with 128 + the signal number (143, 130), without waiting for worker
threads. A child started after the signal is killed as soon as it exists.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

TYPE_CHECKING = False  # typing costs milliseconds to import; these names are for the type checker only
if TYPE_CHECKING:  # pragma: no cover
    import subprocess
    from typing import Iterator, Sequence

__all__ = ["Stopped", "remove", "run", "scratch_folder", "signals_handled", "track"]

_children: dict[int, subprocess.Popen] = {}
_folders: dict[str, None] = {}
_stopping = False
_lock = threading.Lock()  # registration only; the signal handler never takes it


class Stopped(Exception):
    """The run is being stopped by a signal; no new child is started."""


def run(args: Sequence[str], *, cwd: str | None = None, input: str | None = None,
        timeout: float | None = None) -> subprocess.CompletedProcess:
    """``subprocess.run(args, capture_output=True, text=True, timeout=timeout)``, with the child killed if the run is stopped.

    Past ``timeout`` seconds the child is killed and ``subprocess.TimeoutExpired`` raised, as ``subprocess.run`` does.
    """
    import subprocess  # here: a run that starts no child does not pay for it

    if _stopping:
        raise Stopped()
    proc = subprocess.Popen(list(args), cwd=cwd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with _lock:
        _children[proc.pid] = proc
    try:
        if _stopping:
            proc.kill()
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    finally:
        with _lock:
            _children.pop(proc.pid, None)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def scratch_folder(prefix: str, dir: str | None = None) -> str:
    """A new private folder (as ``tempfile.mkdtemp``), removed by :func:`remove`, at exit or on a signal."""
    if dir is None:
        import tempfile

        return track(tempfile.mkdtemp(prefix=prefix))
    for _ in range(100):  # as mkdtemp, without importing tempfile (and shutil, random): 3 ms at every start
        folder = os.path.join(dir, prefix + os.urandom(6).hex())
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue
        return track(os.path.abspath(folder))
    raise FileExistsError(f"no free name for a scratch folder in {dir}")


def track(folder: str) -> str:
    """Remove the existing scratch ``folder`` on a signal or when the command ends, if still there."""
    with _lock:
        _folders[folder] = None
    return folder


def remove(folder: str) -> None:
    """Remove a scratch folder made by :func:`scratch_folder`."""
    with _lock:
        _folders.pop(folder, None)
    _rmtree(folder)


def _rmtree(folder: str) -> None:
    """``shutil.rmtree(folder, ignore_errors=True)``; a flat folder (ShellCheck's scripts) without importing shutil."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    break
                os.unlink(entry.path)
            else:
                os.rmdir(folder)
                return
    except OSError:
        pass
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _snapshot(mapping: dict) -> list:
    for _ in range(100):  # another thread may change it while we copy; never block on the lock here
        try:
            return list(mapping.items())
        except RuntimeError:
            continue
    return []


def _stop(signum: int, _frame: object) -> None:
    global _stopping
    _stopping = True
    for _ in range(2):  # a child started by a worker thread during the first pass is caught by the second
        for _pid, proc in _snapshot(_children):
            with contextlib.suppress(OSError):
                proc.kill()
        time.sleep(0.05)
    for folder, _ in _snapshot(_folders):
        _rmtree(folder)
    name = signal.Signals(signum).name
    with contextlib.suppress(OSError):
        os.write(2, f"imagepolicy: stopped by {name}; child processes killed and scratch files removed\n".encode())
    os._exit(128 + signum)


@contextlib.contextmanager
def signals_handled() -> Iterator[None]:
    """Handle SIGTERM and SIGINT as described in the module docstring (main thread only), then restore."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        for folder, _ in _snapshot(_folders):
            remove(folder)
