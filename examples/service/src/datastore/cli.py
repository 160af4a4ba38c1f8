"""Command line entry point: ``datastore KEY=VALUE ... KEY``."""

import sys

from . import get, put


def main() -> int:
    for arg in sys.argv[1:]:
        if "=" in arg:
            key, value = arg.split("=", 1)
            put(key, value)
        else:
            print(get(arg))
    return 0
