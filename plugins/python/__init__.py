"""Python packaging rules: what a Python project's image can import.

A plugin like any third-party one: registered through the ``imagepolicy``
entry-point group (``python = "imagepolicy.plugins.python"``). PY001 reads the
Dockerfile; PY002 and PY006 read a Dockerfile or a built image; PY003-PY005 read the
built image through the static model in :mod:`.runtime`. Each rule is one module
named ``pyNNN_slug.py``, collected in code order (imported only when it runs).
"""

from __future__ import annotations

from functools import lru_cache

from imagepolicy import hookimpl
from imagepolicy.rulepack import discover_rules


@lru_cache(maxsize=1)
def rules() -> tuple:
    return discover_rules(__name__, __path__, r"py\d{3}_[a-z0-9_]+")


@hookimpl
def imagepolicy_rules():
    return list(rules())
