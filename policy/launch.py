"""The ``imagepolicy`` command: an unchanged run is replayed (:mod:`imagepolicy.replay`), any other goes to the CLI."""

import sys


def main() -> int:
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
