"""Where a file version came from: short layer digests and the instruction that made them.

Shared by the image rules so every finding names a layer the same way:
``sha256:0123456789ab (RUN pip install ...)``. Not a rule module (leading underscore).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Callable, Iterable

_SHELL_PREFIX = re.compile(r"^(?:RUN )?/bin/(?:ba)?sh -c (?:#\(nop\)\s*)?")
_ARGS_PREFIX = re.compile(r"^(?:RUN )?\|\d+ (?:\S+=\S* )*")


def short_digest(digest: str) -> str:
    """``sha256:`` and the first 12 hex digits, as docker shows image ids."""
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:12]}" if hexpart else digest[:19]


def short_command(created_by: str | None, limit: int = 80) -> str:
    """A history ``created_by`` without the ``/bin/sh -c`` noise, cut to ``limit`` characters."""
    if not created_by:
        return "unknown instruction"
    text = " ".join(created_by.split())
    text = _ARGS_PREFIX.sub("", text)
    text = _SHELL_PREFIX.sub("", text).strip()
    text = re.sub(r"\s*# buildkit$", "", text)
    if not re.match(r"^[A-Z]+ ", text):
        text = "RUN " + text
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def layer_label(image, index: int) -> str:
    """``layer 3 sha256:0123456789ab (COPY . /app)`` for the layer at ``index``."""
    layer = image.layers[index]
    return f"layer {index} {short_digest(layer.digest)} ({short_command(layer.created_by)})"


def layer_details(image, index: int) -> dict[str, object]:
    """The machine-readable twin of :func:`layer_label` for ``Violation.details``."""
    layer = image.layers[index]
    return {"layer": index, "layer_digest": layer.digest, "created_by": layer.created_by}


def deleted_by(entry, image) -> int | None:
    """Index of the layer that removed or overwrote this (hidden) version, if any."""
    for event in entry.history:
        if event.layer > entry.layer:
            return event.layer
    return None


def matches_any(path: str, globs: Iterable[str]) -> bool:
    """True when ``path`` matches one of the shell-style ``globs`` (``*`` also matches ``/``)."""
    return glob_matcher(tuple(globs))(path)


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
