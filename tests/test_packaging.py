"""The wheel a user installs: one `imagepolicy` namespace, schemas inside, CLI works outside the tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = config["package-dir"]
    found = set()
    for prefix, folder in mapping.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            parts = [p for p in rel.parts]
            name = ".".join([prefix, *parts]) if parts else prefix
            if any(name.startswith(other + ".") and other != prefix and len(other) > len(prefix) for other in mapping):
                continue  # belongs to a more specific mapping
            found.add(name)
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def _clean_copy(dest: Path) -> Path:
    """The committed-or-tracked files only, as a fresh clone has them (no stale build/ folder)."""
    import shutil

    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", ".venv", ".git"))
        return dest
    for rel in listed.stdout.splitlines():
        source = REPO / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    source = _clean_copy(tmp_path_factory.mktemp("src"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                   check=True, capture_output=True, text=True, timeout=300)
    (whl,) = out.glob("imagepolicy-*.whl")
    return whl


def test_wheel_has_one_namespace_and_ships_schemas(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"imagepolicy", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "imagepolicy/schemas/config.schema.json" in names
    assert "imagepolicy/schemas/imagepolicy.schema.json" in names
    assert "imagepolicy/plugins/python/py001_install_before_source.py" in names
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[imagepolicy]" in entry_points and "python = imagepolicy.plugins.python" in entry_points


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_source_tree(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)  # ensurepip costs 3-4 s of CPU: this pip installs into it
    py = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", str(wheel)], check=True,
                   capture_output=True, text=True, timeout=600)
    workdir = tmp_path / "elsewhere"
    (workdir / ".git").mkdir(parents=True)
    for name in ("Dockerfile.broken", "pyproject.toml", "README.md"):
        (workdir / name).write_bytes((REPO / "examples" / "service" / name).read_bytes())
    (workdir / "src" / "datastore").mkdir(parents=True)
    (workdir / "src" / "datastore" / "__init__.py").write_text("")
    cli = env_dir / "bin" / "imagepolicy"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    rules = subprocess.run([str(cli), "rules", "--format", "json"], cwd=workdir, capture_output=True, text=True, env=env)
    assert rules.returncode == 0, rules.stderr
    assert {"PY001", "PY002"} <= {r["rule"] for r in json.loads(rules.stdout)}
    proc = subprocess.run([str(cli), "check", "Dockerfile.broken", "--format", "json"], cwd=workdir, capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stderr
    assert ("PY001", 4) in {(f["rule"], f["line"]) for f in json.loads(proc.stdout)["findings"]}
    where = subprocess.run([str(py), "-c", "import imagepolicy, sys; print(imagepolicy.__file__)"], cwd=workdir, capture_output=True, text=True, env=env)
    assert str(env_dir) in where.stdout
