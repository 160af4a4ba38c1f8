"""The image plugin: rules that read a built image's config and merged filesystem.

A plugin like any third-party one: registered through the ``imagepolicy``
entry-point group (``image = "imagepolicy.plugins.image"``). Each rule is one
module named ``imNNN_slug.py`` in this package holding a ``check`` made with
:func:`imagepolicy.model.rule`; they are collected in code order and the
engine runs them on every image.
"""

from __future__ import annotations

from functools import lru_cache

from imagepolicy import hookimpl
from imagepolicy.rulepack import discover_rules


@lru_cache(maxsize=1)
def rules() -> tuple:
    return discover_rules(__name__, __path__, r"im\d{3}_[a-z0-9_]+")


@hookimpl
def imagepolicy_rules():
    return list(rules())
