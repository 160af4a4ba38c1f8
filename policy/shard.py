"""``--shard K/N``: split the targets of a run into N slices so a CI matrix can share them.

Every runner of a matrix (GitHub ``strategy.matrix``, GitLab ``parallel:``,
Jenkins ``parallel``) checks out the same tree and computes the same target
list, then keeps only its own slice::

    imagepolicy check . --shard 2/4     # the second of four slices

The split depends only on the set of targets, never on the order they were
given in, the machine, or Python's per-process salted ``hash()``:

* each target is reduced to a *key*, its normalised path relative to the
  working directory (``./a//b/../Dockerfile`` and ``a/Dockerfile`` are one
  key; POSIX separators);
* the distinct keys are ordered by the SHA-256 of the key (ties, which do not
  happen in practice, by the key itself) and dealt out round-robin, so the
  slices differ in size by at most one and neighbouring folders land on
  different runners;
* targets with the same key always go to the same slice.

So every target is in exactly one slice, the union of the N slices is the
whole run, and with more slices than targets some slices are empty (such a
runner reports nothing and succeeds). Adding or removing a target may move
other targets to another slice; the reports of all slices together always
cover everything once.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from pathlib import Path

from .model import InputError

_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``: the 1-based slice K of N slices.

    Raises :class:`InputError` naming the flag and value when ``text`` is not
    two whole numbers ``K/N`` with ``1 <= K <= N``.
    """
    match = _SHARD_RE.match(text)
    if not match:
        raise InputError(
            f"--shard {text}: expected K/N, two whole numbers such as 2/4 (the second of four slices)"
        )
    k, n = int(match.group(1)), int(match.group(2))
    if n < 1:
        raise InputError(f"--shard {text}: N must be at least 1 (the number of slices)")
    if not 1 <= k <= n:
        raise InputError(f"--shard {text}: K must be between 1 and N (1 to {n} here); slices are numbered from 1")
    return k, n


def shard_key(target: str, root: str | os.PathLike[str] | None = None) -> str:
    """The normalised POSIX path of ``target`` relative to ``root`` (default: the working directory).

    An absolute path outside ``root`` stays absolute. The key is what decides
    the slice, so the same file named two ways lands in the same slice.
    """
    text = str(target).replace("\\", "/") if os.sep == "\\" else str(target)
    if os.path.isabs(text):
        base = os.path.abspath(root if root is not None else os.getcwd())
        try:
            relative = os.path.relpath(text, base)
        except ValueError:  # another drive on Windows
            relative = text
        if not relative.startswith(".."):
            text = relative
    key = posixpath.normpath(Path(text).as_posix())
    return "." if key in ("", ".") else key


def _order(key: str) -> tuple[str, str]:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest(), key


def select(targets: list[str], k: int, n: int, *, root: str | os.PathLike[str] | None = None) -> list[str]:
    """The targets of slice ``k`` of ``n`` (1-based), in the order they were given.

    Deterministic: it depends on the set of target keys only (see the module
    docstring). Raises :class:`InputError` when ``k``/``n`` are out of range.
    """
    if n < 1 or not 1 <= k <= n:
        raise InputError(f"--shard {k}/{n}: K must be between 1 and N, and N at least 1")
    keys = {target: shard_key(target, root) for target in targets}
    ranked = sorted(set(keys.values()), key=_order)
    slice_of = {key: index % n for index, key in enumerate(ranked)}
    return [target for target in targets if slice_of[keys[target]] == k - 1]
