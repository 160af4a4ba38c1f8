"""The ``imagepolicy`` command: an unchanged run is replayed (:mod:`imagepolicy.replay`), any other goes to the CLI."""

import gc
import sys


def main() -> int:
    # Starting up (imports, plugins, rules, config) makes objects that live as long as the run: the
    # collector would walk them 40 times for nothing (7 ms of a one-file check). It is paused until
    # the plugins are loaded, when they are moved out of its reach (see imagepolicy.cli.startup_over).
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
