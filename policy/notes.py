"""Notes for the user on standard error, each said once per process (deprecations).

A note never changes the exit code; it says what still works and what to write
instead, naming the file and the key.
"""

from __future__ import annotations

import sys

_said: set[str] = set()


def note_once(message: str) -> None:
    """Print ``imagepolicy: note: <message>`` to standard error unless it was said already."""
    if message in _said:
        return
    _said.add(message)
    from .output import neutralise

    print(neutralise(f"imagepolicy: note: {message}"), file=sys.stderr)  # safe for CI logs, as every line printed
