"""The ``imagepolicy`` command: an unchanged run is replayed (:mod:`imagepolicy.replay`), any other goes to the CLI."""

import gc
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
        from .cli import main as run

        code = run(argv)
    finally:
        if recorder is not None:
            recorder.finish(code)
    return code
