"""Map an image's layers back to the Dockerfile instructions that made them.

An image config's ``history`` lists one entry per build step, each with the
``created_by`` text the builder wrote and ``empty_layer`` for steps that
changed only metadata. The base image's own history comes first, then the
steps of the stage that was built (and of its ``FROM <stage>`` ancestors).
Builders write ``created_by`` differently:

* BuildKit: ``RUN /bin/sh -c pip install . # buildkit``,
  ``RUN |1 VER=2 /bin/sh -c make # buildkit``, ``COPY src/ ./src/ # buildkit``,
  ``WORKDIR /app``, ``CMD ["app"]`` (Go's ``%q`` of a list: ``["a" "b"]``);
* classic docker and buildah: ``/bin/sh -c #(nop) COPY dir:<hash> in ./src/ ``,
  ``/bin/sh -c #(nop) WORKDIR /app``, ``/bin/sh -c pip install .``,
  ``|1 VER=2 /bin/sh -c make`` (build arguments in force), ``/bin/sh -c ["a", "b"]``
  for an exec-form RUN (buildah).

:func:`instruction_for_history` aligns the history with the stage's
instructions from the end (a weighted longest common subsequence) and keeps
only confident pairs: a *strong* pair has the same keyword and the same
normalised arguments; a *weak* pair (same keyword only, e.g. BuildKit's
``EXPOSE map[8080/tcp:{}]`` or a heredoc RUN) is kept only when it sits in an
unbroken run of pairs that holds a strong one. :func:`map_layers` then maps
each layer through its history entry, and only to an instruction that writes
files (RUN, COPY, ADD, WORKDIR): buildah without ``--layers`` squashes a
stage into one layer recorded under its last instruction, often ``CMD``,
which says nothing about where the files came from.

Rules call :func:`line_for` to point an image finding at a Dockerfile line.
This module knows no rule; results are cached per image and Dockerfile.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from .dockerfile import KNOWN_INSTRUCTIONS, Dockerfile, Instruction, Stage

LAYER_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
"""Instructions whose step can write a layer."""

STRONG, WEAK = 3, 1

_BUILDKIT_SUFFIX = re.compile(r"\s*# buildkit\s*$")
_NOP = re.compile(r"^[^#]*?\s#\(nop\)\s*")  # SHELL in force, then #(nop): classic docker, buildah
_HASHED_SOURCE = re.compile(r"^(?:file|dir|multi):[0-9a-f]{16,}\s+in\s+(?P<dest>.*?)\s*$")
_LEADING_FLAGS = re.compile(r"^(?:--[A-Za-z][A-Za-z0-9-]*(?:=\S*)?\s+)+")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Step:
    """One config history entry as an instruction: ``keyword`` is None when the
    text names no Dockerfile instruction (a base image made by other tools)."""

    index: int
    keyword: str | None
    text: str
    hashed_dest: str | None = None  # classic ``COPY dir:<hash> in DEST``: only DEST is known
    empty_layer: bool = False


def parse_created_by(created_by: str, index: int = 0, empty_layer: bool = False) -> Step:
    """Read a ``created_by`` text written by BuildKit, classic docker or buildah."""
    text = _BUILDKIT_SUFFIX.sub("", created_by or "").strip()
    nop = _NOP.match(text)
    if nop:
        rest = text[nop.end() :]
        keyword, _, args = rest.partition(" ")
        keyword = keyword.upper()
        if keyword not in KNOWN_INSTRUCTIONS:
            return Step(index, None, text, empty_layer=empty_layer)
        hashed = _HASHED_SOURCE.match(args.strip()) if keyword in ("COPY", "ADD") else None
        return Step(index, keyword, args.strip(), hashed.group("dest") if hashed else None, empty_layer)
    keyword, _, args = text.partition(" ")
    if keyword in KNOWN_INSTRUCTIONS:  # BuildKit: the instruction's own keyword, upper case
        return Step(index, keyword, args.strip(), empty_layer=empty_layer)
    if text.startswith("|") or re.search(r"\s-c\s", text):  # classic RUN: [|N ARGS] SHELL -c SCRIPT
        return Step(index, "RUN", text, empty_layer=empty_layer)
    return Step(index, None, text, empty_layer=empty_layer)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _unquoted(text: str) -> str:
    return _norm(text.replace('"', "").replace("'", ""))


def _quoted_list(text: str) -> list[str] | None:
    """A JSON list (``["a", "b"]``), Go ``%q`` list (``["a" "b"]``) or ``%v`` list (``[a b]``) from the first ``[``."""
    start = text.find("[")
    if start < 0 or not text.rstrip().endswith("]"):
        return None
    chunk = text[start:].strip()
    try:
        value = json.loads(chunk)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    except ValueError:
        pass
    if '"' not in chunk:  # Go's %v of a list: [/bin/bash -o pipefail -c]
        return chunk[1:-1].split()
    items = _QUOTED.findall(chunk)
    return [item.replace('\\"', '"').replace("\\\\", "\\") for item in items]


def _expanded(instr: Instruction, text: str) -> str:
    try:
        return instr.expand(text)
    except Exception:  # noqa: BLE001 - a malformed ${...} keeps its raw form
        return text


def match_strength(step: Step, instr: Instruction) -> int:
    """STRONG (3) for the same keyword and arguments, WEAK (1) for the same keyword only, else 0."""
    if step.keyword is None or step.keyword != instr.keyword:
        return 0
    if instr.keyword == "RUN":
        return STRONG if _run_matches(step.text, instr) else WEAK
    if instr.keyword in ("COPY", "ADD"):
        return STRONG if _copy_matches(step, instr) else WEAK
    if instr.keyword in ("CMD", "ENTRYPOINT", "SHELL") and instr.json_args is not None:
        return STRONG if _quoted_list(step.text) == list(instr.json_args) else WEAK
    if instr.keyword == "ARG":
        names = " ".join(a.split("=", 1)[0] for a in instr.args.split())
        return STRONG if _unquoted(step.text) in (_unquoted(instr.args), _unquoted(names), _unquoted(_expanded(instr, instr.args))) else WEAK
    wanted = {_unquoted(instr.args), _unquoted(_expanded(instr, instr.args))}
    return STRONG if _unquoted(step.text) in wanted else WEAK


def _run_matches(text: str, instr: Instruction) -> bool:
    if instr.json_args is not None:
        if _quoted_list(text) == list(instr.json_args):
            return True
        joined = _norm(" ".join(instr.json_args))
        return bool(joined) and _norm(text).endswith(joined)
    script = _norm(instr.args)
    return bool(script) and (_norm(text) == script or _norm(text).endswith(" " + script))


def _copy_matches(step: Step, instr: Instruction) -> bool:
    words = instr.args.split()
    if not words:
        return False
    dests = {words[-1], _expanded(instr, words[-1])}
    if step.hashed_dest is not None:
        return step.hashed_dest in dests
    seen = _LEADING_FLAGS.sub("", step.text.strip())
    return _norm(seen) in (_norm(instr.args), _norm(_expanded(instr, instr.args)))


def stage_instructions(stage: Stage) -> list[Instruction]:
    """The instructions that ran for ``stage``: its ``FROM <stage>`` ancestors' first, FROM lines left out."""
    ordered: list[Instruction] = []
    for member in reversed(stage.lineage()):
        ordered.extend(member.instructions)
    return ordered


def _align(steps: Sequence[Step], instrs: Sequence[Instruction]) -> list[tuple[int, int, int]]:
    """A best weighted common subsequence, as (step position, instruction position, strength), ends preferred."""
    n, m = len(steps), len(instrs)
    weight = [[match_strength(s, i) for i in instrs] for s in steps]
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for a in range(1, n + 1):
        row, prev, w = dp[a], dp[a - 1], weight[a - 1]
        for b in range(1, m + 1):
            best = max(prev[b], row[b - 1])
            if w[b - 1]:
                best = max(best, prev[b - 1] + w[b - 1])
            row[b] = best
    pairs = []
    a, b = n, m
    while a > 0 and b > 0:
        w = weight[a - 1][b - 1]
        if w and dp[a][b] == dp[a - 1][b - 1] + w:
            pairs.append((a - 1, b - 1, w))
            a, b = a - 1, b - 1
        elif dp[a - 1][b] >= dp[a][b - 1]:
            a -= 1
        else:
            b -= 1
    pairs.reverse()
    return pairs


def _confident(pairs: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Strong pairs, and weak pairs in an unbroken run (adjacent on both sides) holding a strong pair."""
    kept: list[tuple[int, int, int]] = []
    run: list[tuple[int, int, int]] = []
    for pair in pairs + [(-2, -2, 0)]:
        if run and (pair[0] != run[-1][0] + 1 or pair[1] != run[-1][1] + 1):
            has_strong = any(w == STRONG for _, _, w in run)
            kept.extend(p for p in run if p[2] == STRONG or has_strong)
            run = []
        run.append(pair)
    return kept


def steps_of(history: Iterable[Any]) -> list[Step]:
    """Parse a config ``history`` list (entries that are not objects are skipped, keeping indices)."""
    steps = []
    for index, entry in enumerate(history or []):
        if isinstance(entry, dict):
            steps.append(parse_created_by(str(entry.get("created_by") or ""), index, bool(entry.get("empty_layer"))))
    return steps


def instruction_for_history(history: Iterable[Any], dockerfile: Dockerfile | None, stage: Stage | None = None) -> dict[int, Instruction]:
    """Map config history indices to the Dockerfile instructions that wrote them (confident pairs only).

    ``stage`` is the stage that was built; by default the stage whose
    instructions align best (the final stage on a tie), since an image may have
    been built with ``--target``.
    """
    if dockerfile is None or not dockerfile.stages:
        return {}
    steps = steps_of(history)
    candidates = [stage] if stage is not None else list(reversed(dockerfile.stages))
    best: tuple[tuple[int, int], dict[int, Instruction]] = ((0, 0), {})
    for candidate in candidates:
        instrs = stage_instructions(candidate)
        pairs = _confident(_align(steps, instrs))
        score = (sum(1 for p in pairs if p[2] == STRONG), len(pairs))
        if score > best[0]:
            best = (score, {steps[a].index: instrs[b] for a, b, _ in pairs})
    return best[1]


_CACHE: weakref.WeakKeyDictionary[Any, tuple[weakref.ref, dict[int, Instruction]]] = weakref.WeakKeyDictionary()


def map_layers(image: Any, dockerfile: Dockerfile | None) -> dict[int, Instruction]:
    """Map layer indices of ``image`` to the RUN/COPY/ADD/WORKDIR instruction that created each.

    Layers of the base image, layers whose history entry is missing, and
    layers recorded under a metadata instruction (a squashed build) are left
    out. Cached per (image, Dockerfile).
    """
    if dockerfile is None:
        return {}
    cached = _CACHE.get(image)
    if cached is not None and cached[0]() is dockerfile:
        return cached[1]
    by_history = instruction_for_history(image.config.get("history") or [], dockerfile)
    result = {}
    for layer in image.layers:
        instr = by_history.get(layer.history_index) if layer.history_index is not None else None
        if instr is not None and instr.keyword in LAYER_KEYWORDS:
            result[layer.index] = instr
    try:
        _CACHE[image] = (weakref.ref(dockerfile), result)
    except TypeError:  # an object that cannot be weakly referenced: no caching
        pass
    return result


def instruction_for_layer(image: Any, dockerfile: Dockerfile | None, layer_index: int | None) -> Instruction | None:
    """The instruction that created layer ``layer_index``, or None when not known with confidence."""
    if layer_index is None:
        return None
    return map_layers(image, dockerfile).get(layer_index)


def line_for(image: Any, dockerfile: Dockerfile | None, layer_index: int | None) -> int | None:
    """The Dockerfile line of the instruction that created layer ``layer_index`` (for ``Violation.line``)."""
    instr = instruction_for_layer(image, dockerfile, layer_index)
    return instr.line if instr is not None else None
