"""Python packaging rules: what a Python project's image can import.

A plugin like any third-party one: registered through the ``imagepolicy``
entry-point group (``python = "imagepolicy.plugins.python"``). PY001 reads the
Dockerfile; PY002 and PY006 read a Dockerfile or a built image; PY003-PY005 read the
built image through the static model in :mod:`.runtime`.
"""

from __future__ import annotations

from imagepolicy import hookimpl

from . import (
    py001_install_before_source,
    py002_editable_install,
    py003_module_not_importable,
    py004_console_script_missing,
    py005_python_version_mismatch,
    py006_entry_not_importable,
)

RULES = (
    py001_install_before_source.check,
    py002_editable_install.check,
    py003_module_not_importable.check,
    py004_console_script_missing.check,
    py005_python_version_mismatch.check,
    py006_entry_not_importable.check,
)


@hookimpl
def imagepolicy_rules():
    return list(RULES)
