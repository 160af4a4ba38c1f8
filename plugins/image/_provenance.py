"""Helpers the image rules share: where a file version came from, globs, sizes, option regexes.

Every finding names a layer the same way, ``layer 3 sha256:0123456789ab (RUN pip
install ...)`` with the layer's diff_id, through :func:`layer_label` (from
:mod:`imagepolicy.layermap`, which the Python rules use too). Not a rule module
(leading underscore).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Callable, Iterable

from imagepolicy.layermap import layer_details, layer_label, short_command, span_for

__all__ = ["compile_patterns", "deleted_by", "glob_matcher", "human_size", "layer_details", "layer_label", "short_command", "written_by"]


def deleted_by(entry, image) -> int | None:
    """Index of the layer that removed or overwrote this (hidden) version, if any."""
    for event in entry.history:
        if event.layer > entry.layer:
            return event.layer
    return None


def written_by(image, dockerfile, path: str) -> tuple[int | None, int | None]:
    """``(line, end_line)`` of the instruction that last wrote ``path`` (symlinks followed).

    ``(None, None)`` without a Dockerfile, when the path is missing, or when a
    layer of the base image wrote it (no instruction of this Dockerfile did).
    """
    entry = image.resolve(path)
    return span_for(image, dockerfile, entry.layer if entry is not None else None)


def glob_matcher(globs: Iterable[str]) -> Callable[[str], bool]:
    """One compiled test for many shell-style globs (``*`` also matches ``/``): fast on 100k paths."""
    globs = [g for g in globs if g]
    if not globs:
        return lambda path: False
    regex = re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))
    return lambda path: regex.match(path) is not None


def human_size(size: int) -> str:
    """``1.5 MiB`` style sizes for messages."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def compile_patterns(patterns: Iterable[str], code: str, option: str) -> list[re.Pattern[str]]:
    """Compile a rule option's regexes; a bad one is an input error naming the config key."""
    from imagepolicy.model import InputError

    compiled = []
    for i, pattern in enumerate(patterns):
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise InputError(f"config: rules.{code}.{option}[{i}]: {pattern!r} is not a valid regular expression ({exc}); fix or remove it") from None
    return compiled
