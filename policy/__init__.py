"""imagepolicy: pre-merge image policy for CI.

Plugins import :data:`hookimpl` from here to mark their hook implementations.
Nothing is loaded or registered at import time.
"""

import sys as _sys

if _sys.argv[:1] == ["-m"]:  # `python -m imagepolicy` is locating us: see imagepolicy.tree
    from .tree import drop_working_directory_from_sys_path

    drop_working_directory_from_sys_path()

from .hookspecs import hookimpl  # noqa: E402 - after sys.path is cleaned

__version__ = "0.1.0"

__all__ = ["hookimpl", "__version__"]
