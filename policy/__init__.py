"""imagepolicy: pre-merge image policy for CI.

Plugins import :data:`hookimpl` from here to mark their hook implementations.
Nothing is loaded or registered at import time.
"""

from .hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["hookimpl", "__version__"]
