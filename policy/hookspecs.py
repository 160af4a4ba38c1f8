"""Hook specifications: the whole plugin interface of imagepolicy, in one place.

A plugin is a module (or object) with functions named like the hooks below,
marked with ``@imagepolicy.hookimpl``. It is found through the ``imagepolicy``
entry-point group (the built-in plugins are registered there too) or listed in
the config's ``plugins`` key as an importable module path. Its name is the
entry point's name (or the module path); two distributions registering one
name are refused. An implementation may take any subset of a hook's
parameters; hook wrappers are refused.

The contract, phase by phase:

*declare* (once per run): :func:`imagepolicy_rules`, :func:`imagepolicy_settings`,
:func:`imagepolicy_presets`, :func:`imagepolicy_report_formats`, :func:`imagepolicy_cache_key`.

*check* (per run, then per target): :func:`imagepolicy_prepare_dockerfiles` once
with every Dockerfile; then for each target the engine runs **every rule a
plugin declares** whose target kind fits (a Dockerfile or an image), with the
options and severity the config sets, and records it as run on that target
only when its check completed; then :func:`imagepolicy_check_dockerfile` /
:func:`imagepolicy_check_image` add findings that no single rule's check
yields; then :func:`imagepolicy_amended_findings` lets each plugin amend its
own findings. Pragmas, the config's ``ignore`` and the failure threshold apply
afterwards, in the core.

A violation (and so a finding) may carry an automatic fix: a
:class:`imagepolicy.model.Fix` of :class:`imagepolicy.model.Edit` s on the
Dockerfile's text, declared by its rule (``rule(..., autofix="safe")``) and
documented in the rule's ``## Fix`` section. ``imagepolicy fix`` applies them in
rounds and keeps only what still parses and adds no finding (see
:mod:`imagepolicy.fixes`); a finding of a check hook carries one the same way.

Each implementation is called on its own: one that raises is reported as an
error naming the plugin and the hook (``--debug`` shows the traceback), every
other plugin's results are kept, and the run exits 2. An
:class:`imagepolicy.model.InputError` raised by a hook is the plugin's own
message about the input and is reported as it is.

Every docstring below follows one template: summary; parameters; return
contract; when and how often it is called; what happens when it raises.
"""

# Spec functions are never called (pluggy reads their signatures): their bodies are docstrings only.
# mypy: disable-error-code="empty-body"

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .dockerfile import Dockerfile
    from .engine import CheckSession
    from .image import Image
    from .model import Finding, ReportFormat, Rule, Settings

PROJECT = "imagepolicy"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- declare -------------------------------------------------------------------


@hookspec
def imagepolicy_rules() -> Sequence[Rule]:
    """Return the rules this plugin provides; the engine runs them.

    :return: a list of :class:`imagepolicy.model.Rule` (made with
        :func:`imagepolicy.model.rule`); each code, name and alias must be unique
        across all plugins. A rule with a ``check`` is run by the engine on every
        target of its kind; a rule without one is reported only through this
        plugin's :func:`imagepolicy_check_dockerfile` or
        :func:`imagepolicy_check_image`.

    Called once per run, for every plugin; results are concatenated. A clash
    with another plugin's code, name or alias refuses the run (exit 2, naming
    both plugins).

    If it raises or returns something else, the error names the plugin and the
    hook, and the run goes on without this plugin's rules (exit 2).
    """


@hookspec
def imagepolicy_settings() -> Settings | None:
    """Return this plugin's settings section (its plugin-level options).

    :return: an :class:`imagepolicy.model.Settings` naming the section (the
        config's ``settings: {<section>: {...}}``) and its
        :class:`imagepolicy.model.Option` s, each with a JSON Schema, a default
        and a description; or None. The generated config schema gets one object
        per section that rejects unknown keys; the plugin's rules read the values
        as ``ctx.settings``. An option's ``moved_from`` keeps an old config key
        working, with a deprecation note.

    Called once per run, for every plugin. A section name declared by two
    plugins refuses the run (exit 2).

    If it raises or returns something else, the error names the plugin and the
    hook, and the run goes on with this plugin's settings unknown (exit 2).
    """


@hookspec
def imagepolicy_presets() -> Mapping[str, Mapping]:
    """Return named config presets that a config can ``extends``.

    :return: a mapping of preset name to a config fragment (same keys as the
        config file, without ``version``, ``extends`` and ``plugins``).

    Called once per run, for every plugin; a preset another plugin declared
    already refuses the run (exit 2).

    If it raises or returns something else, the error names the plugin and the
    hook, and the run goes on without these presets (exit 2).
    """


@hookspec
def imagepolicy_cache_key() -> str | None:
    """Return what this plugin's findings depend on besides its code and the checked inputs (optional).

    :return: a string that changes whenever the plugin's findings on the same
        Dockerfile, config and build context could change although its code did
        not: the version of an external tool it runs (the shell plugin returns
        ShellCheck's). None when there is nothing of the kind.

    Whole-file results are kept in the persistent cache under the installed
    code (every plugin's distribution, version and files), the inputs and these
    strings, so a plugin whose findings depend on anything else must say so here.

    Called once per run, for every plugin, when a Dockerfile's result may be taken
    from the cache.

    If it raises or returns something else than a string or None, a note names the
    plugin and the hook and nothing is taken from or stored in the cache for that
    run; the check goes on.
    """


# --- check ---------------------------------------------------------------------


@hookspec
def imagepolicy_prepare_dockerfiles(dockerfiles: Sequence[Dockerfile], config: Config) -> None:
    """Do work shared by all Dockerfiles of a run before they are checked one by one.

    :param dockerfiles: every :class:`imagepolicy.dockerfile.Dockerfile` of
        this run that parsed, in order; store results for your rules in
        ``dockerfile.cache[<your plugin's key>]``.
    :param config: the resolved :class:`imagepolicy.config.Config`
        (``config.setting(rule).enabled`` tells whether a rule is on,
        ``config.plugin_settings(section)`` gives a settings section).
    :return: nothing.

    Called once per run, for every plugin, before any rule runs. Use it to batch
    external tools (one ShellCheck process for a whole monorepo instead of one
    per file); the rules then read the cache.

    If it raises, the error (naming the plugin and the hook) is reported on every
    Dockerfile of the run and the rules still run (exit 2).
    """


@hookspec
def imagepolicy_check_dockerfile(dockerfile: Dockerfile, session: CheckSession) -> Sequence[Finding]:
    """Return findings on one Dockerfile that no single rule's check yields (optional).

    The engine runs the plugin's declared rules by itself; implement this hook
    only for whole-file work reported under rules this plugin declares (such a
    rule may have no ``check``).

    :param dockerfile: the :class:`imagepolicy.dockerfile.Dockerfile` model
        (stages, instructions with resolved ARG/ENV/WORKDIR/SHELL/USER, build
        context and file timeline).
    :param session: the :class:`imagepolicy.engine.CheckSession`; make each
        finding with ``session.finding(rule, violation)`` (None when the config
        turns the rule off), and ask ``session.enabled(code)`` to skip work.
    :return: findings of rules this plugin declares; a finding of another rule
        is dropped with an error. The plugin's ``check``-less rules of kind
        ``dockerfile`` count as run on this file when the hook returns.

    Called once per Dockerfile, for every plugin that implements it, after the
    declared rules ran.

    If it raises, the error names the plugin and the hook; every other finding on
    the file is kept (exit 2).
    """


@hookspec
def imagepolicy_check_image(image: Image, session: CheckSession) -> Sequence[Finding]:
    """Return findings on one built image that no single rule's check yields (optional).

    :param image: the merged-filesystem :class:`imagepolicy.image.Image` (layers,
        config, history, files with lazy content), read statically; never run.
    :param session: as for :func:`imagepolicy_check_dockerfile`;
        ``session.dockerfile`` is the paired Dockerfile model when one was given,
        so findings can point at the instruction that made a layer.
    :return: findings of rules this plugin declares; those about a file set
        ``path_in_image``.

    Called once per image, for every plugin that implements it, after the
    declared rules ran.

    If it raises, the error names the plugin and the hook; every other finding on
    the image is kept (exit 2).
    """


@hookspec
def imagepolicy_amended_findings(findings: Sequence[Finding], target: Dockerfile | Image, session: CheckSession) -> Sequence[Finding] | None:
    """Return this plugin's findings on one target, amended (optional).

    :param findings: the findings of this plugin's own rules on the target, with
        the severity the config sets (other plugins' findings are not shown).
    :param target: the Dockerfile model or the image (``session.kind`` says which).
    :param session: as for :func:`imagepolicy_check_dockerfile`.
    :return: the findings to report instead (each of a rule this plugin
        declares), or None to keep them unchanged.

    Called once per target, for every plugin that implements it, after the
    plugin's rules and check hooks ran; a Dockerfile's BuildKit
    ``# check=error=true`` is applied this way.

    If it raises, the error names the plugin and the hook and the findings are
    kept unamended (exit 2).
    """


# --- report --------------------------------------------------------------------


@hookspec
def imagepolicy_report_formats() -> Sequence[ReportFormat]:
    """Return the report formats this plugin provides.

    :return: a list of :class:`imagepolicy.model.ReportFormat`; names must be
        unique across plugins.

    Called once per run, for every plugin; results are concatenated, and a name
    another plugin declared refuses the run (exit 2).

    If it raises or returns something else, the error names the plugin and the
    hook, and the run goes on without these formats (exit 2).
    """
