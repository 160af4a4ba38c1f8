"""The ``imagepolicy`` command: an unchanged run is replayed (:mod:`imagepolicy.replay`), any other goes to the CLI."""

import gc
import os
import sys


def startup_over() -> None:
    """Resume the garbage collector that :func:`main` paused, sparing it what start-up made.

    ``gc.freeze()`` moves every object alive now (modules, classes, functions, the plugins, the
    rules, the config) out of the collector's reach, so the collections that follow look at what
    the check makes. Called once the plugins are loaded, and by the engine once the first
    Dockerfile's rules ran (their modules are imported then) or before an image is read. Nothing is
    done when the collector runs already (the CLI called in-process, a second call).
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def main() -> int:
    # Starting up (imports, plugins, rules, config) makes objects that live as long as the run: the
    # collector would walk them 40 times for nothing (7 ms of a one-file check). It is paused until
    # the start-up is over (see startup_over).
    gc.disable()
    argv = sys.argv[1:]
    from . import replay

    code = replay.attempt(argv)
    if code is not None:
        return code
    recorder = replay.Recorder.start(argv)
    code = 2
    try:
        from .cli import main as cli_main

        code = cli_main(argv)
    finally:
        if recorder is not None:
            recorder.finish(code)
    return code


def run() -> None:
    """The ``imagepolicy`` command (console script, ``python -m imagepolicy``): :func:`main`, then exit at once.

    When ``main`` returns, everything the run writes is written (reports renamed into place, cache
    entries, the output flushed below) and every worker it waited for is done; nothing registers
    an ``atexit`` hook. Tearing the interpreter down (every module's dict, a last collection) would
    cost 3 ms more of a cold check and a sixth of a replayed one, so the process ends with
    ``os._exit``. Code calling :func:`main` in-process keeps the interpreter, as before.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a reader that went away, a closed stream: nothing more can be said there
    os._exit(code)
