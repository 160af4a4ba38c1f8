"""Collecting a plugin's rule modules: one module per rule, found by name.

A plugin package whose rule modules follow a naming pattern (``dl3006_*.py``,
``im001_*.py``) calls :func:`discover_rules` from its hook implementations
instead of keeping a hand-written list in step with its folder.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Iterable

from .model import Rule


def discover_rules(package: str, path: Iterable[str], pattern: str) -> tuple[Rule, ...]:
    """Import every module of ``package`` whose name matches ``pattern``.

    Each such module must define ``check``, made with :func:`imagepolicy.model.rule`.
    Returns the rules sorted by code.
    """
    name_re = re.compile(pattern)
    found = []
    for info in pkgutil.iter_modules(list(path)):
        if name_re.fullmatch(info.name):
            module = importlib.import_module(f"{package}.{info.name}")
            check = getattr(module, "check", None)
            if not isinstance(check, Rule):
                raise TypeError(f"{package}.{info.name}: a rule module must define `check` with @imagepolicy.model.rule")
            found.append(check)
    return tuple(sorted(found, key=lambda r: r.code))
