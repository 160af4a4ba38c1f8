"""What a pinned oracle binary printed for an input, kept across test runs.

hadolint is an oracle of the DL rules: the rule tests run it on every case (about
540 runs) and ``hadolint_agreement`` on the 419 real Dockerfiles (about 25 s of
CPU, the most expensive step of the fast tier). Its answer depends only on the
binary and on what it reads, so :func:`run` keeps the output under a key made of
the binary's bytes (a new hadolint is a new key), the arguments, the bytes of
every argument that names a file, the standard input and the working folder's
name, and returns it again while that key holds. Only runs that ended with an
expected status are kept. The store is ``hadolint/`` in the test cache
(``$IMAGEPOLICY_TEST_CACHE`` or ``~/.cache/imagepolicy-tests``, beside the real
images); entries are written atomically, so parallel workers may share it.

``IMAGEPOLICY_TEST_TOOL_CACHE=0`` runs the binary every time (the cache is then
neither read nor written).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

#: Bump when the entry format changes.
FORMAT = 1


def enabled() -> bool:
    return os.environ.get("IMAGEPOLICY_TEST_TOOL_CACHE", "1") != "0"


def folder() -> Path:
    root = os.environ.get("IMAGEPOLICY_TEST_CACHE")
    return (Path(root) if root else Path.home() / ".cache" / "imagepolicy-tests") / "hadolint"


@lru_cache(maxsize=8)
def _binary_digest(binary: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(binary, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _key(argv: list[str], stdin: str | None, cwd: Path | None) -> str:
    stat = os.stat(argv[0])
    parts: list[object] = [FORMAT, _binary_digest(os.path.realpath(argv[0]), stat.st_size, stat.st_mtime_ns),
                           argv[1:], stdin]
    base = Path(cwd) if cwd is not None else Path.cwd()
    for arg in argv[1:]:
        path = base / arg
        if arg != "-" and path.is_file():
            parts.append([arg, hashlib.sha256(path.read_bytes()).hexdigest()])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def run(argv: list[str], *, ok: tuple[int, ...], stdin: str | None = None, cwd: Path | None = None,
        timeout: float = 600) -> tuple[int, str, str]:
    """``(status, stdout, stderr)`` of ``argv``: kept from an earlier run of the same binary on the same input,
    or run now (and kept when ``status`` is in ``ok``)."""
    if not enabled():
        proc = subprocess.run(argv, input=stdin, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        return proc.returncode, proc.stdout, proc.stderr
    key = _key(argv, stdin, cwd)
    entry = folder() / key[:2] / f"{key}.json"
    try:
        kept = json.loads(entry.read_text(encoding="utf-8"))
        return kept["status"], kept["stdout"], kept["stderr"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    proc = subprocess.run(argv, input=stdin, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode in ok:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=entry.parent, suffix=".tmp", delete=False, encoding="utf-8") as tmp:
            json.dump({"status": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}, tmp)
        os.replace(tmp.name, entry)
    return proc.returncode, proc.stdout, proc.stderr
