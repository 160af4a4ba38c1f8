"""The shell plugin: ShellCheck on every RUN, and bash-only syntax under /bin/sh as an error.

Modules: :mod:`.shellcheck` runs the binary over many scripts in one process;
:mod:`.scripts` turns a Dockerfile's RUNs into scripts and ShellCheck's
comments into violations on Dockerfile lines; :mod:`.bashisms` holds the
constructs a POSIX ``/bin/sh`` cannot run; :mod:`.sc_shellcheck` is the rule,
which the engine runs on every Dockerfile (reading what the prepare hook started).
"""

from __future__ import annotations

from typing import Any

from imagepolicy import hookimpl
from imagepolicy.model import Rule


def _rules() -> list[Rule]:
    from .sc_shellcheck import check

    return [check]


@hookimpl
def imagepolicy_rules() -> list[Rule]:
    """The ShellCheck family rule (codes SC1000-SC9999)."""
    return _rules()


@hookimpl
def imagepolicy_cache_key() -> str:
    """ShellCheck's version: kept results are not used once ShellCheck changes."""
    import os

    from .shellcheck import find_shellcheck, tool_version

    try:
        exe = find_shellcheck()
    except RuntimeError:
        return "shellcheck: not found"
    version = tool_version(exe)
    if version is not None:
        return f"shellcheck {version}"
    info = os.stat(exe)  # unknown version: this very binary
    return f"shellcheck at {os.path.realpath(exe)} ({info.st_size} bytes, modified {info.st_mtime_ns})"


@hookimpl
def imagepolicy_prepare_dockerfiles(dockerfiles: list[Any], config: Any) -> None:
    """Start ShellCheck on the RUNs of every Dockerfile of the run, in the background.

    The chunks run while the other plugins check the first Dockerfiles; each
    Dockerfile's own check then waits only for the chunk holding its RUNs. With
    one Dockerfile too: its ShellCheck process runs on the other core while the
    Python rules run, instead of after them.
    """
    (rule,) = _rules()
    if not dockerfiles or not (config.setting(rule).enabled or _any_code_on(rule, config)):
        return
    from .scripts import CACHE_KEY, start_dockerfiles

    for dockerfile, pending in zip(dockerfiles, start_dockerfiles(dockerfiles)):
        dockerfile.cache[CACHE_KEY] = pending


def _any_code_on(rule: Rule, config: Any) -> bool:
    import re

    pattern = rule.code_pattern
    return pattern is not None and any(s.enabled and re.fullmatch(pattern, c) for c, s in config.rules.items() if c != rule.code)
