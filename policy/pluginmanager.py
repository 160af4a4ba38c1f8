"""Building the plugin manager, calling hooks one plugin at a time, collecting declarations.

Load order is fixed and documented: entry points of the ``imagepolicy`` group
sorted by (distribution name, entry-point name) — the built-in plugins are
entry points of the ``imagepolicy`` distribution like any other — then the
modules listed in the config's ``plugins`` key, in the order given. Nothing is
loaded at import time; :func:`build_plugin_manager` does it all.

A plugin's name is its entry point's name (or, for a module listed in the
config, the module path). Two distributions that register the same name are
refused, naming both: one must never switch the other off unnoticed.

Every hook is called plugin by plugin through :meth:`PluginManager.call_each`,
so a plugin whose hook raises becomes one error naming the plugin and the hook,
and every other plugin's results are kept.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import field
from typing import Any, Callable, Iterator, Mapping, Sequence

import pluggy

from . import hookspecs, tree
from .model import Finding, InputError, ReportFormat, Rule, Settings
from .records import record

ENTRY_POINT_GROUP = "imagepolicy"


class PluginError(InputError):
    """A plugin failed to load or declared something invalid (exit code 2)."""


@record(frozen=True)
class Origin:
    """Where a loaded plugin came from, to name it in messages."""

    name: str
    value: str  # the entry point's value, or the module path the config lists
    distribution: str | None = None
    config: str | None = None

    def describe(self) -> str:
        if self.distribution is not None:
            return f"plugin {self.name!r} (entry point {self.name} = {self.value} of distribution {self.distribution!r})"
        return f"plugin {self.name!r} (module listed in {self.config or 'the config'})"


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with the origin of each plugin and isolated hook calls."""

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        self.origins: dict[str, Origin] = {}  # load order

    def describe(self, plugin_name: str) -> str:
        origin = self.origins.get(plugin_name)
        return origin.describe() if origin is not None else f"plugin {plugin_name!r}"

    def hook_impls(self, hook_name: str) -> list[Any]:
        """The implementations of ``hook_name``, in load order."""
        order = {name: i for i, name in enumerate(self.origins)}
        impls = getattr(self.hook, hook_name).get_hookimpls()
        return sorted(impls, key=lambda impl: order.get(impl.plugin_name, len(order)))

    def call(self, impl: Any, hook_name: str, errors: list[str], debug: bool = False, **kwargs: Any) -> tuple[bool, Any]:
        """Call one plugin's implementation; ``(False, None)`` when it raised (the error is in ``errors``).

        An :class:`InputError` is the plugin's own clear message about the input and
        is kept as it is; any other exception is a crash, named by plugin and hook.
        """
        try:
            return True, impl.function(**{name: kwargs[name] for name in impl.argnames})
        except InputError as exc:
            errors.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - one plugin's crash must not hide the others' results
            if debug:
                raise
            errors.append(self.crash_message(impl.plugin_name, hook_name, exc))
        return False, None

    def call_each(self, hook_name: str, errors: list[str], debug: bool = False, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """``(plugin name, result)`` of every plugin implementing ``hook_name`` that did not raise."""
        for impl in self.hook_impls(hook_name):
            ok, result = self.call(impl, hook_name, errors, debug, **kwargs)
            if ok:
                yield impl.plugin_name, result

    def crash_message(self, plugin_name: str, hook_name: str, exc: BaseException) -> str:
        from .engine import internal_error

        return internal_error(f"{self.describe(plugin_name)}, hook {hook_name}", exc).replace(
            "please report it", "report it to the plugin's authors"
        )


def build_plugin_manager(extra_modules: Sequence[str] = (), *, autoload: bool = True, config_path: str | None = None,
                         allow_repo_plugins: bool = False) -> PluginManager:
    """Return a plugin manager with every plugin registered and checked.

    ``extra_modules`` (the config's ``plugins``) are not imported from the checked tree unless
    ``allow_repo_plugins`` (see :func:`imagepolicy.tree.plugin_problem`).
    """
    pm = PluginManager()
    if autoload:
        from .installed import plugins

        for ep in sorted(plugins(ENTRY_POINT_GROUP)[0], key=lambda e: (e.dist, e.name)):
            origin = Origin(ep.name, ep.value, distribution=ep.dist)
            if _already_loaded(pm, origin):
                continue
            try:
                plugin = _load_entry_point(ep.value)
            except Exception as exc:  # noqa: BLE001 - any import failure is the plugin's
                raise PluginError(
                    f"plugin {ep.name!r} ({ep.value}) from distribution {ep.dist!r} failed to load: "
                    f"{type(exc).__name__}: {exc}; reinstall or uninstall that distribution"
                ) from None
            _register(pm, plugin, origin, f"entry point {ep.name!r} of {ep.dist!r}")
    where = config_path or "the config"
    for module_name in extra_modules:
        origin = Origin(module_name, module_name, config=where)
        if _already_loaded(pm, origin):
            continue
        problem = None if allow_repo_plugins else tree.plugin_problem(module_name, config_path)
        if problem:
            raise PluginError(f"{where}: plugins: {problem}")
        try:
            plugin = importlib.import_module(module_name)
        except Exception as exc:  # noqa: BLE001
            raise PluginError(
                f"{where}: plugins: cannot import {module_name!r}: {type(exc).__name__}: {exc}; "
                "check the module path and that its package is installed"
            ) from None
        if pm.is_registered(plugin):
            continue  # an installed plugin's module listed again: it is loaded once
        _register(pm, plugin, origin, f"module {module_name!r} listed in {where}")
    return pm


_ENTRY_POINT_RE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


def _load_entry_point(value: str) -> object:
    """What an entry point's value names (``module`` or ``module:attr.attr``), as EntryPoint.load() does."""
    match = _ENTRY_POINT_RE.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not an entry point value (module or module:attribute)")
    obj: object = importlib.import_module(match.group("module"))
    attr = match.group("attr")
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


def _already_loaded(pm: PluginManager, origin: Origin) -> bool:
    """True when the same plugin is loaded already; a different one with this name is refused."""
    first = pm.origins.get(origin.name)
    if first is None:
        return False
    if (first.distribution, first.value) == (origin.distribution, origin.value) or (
        origin.distribution is None and first.value == origin.value
    ):
        return True
    if origin.distribution is not None:
        raise PluginError(
            f"two distributions register an imagepolicy plugin named {origin.name!r}: {first.distribution!r} "
            f"({first.name} = {first.value}) and {origin.distribution!r} ({origin.name} = {origin.value}); one would "
            f"switch the other off, so imagepolicy refuses both: uninstall one of them, or ask its authors to rename "
            f"the entry point"
        )
    raise PluginError(
        f"{origin.config}: plugins: module {origin.value!r} would be loaded under the name of "
        f"{first.describe()}; plugin names must be unique: remove it from `plugins`, or import it under another path"
    )


def _register(pm: PluginManager, plugin: object, origin: Origin, what: str) -> None:
    try:
        pm.register(plugin, name=origin.name)
        pm.origins[origin.name] = origin
        pm.check_pending()
        for caller in pm.get_hookcallers(plugin) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and (impl.hookwrapper or impl.wrapper):
                    raise pluggy.PluginValidationError(
                        plugin,
                        f"{caller.name} is a hook wrapper; imagepolicy calls each plugin's hooks one by one, so "
                        "wrappers are not supported: amend your own findings with imagepolicy_amended_findings",
                    )
    except pluggy.PluginValidationError as exc:
        pm.unregister(name=origin.name)
        pm.origins.pop(origin.name, None)
        raise PluginError(f"{what} is not a valid imagepolicy plugin: {exc}") from None


@record(frozen=True)
class Registry:
    """Everything the loaded plugins declare, checked for clashes.

    ``declared`` maps each plugin (in load order) to the rules it declares, which
    the engine runs; ``settings`` maps each settings section to its declaration;
    ``errors`` holds the declaration hooks that crashed or returned nonsense (the
    run goes on without that plugin's part and exits 2).
    """

    rules: tuple[Rule, ...]
    formats: dict[str, ReportFormat]
    presets: dict[str, dict]
    declared: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    settings: Mapping[str, Settings] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    def rule(self, code: str) -> Rule | None:
        for rule in self.rules:
            if rule.matches(code):
                return rule
        upper = code.upper()
        for rule in self.rules:
            if rule.matches(upper):
                return rule
        return None

    def plugin_of(self, rule: Rule) -> str | None:
        """The plugin that declared ``rule`` (None for a rule no plugin declared)."""
        for plugin, rules in self.declared.items():
            if any(r is rule or r.code == rule.code for r in rules):
                return plugin
        return None

    def settings_section(self, plugin: str) -> Settings | None:
        """The settings section ``plugin`` declares, if any."""
        for section in self.settings.values():
            if section.plugin == plugin:
                return section
        return None


def _declared(pm: PluginManager, hook_name: str, errors: list[str], check: Callable[[Any], str | None]) -> Iterator[tuple[str, Any]]:
    """Each plugin's result of a declaration hook, dropping (with an error) what ``check`` refuses."""
    for plugin, result in pm.call_each(hook_name, errors):
        problem = check(result)
        if problem is not None:
            errors.append(f"{pm.describe(plugin)}: {hook_name} returned {problem}; fix the plugin (its declarations are ignored)")
            continue
        yield plugin, result


def _list_of(kind: type, what: str) -> Callable[[Any], str | None]:
    def check(result: Any) -> str | None:
        items = [] if result is None else result
        if not isinstance(items, (list, tuple)):
            return f"{type(result).__name__}, not a list of {what}"
        for item in items:
            if not isinstance(item, kind):
                return f"{item!r}, not an {what}"
        return None

    return check


def _presets_check(result: Any) -> str | None:
    if result is None:
        return None
    if not isinstance(result, dict) or not all(isinstance(k, str) and isinstance(v, dict) for k, v in result.items()):
        return f"{type(result).__name__}, not a mapping of preset names to config fragments"
    return None


def _settings_check(result: Any) -> str | None:
    if result is None or isinstance(result, Settings):
        return None
    return f"{result!r}, not an imagepolicy.model.Settings"


def collect(pm: PluginManager) -> Registry:
    """Ask every plugin for its rules, settings, formats and presets; reject clashes.

    A hook that raises or returns something of the wrong kind is recorded in
    ``Registry.errors`` and that plugin's declaration is left out; a clash between
    two plugins (a rule code, name or alias, a format, a preset, a settings section
    declared twice) refuses the run with :class:`PluginError`.
    """
    errors: list[str] = []
    rules: list[Rule] = []
    declared: dict[str, tuple[Rule, ...]] = {}
    owners: dict[str, str] = {}
    for plugin, result in _declared(pm, "imagepolicy_rules", errors, _list_of(Rule, "imagepolicy.model.Rule")):
        for rule in result or []:
            for key in (rule.code, rule.name, *rule.aliases):
                if key in owners and owners[key] != f"{plugin}:{rule.code}":
                    raise PluginError(
                        f"rule {rule.code} of plugin {plugin!r} reuses {key!r}, already declared by "
                        f"{owners[key]}; codes, names and aliases must be unique"
                    )
                owners[key] = f"{plugin}:{rule.code}"
            rules.append(rule)
        declared[plugin] = tuple({rule.code: rule for rule in result or []}.values())
    settings: dict[str, Settings] = {}
    for plugin, section in _declared(pm, "imagepolicy_settings", errors, _settings_check):
        if section is None:
            continue
        section = section.declared_by(plugin)
        problem = section.problem()
        if problem:
            errors.append(f"{pm.describe(plugin)}: imagepolicy_settings: {problem}; fix the plugin (its settings are ignored)")
            continue
        if section.section in settings:
            raise PluginError(
                f"plugin {plugin!r} declares the settings section {section.section!r}, which plugin "
                f"{settings[section.section].plugin!r} already declared; sections must be unique"
            )
        settings[section.section] = section
    formats: dict[str, ReportFormat] = {}
    for plugin, result in _declared(pm, "imagepolicy_report_formats", errors, _list_of(ReportFormat, "imagepolicy.model.ReportFormat")):
        for fmt in result or []:
            if fmt.name in formats:
                raise PluginError(f"plugin {plugin!r} declares report format {fmt.name!r}, which another plugin already declared")
            formats[fmt.name] = fmt
    presets: dict[str, dict] = {}
    for plugin, result in _declared(pm, "imagepolicy_presets", errors, _presets_check):
        for name, fragment in (result or {}).items():
            if name in presets:
                raise PluginError(f"plugin {plugin!r} declares preset {name!r}, which another plugin already declared")
            presets[name] = fragment
    rules.sort(key=lambda r: r.code)
    return Registry(tuple(rules), formats, presets, declared, settings, tuple(errors))


def findings_owned(registry: Registry, plugin: str, findings: Any, hook_name: str, errors: list[str], describe: str) -> list[Finding]:
    """The findings a plugin's hook returned that belong to rules it declares; the rest is an error."""
    if findings is None:
        return []
    if not isinstance(findings, (list, tuple)):
        errors.append(f"{describe}: {hook_name} returned {type(findings).__name__}, not a list of findings; fix the plugin")
        return []
    own = declared_codes(registry, plugin)
    kept: list[Finding] = []
    for finding in findings:
        if finding is None:
            continue  # session.finding() for a rule the config turns off
        if not isinstance(finding, Finding):
            errors.append(f"{describe}: {hook_name} returned {finding!r}, not an imagepolicy.model.Finding; fix the plugin")
        elif not own(finding.rule):
            errors.append(
                f"{describe}: {hook_name} returned a finding of rule {finding.rule!r}, which the plugin does not declare "
                "through imagepolicy_rules; a plugin reports only its own rules (the finding is dropped)"
            )
        else:
            kept.append(finding)
    return kept


def declared_codes(registry: Registry, plugin: str) -> Callable[[str], bool]:
    """A test: does ``plugin`` declare the rule (or the family) of this code?"""
    rules = registry.declared.get(plugin, ())
    exact = {r.code for r in rules}
    patterns = [re.compile(r.code_pattern) for r in rules if r.code_pattern]
    return lambda code: code in exact or any(p.fullmatch(code) for p in patterns)
