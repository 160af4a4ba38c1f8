"""The import contract: the core never imports a plugin; a plugin never imports another plugin's private module.

The core (``policy/`` -> ``imagepolicy``) knows no rule: the built-in plugins
(``plugins/`` -> ``imagepolicy.plugins``) reach it only through the entry-point
group, like third-party ones, so a plugin can be replaced or removed. Between
plugins, only public modules and names are shared (``imagepolicy.plugins.shell.scripts``
is fine, ``imagepolicy.plugins.dockerfile._labels`` is not).

Imports are read from the source with ``ast`` (relative ones resolved, including
``importlib.import_module("...")`` with a literal name), so the check costs
milliseconds and needs no extra tool.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"policy": "imagepolicy", "plugins": "imagepolicy.plugins"}
PLUGINS = "imagepolicy.plugins"


def module_name(path: Path) -> str:
    """``policy/image/model.py`` -> ``imagepolicy.image.model``; ``plugins/shell/__init__.py`` -> ``imagepolicy.plugins.shell``."""
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    base = PACKAGES[parts[0]].split(".")
    rest = parts[1:]
    if rest and rest[-1] == "__init__":
        rest = rest[:-1]
    return ".".join(base + rest)


def imports(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """``(line, absolute module or module.name)`` for every import in ``source``."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__"):
                yield node.lineno, node.args[0].value


def violations(path: Path, source: str | None = None) -> list[str]:
    """The contract's violations in one file of ``policy/`` or ``plugins/``."""
    module = module_name(path)
    text = path.read_text(encoding="utf-8") if source is None else source
    found = []
    in_core = not module.startswith(PLUGINS)
    own = module.split(".")[2] if not in_core and module.count(".") >= 2 else None
    for line, target in imports(text, module, path.name == "__init__.py"):
        where = f"{path.relative_to(REPO)}:{line}"
        if in_core and (target == PLUGINS or target.startswith(PLUGINS + ".")):
            found.append(f"{where}: the core imports {target}; the core must not know any plugin")
            continue
        if not in_core and target.startswith(PLUGINS + "."):
            parts = target.split(".")
            other = parts[2]
            if other != own and any(p.startswith("_") and p != "__init__" for p in parts[3:]):
                found.append(f"{where}: plugin {own} imports {target}, a private part of plugin {other}; make it public or keep a copy")
    return found


def source_files() -> list[Path]:
    return sorted(p for folder in PACKAGES for p in (REPO / folder).rglob("*.py"))


def test_the_core_imports_no_plugin_and_plugins_import_no_other_plugins_private_modules():
    files = source_files()
    assert any(p.parts[-2] == "shell" for p in files) and len(files) > 100
    problems = [v for path in files for v in violations(path)]
    assert problems == []


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("policy/engine.py", "from imagepolicy.plugins.shell import scripts\n", "the core imports imagepolicy.plugins.shell.scripts"),
        ("policy/engine.py", "from .plugins import shell\n", "the core imports imagepolicy.plugins.shell"),  # policy/ is imagepolicy
        ("policy/image/model.py", "from ..plugins.image import _passwd\n", "the core imports imagepolicy.plugins.image._passwd"),
        ("policy/cli.py", "import importlib\nimportlib.import_module('imagepolicy.plugins.reports')\n", "the core imports imagepolicy.plugins.reports"),
        ("plugins/image/im001_image_runs_as_root.py", "from imagepolicy.plugins.dockerfile._labels import label_pairs\n",
         "plugin image imports imagepolicy.plugins.dockerfile._labels.label_pairs"),
        ("plugins/image/im001_image_runs_as_root.py", "from ...plugins.dockerfile import _labels\n", "a private part of plugin dockerfile"),
        ("plugins/image/im001_image_runs_as_root.py", "from ..dockerfile._images import trusted\n", "a private part of plugin dockerfile"),
        ("plugins/image/im001_image_runs_as_root.py", "from ._passwd import users\n", ""),
        ("plugins/python/installs.py", "from imagepolicy.plugins.shell import scripts\n", ""),
    ],
)
def test_the_contract_check_itself(path, source, expected):
    """The checker resolves relative imports and sees what it must (a check that finds nothing proves nothing)."""
    found = violations(REPO / path, source)
    if expected:
        assert len(found) == 1 and expected in found[0], found
    else:
        assert found == []
