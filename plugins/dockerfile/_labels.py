"""LABEL (and ENV) pairs and the label schema, for the label rules DL3048-DL3058 and DL3044.

Not a rule module. The schema (``label-schema``, ``strict-labels``) is a setting of
the plugin (``settings: {dockerfile: ...}``); every label rule reads it through
:func:`label_options`.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from imagepolicy.dockerfile import Dockerfile, Instruction, expand_variables
from imagepolicy.model import RuleContext

LABEL_TYPES = ("text", "url", "rfc3339", "spdx", "hash", "semver", "email")


def assignments(instr: Instruction) -> list[tuple[str, str]]:
    """The ``NAME=value`` pairs of a LABEL or ENV as written, quotes removed (see ``Instruction.assignments``)."""
    return instr.assignments()


def label_pairs(instr: Instruction) -> list[tuple[str, str | None]]:
    """A LABEL's ``(key, value)`` pairs, quotes removed and variables expanded.

    The value is None when it uses a variable with no known value (an ARG
    without default): it is only known at build time.
    """
    out: list[tuple[str, str | None]] = []
    for key, value in assignments(instr):
        missing: list[str] = []
        expanded = expand_variables(value, instr.variables, missing) if "$" in value else value
        out.append((key, None if missing else expanded))
    return out


def label_options(ctx: RuleContext) -> Mapping[str, Any]:
    """The plugin's settings, where every label rule reads ``label-schema`` and ``strict-labels``."""
    return ctx.settings


def labels_of_type(ctx: RuleContext, kind: str | None = None) -> dict[str, str]:
    """The schema's labels (of one type when ``kind`` is given)."""
    schema = label_options(ctx).get("label-schema") or {}
    return {name: t for name, t in schema.items() if kind is None or t == kind}


def invalid_labels(dockerfile: Dockerfile, ctx: RuleContext, kind: str, valid) -> Iterator[tuple[Instruction, str, str]]:
    """``(LABEL, key, value)`` for each schema label of type ``kind`` whose known value fails ``valid``.

    An empty value fails every type (as in hadolint it is DL3051's finding and the type's).
    """
    names = labels_of_type(ctx, kind)
    if not names:
        return
    for instr in dockerfile.instructions:
        if instr.keyword != "LABEL":
            continue
        for key, value in label_pairs(instr):
            if key in names and value is not None and (value == "" or not valid(value)):
                yield instr, key, value
