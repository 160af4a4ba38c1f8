"""The built-in plugins of imagepolicy.

Each subpackage is one plugin, registered through the ``imagepolicy``
entry-point group in pyproject.toml exactly as a third-party plugin is; the
core imports none of them directly.
"""
