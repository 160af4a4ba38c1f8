"""The CI gates, run by the test suite itself: ruff finds nothing, mypy finds no error in the core or the plugins.

`.ci/run` runs exactly the README's test command (pytest), so a lint finding or a type error
fails CI, and every developer running the suite sees it first. The third gate, the import
contract (the core never imports a plugin; no plugin imports another plugin's private module),
is tests/test_import_contract.py.

The rule set and the mypy settings live in pyproject.toml ([tool.ruff], [tool.mypy]), the tool
versions are pinned in the test extras. Each gate also runs on a planted bad module and must
find what was planted: a gate that finds nothing proves nothing.

mypy needs the import name ``imagepolicy`` to be a folder, but the core lives in ``policy/`` and
the plugins in ``plugins/`` (setuptools maps them; mypy cannot follow an editable install's import
hook). So the gate checks a tree of symbolic links, ``.cache/mypy/src/imagepolicy/`` ->
``policy/*`` and ``.cache/mypy/src/imagepolicy/plugins/`` -> ``plugins/*``, where the probes are
planted. Errors are shown with their ``policy/`` and ``plugins/`` paths. The cache stays in
``.cache/mypy/``: a second run re-checks only what changed.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / ".cache" / "mypy"
TREE = CACHE / "src" / "imagepolicy"
PROBE = "_gate_probe.py"  # planted in the link tree only, never in policy/ or plugins/
REINSTALL = "reinstall the test extras: .venv/bin/pip install -e '.[test]'"

# Each planted line carries the error code mypy must report on it: one probe in the core, one in
# the plugins (whose functions may be unannotated, and are still checked).
PROBES = {
    "policy": '''"""Planted by tests/test_gates.py (not part of imagepolicy): mypy must report every marked line."""
from __future__ import annotations

from imagepolicy.model import Severity

COUNT: int = "three"  # expect: assignment


def untyped(value):  # expect: no-untyped-def
    return value


def lowest() -> Severity:
    return "error"  # expect: return-value
''',
    "plugins": '''"""Planted by tests/test_gates.py (not part of imagepolicy): mypy must report every marked line."""
from __future__ import annotations


def check(dockerfile, ctx):
    return "line " + 1  # expect: operator


def first_word(text: str) -> int:
    return text.split()[0]  # expect: return-value
''',
}

def _pins() -> dict[str, str]:
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    return dict(item.split("==", 1) for item in extras if "==" in item)


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_the_gate_tools_are_the_pinned_versions(tool):
    """CI installs the pins; a local venv with another version would disagree with CI."""
    pinned = _pins()[tool]
    try:
        installed = importlib.metadata.version(tool)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{tool} is not installed: {REINSTALL}")
    assert installed == pinned, f"{tool} {installed} is installed, the test extras pin {pinned}: {REINSTALL}"


def _ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-fix", "--output-format", "concise", *args],
                          cwd=REPO, input=stdin, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    proc = _ruff(".")
    if proc.returncode != 0:
        pytest.fail("ruff found problems (rule set in pyproject.toml [tool.ruff]; fix the code, or add a targeted "
                    "`# noqa: CODE - reason` where the code is right):\n" + proc.stdout + proc.stderr, pytrace=False)


def test_ruff_gate_catches_planted_bugs():
    """The rule set in pyproject applies to the core's files (a bug, a missing comma, unsafe YAML)."""
    planted = ('import yaml\n\n\ndef f(text):\n    return yaml.load(text, Loader=yaml.Loader)\n\n\n'
               'CODES = ["DL3006" "DL3007"]\nprint(undefined_name)\n')
    proc = _ruff("--stdin-filename", "policy/planted.py", "-", stdin=planted)
    codes = set(re.findall(r"^policy/planted\.py:\d+:\d+: ([A-Z]+\d+)", proc.stdout, flags=re.M))
    assert proc.returncode == 1 and codes == {"S506", "ISC001", "F821"}, proc.stdout + proc.stderr


def _mirror(source: Path, tree: Path, wanted: dict[str, Path], probe: str, keep: str = "") -> None:
    """``tree`` holds a link to each entry of ``source`` (and of ``wanted``) and the probe; stale links go,
    the folder named ``keep`` stays."""
    tree.mkdir(parents=True, exist_ok=True)
    wanted = {**{entry.name: entry for entry in source.iterdir() if entry.name != "__pycache__"}, **wanted}
    for link in tree.iterdir():
        if link.name not in (PROBE, keep) and (link.name not in wanted or not link.is_symlink() or link.resolve() != wanted[link.name]):
            if link.is_symlink() or link.is_file():
                link.unlink()
            else:
                shutil.rmtree(link)
    for name, target in wanted.items():
        if not (tree / name).is_symlink():
            (tree / name).symlink_to(target)
    if not (tree / PROBE).is_file() or (tree / PROBE).read_text() != probe:
        (tree / PROBE).write_text(probe)


def test_mypy_finds_no_error_in_the_core_and_the_plugins():
    # imagepolicy/ links to policy/*, imagepolicy/plugins/ (a real folder, for its probe) to plugins/*.
    _mirror(REPO / "policy", TREE, {"schemas": REPO / "schemas"}, PROBES["policy"], keep="plugins")
    _mirror(REPO / "plugins", TREE / "plugins", {}, PROBES["plugins"])
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), "--cache-dir", str(CACHE / "cache"),
         "--no-error-summary", "--show-error-codes", "--no-color-output", "-p", "imagepolicy"],
        cwd=REPO, env={**os.environ, "MYPYPATH": str(TREE.parent)}, capture_output=True, text=True, timeout=600)
    prefix = TREE.relative_to(REPO).as_posix() + "/"
    output = proc.stdout.replace(prefix + "plugins/", "plugins/").replace(prefix, "policy/")
    # The planted probes prove that the gate sees the core and the plugins and reports what it must.
    for folder, source in PROBES.items():
        expected = {(number, line.split("# expect: ", 1)[1]) for number, line in enumerate(source.splitlines(), 1) if "# expect: " in line}
        where = re.escape(f"{folder}/{PROBE}")
        reported = {(int(m.group(1)), m.group(2)) for m in re.finditer(rf"^{where}:(\d+): error: .*\[([\w-]+)\]$", output, flags=re.M)}
        assert reported == expected, f"mypy did not report the errors planted in {folder}/ as planted:\n{output}{proc.stderr}"
    shown = [line for line in output.splitlines() if not line.endswith(PROBE) and f"/{PROBE}:" not in line]
    if any(": error:" in line for line in shown):
        pytest.fail("mypy found type errors (settings in pyproject.toml [tool.mypy]; fix the types, or add a targeted "
                    "`# type: ignore[code]  # reason` where the code is right):\n" + "\n".join(shown), pytrace=False)
