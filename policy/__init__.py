"""imagepolicy: pre-merge image policy for CI.

Plugins import :data:`hookimpl` from here to mark their hook implementations.
Nothing is loaded or registered at import time, and importing this package is
cheap: ``hookimpl`` (and with it pluggy) is loaded on first use.
"""

import sys as _sys

if _sys.argv[:1] == ["-m"]:  # `python -m imagepolicy` is locating us: see imagepolicy.tree
    from .tree import drop_working_directory_from_sys_path

    drop_working_directory_from_sys_path()

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover - for the type checker; at run time see __getattr__
    from .hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["hookimpl", "__version__"]


def __getattr__(name: str) -> object:
    if name == "hookimpl":
        from .hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'imagepolicy' has no attribute {name!r}")
