"""The shell plugin: ShellCheck on every RUN, and bash-only syntax under /bin/sh as an error.

Modules: :mod:`.shellcheck` runs the binary over many scripts in one process;
:mod:`.scripts` turns a Dockerfile's RUNs into scripts and ShellCheck's
comments into violations on Dockerfile lines; :mod:`.bashisms` holds the
constructs a POSIX ``/bin/sh`` cannot run; :mod:`.sc_shellcheck` is the rule.
"""

from __future__ import annotations

from typing import Any

from imagepolicy import hookimpl
from imagepolicy.model import Finding, Rule


def _rules() -> list[Rule]:
    from .sc_shellcheck import check

    return [check]


@hookimpl
def imagepolicy_rules() -> list[Rule]:
    """The ShellCheck family rule (codes SC1000-SC9999)."""
    return _rules()


@hookimpl
def imagepolicy_prepare_dockerfiles(dockerfiles: list[Any], config: Any) -> None:
    """ShellCheck the RUNs of every Dockerfile of the run in one batch (chunks run in parallel)."""
    (rule,) = _rules()
    if len(dockerfiles) < 2 or not config.setting(rule).enabled:
        return
    from .scripts import CACHE_KEY, check_dockerfiles

    for dockerfile, violations in zip(dockerfiles, check_dockerfiles(dockerfiles)):
        dockerfile.cache[CACHE_KEY] = violations


@hookimpl
def imagepolicy_check_dockerfile(dockerfile: Any, session: Any) -> list[Finding]:
    """ShellCheck the Dockerfile's RUNs; the session applies severities and turned-off codes."""
    return session.run_rules(_rules(), dockerfile)
