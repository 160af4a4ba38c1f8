"""Collecting a plugin's rule modules: one module per rule, found by name.

A plugin package whose rule modules follow a naming pattern (``dl3006_*.py``,
``im001_*.py``) calls :func:`discover_rules` from its hook implementations
instead of keeping a hand-written list in step with its folder.

Declaring a rule does not import its module. The first run imports every rule
module and keeps each rule's declaration (code, name, severity, target, summary,
docs, aliases, options, needs) in the cache, keyed by the installed code and the
files of the package; later runs build the rules from there, each with a
:class:`LazyCheck` that imports the module when the engine first runs the rule.
A run over Dockerfiles then never imports the image rules, a Dockerfile without
what a rule ``needs`` (no LABEL, no ``apt-get``) never imports that rule, and
``imagepolicy rules`` imports none.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import fields
from typing import Any, Iterable

from .model import Rule, Severity

#: The declaration fields kept in the cache: all but ``check`` (a LazyCheck) and ``severity`` (kept as its label).
_FIELDS = tuple(f.name for f in fields(Rule) if f.name not in ("check", "severity"))


class LazyCheck:
    """A rule's check function, imported on first call from the rule's module (its ``check``)."""

    __slots__ = ("module", "code", "_function")

    def __init__(self, module: str, code: str) -> None:
        self.module = module
        self.code = code
        self._function: Any = None

    def load(self) -> Any:
        if self._function is None:
            found = getattr(importlib.import_module(self.module), "check", None)
            if not isinstance(found, Rule) or found.code != self.code or found.check is None:
                raise TypeError(f"{self.module}: its `check` is no longer the rule {self.code} it declared")
            self._function = found.check
        return self._function

    def __call__(self, target: Any, ctx: Any) -> Any:
        return self.load()(target, ctx)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyCheck):
            return (self.module, self.code) == (other.module, other.code)
        return callable(other) and getattr(other, "__module__", None) == self.module and self.load() is other

    def __hash__(self) -> int:
        return hash((self.module, self.code))

    def __repr__(self) -> str:
        return f"<check of {self.code} in {self.module}, imported when first run>"


def discover_rules(package: str, path: Iterable[str], pattern: str) -> tuple[Rule, ...]:
    """The rules of every module of ``package`` whose name matches ``pattern``, sorted by code.

    Each such module must define ``check``, made with :func:`imagepolicy.model.rule`.
    """
    folders = list(path)
    key = _key(package, folders, pattern)
    if key is not None:
        rules = _from_cache(key)
        if rules is not None:
            return rules
    import pkgutil  # the folder is listed only when the declarations are not in the cache

    name_re = re.compile(pattern)
    names = sorted(info.name for info in pkgutil.iter_modules(folders) if name_re.fullmatch(info.name))
    found = []
    for name in names:
        module = importlib.import_module(f"{package}.{name}")
        check = getattr(module, "check", None)
        if not isinstance(check, Rule):
            raise TypeError(f"{package}.{name}: a rule module must define `check` with @imagepolicy.model.rule")
        found.append(check)
    rules = tuple(sorted(found, key=lambda r: r.code))
    if key is not None:
        _store(key, rules)
    return rules


def _key(package: str, folders: list[str], pattern: str) -> str | None:
    """The cache key of a package's declarations: the installed code and the stat of the package's files."""
    from . import cache, installed

    if cache.current() is None:
        return None
    try:
        return cache.digest(["decl", package, pattern, _FIELDS, installed.identity(), installed.stat_tree(folders)])
    except OSError:
        return None


def _from_cache(key: str) -> tuple[Rule, ...] | None:
    from . import cache

    store = cache.current()
    rows = store.get("decl", key) if store is not None else None
    if not isinstance(rows, list):
        return None
    rules = []
    try:
        for row in rows:
            fields = {name: row[name] for name in _FIELDS}
            fields["aliases"] = tuple(fields["aliases"])
            fields["needs"] = tuple(fields["needs"])
            module = row["module"]
            rules.append(Rule(severity=Severity.parse(row["severity"]), check=LazyCheck(module, fields["code"]), **fields))
    except (KeyError, TypeError, ValueError):
        return None
    return tuple(rules)


def _store(key: str, rules: tuple[Rule, ...]) -> None:
    from . import cache

    rows = []
    for rule in rules:
        check = rule.check
        module = getattr(check, "__module__", None)
        if check is None or module is None or getattr(importlib.import_module(module), "check", None) is not rule:
            return  # a rule whose check cannot be found again by module: not cached
        row = {name: getattr(rule, name) for name in _FIELDS}
        row.update(aliases=list(rule.aliases), needs=list(rule.needs), severity=rule.severity.label, module=module)
        try:
            same = json.loads(cache.canonical(row)) == row
        except (TypeError, ValueError):
            same = False
        if not same:
            return  # options JSON cannot hold as they are (a tuple, a set): imported every time
        rows.append(row)
    store = cache.current()
    if store is not None:
        store.put("decl", key, rows)
