"""The image plugin: rules that read a built image's config and merged filesystem.

A plugin like any third-party one: registered through the ``imagepolicy``
entry-point group (``image = "imagepolicy.plugins.image"``). Each rule is one
module named ``imNNN_slug.py`` in this package holding a ``check`` made with
:func:`imagepolicy.model.rule`; they are collected in code order.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from imagepolicy import hookimpl

_MODULE_RE = re.compile(r"^im\d{3}_[a-z0-9_]+$")


@lru_cache(maxsize=1)
def rules() -> tuple:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if _MODULE_RE.match(info.name):
            module = importlib.import_module(f"{__name__}.{info.name}")
            found.append(module.check)
    return tuple(sorted(found, key=lambda r: r.code))


@hookimpl
def imagepolicy_rules():
    return list(rules())


@hookimpl
def imagepolicy_check_image(image, session):
    return session.run_rules(rules(), image)
