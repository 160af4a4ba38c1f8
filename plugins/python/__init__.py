"""Python packaging rules: what a Python project's image can import.

A plugin like any third-party one: registered through the ``imagepolicy``
entry-point group (``python = "imagepolicy.plugins.python"``).
"""

from __future__ import annotations

from imagepolicy import hookimpl

from . import py001_install_before_source, py002_editable_install

RULES = (
    py001_install_before_source.check,
    py002_editable_install.check,
)


@hookimpl
def imagepolicy_rules():
    return list(RULES)


@hookimpl
def imagepolicy_check_dockerfile(dockerfile, session):
    return session.run_rules(RULES, dockerfile)
