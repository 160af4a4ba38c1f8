"""Hook specifications: the whole plugin interface of imagepolicy, in one place.

A plugin is a module (or object) with functions named like the hooks below,
marked with ``@imagepolicy.hookimpl``. It is found through the ``imagepolicy``
entry-point group (the built-in plugins are registered there too) or listed in
the config's ``plugins`` key as an importable module path.

Hooks are grouped by phase: *declare* (what a plugin offers), *check* (run on
each target), *report* (output formats). Every docstring follows one template:
summary, parameters, return contract, calling semantics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from .model import Finding, ReportFormat, Rule
    from .engine import CheckSession

PROJECT = "imagepolicy"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- declare -------------------------------------------------------------------


@hookspec
def imagepolicy_rules() -> list[Rule]:
    """Return the rules this plugin provides.

    :return: a list of :class:`imagepolicy.model.Rule`; each code, name and
        alias must be unique across all plugins (a clash is a load error that
        names both plugins).

    Called once per run, for every plugin; results are concatenated.
    """


@hookspec
def imagepolicy_presets() -> dict[str, dict]:
    """Return named config presets that a config can ``extends``.

    :return: a mapping of preset name to a config fragment (same keys as the
        config file, without ``version`` and ``extends``).

    Called once per run, for every plugin; later plugins may not redefine a
    preset another plugin declared (a load error).
    """


# --- check ---------------------------------------------------------------------


@hookspec
def imagepolicy_prepare_dockerfiles(dockerfiles: list, config) -> None:
    """Do work shared by all Dockerfiles of a run before they are checked one by one.

    :param dockerfiles: every :class:`imagepolicy.dockerfile.Dockerfile` of
        this run that parsed, in order; store results for the later per-file
        hook in ``dockerfile.cache[<your plugin's key>]``.
    :param config: the resolved :class:`imagepolicy.config.Config`
        (``config.setting(rule)`` tells whether a rule is on).
    :return: nothing.

    Called once per run, for every plugin, before any
    :func:`imagepolicy_check_dockerfile`. Use it to batch external tools (one
    ShellCheck process for a whole monorepo instead of one per file).
    """



@hookspec
def imagepolicy_check_dockerfile(dockerfile, session: CheckSession) -> list[Finding]:
    """Check one parsed Dockerfile and return the findings.

    :param dockerfile: the :class:`imagepolicy.dockerfile.Dockerfile` model
        (stages, instructions with resolved ARG/ENV/WORKDIR/SHELL/USER, build
        context and file timeline).
    :param session: the :class:`imagepolicy.engine.CheckSession`; use
        ``session.run_rules(rules, dockerfile)`` to run your rules with the
        options and severities the config sets, or ``session.enabled(code)`` to
        skip work for disabled rules.
    :return: findings (severity already the one in force). Pragmas, ignores and
        the failure threshold are applied by the core afterwards.

    Called once per Dockerfile, for every plugin; results are concatenated.
    """


@hookspec
def imagepolicy_check_image(image, session: CheckSession) -> list[Finding]:
    """Check one built image, read statically from its archive or layout.

    :param image: the merged-filesystem image model (layers, config, history,
        files with lazy content); never run.
    :param session: as for :func:`imagepolicy_check_dockerfile`;
        ``session.dockerfile`` is the paired Dockerfile model when one was
        given, so findings can point at the instruction that made a layer.
    :return: findings; those about a file set ``path_in_image``.

    Called once per image, for every plugin; results are concatenated.
    """


# --- report --------------------------------------------------------------------


@hookspec
def imagepolicy_report_formats() -> list[ReportFormat]:
    """Return the report formats this plugin provides.

    :return: a list of :class:`imagepolicy.model.ReportFormat`; names must be
        unique across plugins.

    Called once per run, for every plugin; results are concatenated.
    """
