"""Building the plugin manager and collecting what plugins declare.

Load order is fixed and documented: entry points of the ``imagepolicy`` group
sorted by (distribution name, entry-point name) — the built-in plugins are
entry points of the ``imagepolicy`` distribution like any other — then the
modules listed in the config's ``plugins`` key, in the order given. Nothing is
loaded at import time; :func:`build_plugin_manager` does it all.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Sequence

import pluggy

from . import hookspecs
from .model import InputError, ReportFormat, Rule

ENTRY_POINT_GROUP = "imagepolicy"


class PluginError(InputError):
    """A plugin failed to load or declared something invalid (exit code 2)."""


def _dist_name(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return getattr(dist, "name", None) or "?"


def build_plugin_manager(extra_modules: Sequence[str] = (), *, autoload: bool = True, config_path: str | None = None) -> pluggy.PluginManager:
    """Return a plugin manager with every plugin registered and checked."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if autoload:
        eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (_dist_name(e), e.name))
        for ep in eps:
            if pm.has_plugin(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # noqa: BLE001 - any import failure is the plugin's
                raise PluginError(
                    f"plugin {ep.name!r} ({ep.value}) from distribution {_dist_name(ep)!r} failed to load: "
                    f"{type(exc).__name__}: {exc}; reinstall or uninstall that distribution"
                ) from None
            _register(pm, plugin, ep.name, f"entry point {ep.name!r} of {_dist_name(ep)!r}")
    where = config_path or "the config"
    for module_name in extra_modules:
        if pm.has_plugin(module_name):
            continue
        try:
            plugin = importlib.import_module(module_name)
        except Exception as exc:  # noqa: BLE001
            raise PluginError(
                f"{where}: plugins: cannot import {module_name!r}: {type(exc).__name__}: {exc}; "
                "check the module path and that its package is installed"
            ) from None
        _register(pm, plugin, module_name, f"module {module_name!r} listed in {where}")
    return pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str, what: str) -> None:
    try:
        pm.register(plugin, name=name)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(name=name)
        raise PluginError(f"{what} is not a valid imagepolicy plugin: {exc}") from None


@dataclass(frozen=True)
class Registry:
    """Everything the loaded plugins declare, checked for clashes."""

    rules: tuple[Rule, ...]
    formats: dict[str, ReportFormat]
    presets: dict[str, dict]

    def rule(self, code: str) -> Rule | None:
        for rule in self.rules:
            if rule.matches(code):
                return rule
        upper = code.upper()
        for rule in self.rules:
            if rule.matches(upper):
                return rule
        return None


def collect(pm: pluggy.PluginManager) -> Registry:
    """Ask every plugin for its rules, formats and presets; reject clashes."""
    rules: list[Rule] = []
    owners: dict[str, str] = {}
    for impl in pm.hook.imagepolicy_rules.get_hookimpls():
        declared = impl.function() or []
        for rule in declared:
            if not isinstance(rule, Rule):
                raise PluginError(f"plugin {impl.plugin_name!r}: imagepolicy_rules returned {rule!r}, not an imagepolicy.model.Rule")
            for key in (rule.code, rule.name, *rule.aliases):
                if key in owners and owners[key] != f"{impl.plugin_name}:{rule.code}":
                    raise PluginError(
                        f"rule {rule.code} of plugin {impl.plugin_name!r} reuses {key!r}, already declared by "
                        f"{owners[key]}; codes, names and aliases must be unique"
                    )
                owners[key] = f"{impl.plugin_name}:{rule.code}"
            rules.append(rule)
    formats: dict[str, ReportFormat] = {}
    for impl in pm.hook.imagepolicy_report_formats.get_hookimpls():
        for fmt in impl.function() or []:
            if fmt.name in formats:
                raise PluginError(f"plugin {impl.plugin_name!r} declares report format {fmt.name!r}, which another plugin already declared")
            formats[fmt.name] = fmt
    presets: dict[str, dict] = {}
    for impl in pm.hook.imagepolicy_presets.get_hookimpls():
        for name, fragment in (impl.function() or {}).items():
            if name in presets:
                raise PluginError(f"plugin {impl.plugin_name!r} declares preset {name!r}, which another plugin already declared")
            presets[name] = fragment
    rules.sort(key=lambda r: r.code)
    return Registry(tuple(rules), formats, presets)

