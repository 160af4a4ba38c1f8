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

Rules call :func:`span_for` (or :func:`line_for`) to point an image finding at
the Dockerfile lines of the instruction that wrote a layer. Metadata
instructions (USER, ENV, LABEL, EXPOSE, ...) make no layer:
:func:`config_instruction` finds the one that set an image config value in the
built stage (:func:`built_stage`, the stage the history aligns with), and only
when the value it sets is the value in the config. :func:`layer_label` names a
layer in messages by its index, short diff_id and instruction; the diff_id is
the same in every archive format, the blob digest is not.

This module knows no rule; results are cached per image and Dockerfile.
"""

from __future__ import annotations

import json
import re
import weakref
from typing import Any, Iterable, Sequence

from .dockerfile import KNOWN_INSTRUCTIONS, Dockerfile, Instruction, Stage
from .records import record

LAYER_KEYWORDS = frozenset({"RUN", "COPY", "ADD", "WORKDIR"})
"""Instructions whose step can write a layer."""

STRONG, WEAK = 3, 1

_BUILDKIT_SUFFIX = re.compile(r"\s*# buildkit\s*$")
_NOP = re.compile(r"^[^#]*?\s#\(nop\)\s*")  # SHELL in force, then #(nop): classic docker, buildah
_HASHED_SOURCE = re.compile(r"^(?:file|dir|multi):[0-9a-f]{16,}\s+in\s+(?P<dest>.*?)\s*$")
_LEADING_FLAGS = re.compile(r"^(?:--[A-Za-z][A-Za-z0-9-]*(?:=\S*)?\s+)+")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@record(frozen=True)
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
        strength = weight[a - 1][b - 1]
        if strength and dp[a][b] == dp[a - 1][b - 1] + strength:
            pairs.append((a - 1, b - 1, strength))
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
    return _best_alignment(history, dockerfile, stage)[1]


def _best_alignment(history: Iterable[Any], dockerfile: Dockerfile | None, stage: Stage | None = None) -> tuple[Stage | None, dict[int, Instruction]]:
    """The stage whose instructions align best with ``history`` (None when none aligns) and the confident pairs."""
    if dockerfile is None or not dockerfile.stages:
        return None, {}
    steps = steps_of(history)
    candidates = [stage] if stage is not None else list(reversed(dockerfile.stages))
    best: tuple[tuple[int, int], Stage | None, dict[int, Instruction]] = ((0, 0), None, {})
    for candidate in candidates:
        instrs = stage_instructions(candidate)
        pairs = _confident(_align(steps, instrs))
        score = (sum(1 for p in pairs if p[2] == STRONG), len(pairs))
        if score > best[0]:
            best = (score, candidate, {steps[a].index: instrs[b] for a, b, _ in pairs})
    return best[1], best[2]


@record(frozen=True)
class _Mapping:
    """What :func:`_mapping` caches per image: the built stage and the layer map."""

    dockerfile: weakref.ref
    stage: Stage | None
    layers: dict[int, Instruction]


_CACHE: weakref.WeakKeyDictionary[Any, _Mapping] = weakref.WeakKeyDictionary()


def _mapping(image: Any, dockerfile: Dockerfile) -> _Mapping:
    cached = _CACHE.get(image)
    if cached is not None and cached.dockerfile() is dockerfile:
        return cached
    stage, by_history = _best_alignment(image.config.get("history") or [], dockerfile)
    layers = {}
    for layer in image.layers:
        instr = by_history.get(layer.history_index) if layer.history_index is not None else None
        if instr is not None and instr.keyword in LAYER_KEYWORDS:
            layers[layer.index] = instr
    result = _Mapping(weakref.ref(dockerfile), stage, layers)
    try:
        _CACHE[image] = result
    except TypeError:  # an object that cannot be weakly referenced: no caching
        pass
    return result


def map_layers(image: Any, dockerfile: Dockerfile | None) -> dict[int, Instruction]:
    """Map layer indices of ``image`` to the RUN/COPY/ADD/WORKDIR instruction that created each.

    Layers of the base image, layers whose history entry is missing, and
    layers recorded under a metadata instruction (a squashed build) are left
    out. Cached per (image, Dockerfile).
    """
    if dockerfile is None:
        return {}
    return _mapping(image, dockerfile).layers


def built_stage(image: Any, dockerfile: Dockerfile | None) -> Stage | None:
    """The stage ``image`` was built from: the one its history aligns with, else the final stage."""
    if dockerfile is None:
        return None
    stage = _mapping(image, dockerfile).stage
    return stage if stage is not None else dockerfile.final_stage


def instruction_for_layer(image: Any, dockerfile: Dockerfile | None, layer_index: int | None) -> Instruction | None:
    """The instruction that created layer ``layer_index``, or None when not known with confidence."""
    if layer_index is None:
        return None
    return map_layers(image, dockerfile).get(layer_index)


def line_for(image: Any, dockerfile: Dockerfile | None, layer_index: int | None) -> int | None:
    """The Dockerfile line of the instruction that created layer ``layer_index`` (for ``Violation.line``)."""
    instr = instruction_for_layer(image, dockerfile, layer_index)
    return instr.line if instr is not None else None


def span_for(image: Any, dockerfile: Dockerfile | None, layer_index: int | None) -> tuple[int | None, int | None]:
    """``(line, end_line)`` of the instruction that created layer ``layer_index``; ``(None, None)`` when unknown."""
    return instruction_span(instruction_for_layer(image, dockerfile, layer_index))


def instruction_span(instr: Instruction | None) -> tuple[int | None, int | None]:
    """``(line, end_line)`` of ``instr`` for ``Violation(line=..., end_line=...)``; ``(None, None)`` for None."""
    return (instr.line, instr.end_line) if instr is not None else (None, None)


# --- image config values back to the instructions that set them --------------------------------

CONFIG_KEYWORDS = {
    "User": "USER",
    "WorkingDir": "WORKDIR",
    "Env": "ENV",
    "Labels": "LABEL",
    "ExposedPorts": "EXPOSE",
    "Volumes": "VOLUME",
    "Cmd": "CMD",
    "Entrypoint": "ENTRYPOINT",
    "Healthcheck": "HEALTHCHECK",
}
"""Image config fields (``config["config"]``) and the instruction that sets each."""


def config_instruction(image: Any, dockerfile: Dockerfile | None, field: str, key: str | None = None) -> Instruction | None:
    """The instruction of the built stage that set config ``field`` (``key`` for Env, Labels, ExposedPorts, Volumes).

    Metadata instructions make no layer, so this reads the Dockerfile model,
    not the layer map: the last instruction of that keyword in the built
    stage and its ``FROM <stage>`` ancestors (the first for EXPOSE and VOLUME,
    which add up). It is returned only when the value it sets is the value
    in the image config, so a value inherited from the base image, or an
    image built from another Dockerfile, points nowhere (None).
    """
    stage = built_stage(image, dockerfile)
    if stage is None or field not in CONFIG_KEYWORDS:
        return None
    runtime = image.runtime if isinstance(image.runtime, dict) else {}
    instrs = [i for i in stage_instructions(stage) if i.keyword == CONFIG_KEYWORDS[field]]
    if field in ("Env", "Labels"):
        return _assigning(instrs, stage, field, key, runtime)
    if field in ("ExposedPorts", "Volumes"):
        present = runtime.get(field) or {}
        if key is None or key not in present:
            return None
        listed = _lists_port if field == "ExposedPorts" else _lists_volume
        return next((i for i in instrs if listed(i, key)), None)
    if not instrs:
        return None
    last = instrs[-1]
    if field == "User":
        return last if _expanded(last, last.args.strip()) == str(runtime.get("User") or "").strip() else None
    if field == "WorkingDir":
        return last if stage.end_state[0].rstrip("/") == str(runtime.get("WorkingDir") or "/").rstrip("/") else None
    if field in ("Cmd", "Entrypoint"):
        return last if _argv_of(last) == [_norm(str(a)) for a in _as_list(runtime.get(field))] else None
    return last if runtime.get(field) else None  # Healthcheck


def _assigning(instrs: list[Instruction], stage: Stage, field: str, key: str | None, runtime: dict) -> Instruction | None:
    """The last ENV/LABEL assigning ``key``, when the image holds the value the Dockerfile gives it."""
    for instr in reversed(instrs):
        values = [value for name, value in instr.assignments() if name == key]
        if not values:
            continue
        if field == "Env":
            image_env = dict(item.split("=", 1) for item in runtime.get("Env") or [] if "=" in item)
            return instr if key in image_env and stage.end_state[3].get(key) == image_env[key] else None
        labels = runtime.get("Labels") or {}
        return instr if key in labels and _expanded(instr, values[-1]) == labels[key] else None
    return None


def _lists_port(instr: Instruction, key: str) -> bool:
    """True when EXPOSE ``instr`` covers config key ``key`` (``8080/tcp``; ranges such as ``8000-8010/udp`` too)."""
    port, _, proto = key.partition("/")
    if not port.isdigit():
        return False
    for word in _expanded(instr, instr.args).split():
        spec, _, spec_proto = word.partition("/")
        low, _, high = spec.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            continue
        if int(low) <= int(port) <= int(high or low) and (spec_proto or "tcp").lower() == (proto or "tcp").lower():
            return True
    return False


def _lists_volume(instr: Instruction, key: str) -> bool:
    paths = instr.json_args if instr.json_args is not None else _expanded(instr, instr.args).split()
    return any((p.rstrip("/") or "/") == (key.rstrip("/") or "/") for p in paths)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _argv_of(instr: Instruction) -> list[str]:
    """The argv a CMD/ENTRYPOINT stores in the config: its JSON list, or the shell in force with its text."""
    if instr.json_args is not None:
        return [_norm(a) for a in instr.json_args]
    return [_norm(a) for a in (*instr.shell, instr.args)]


def arg_instruction(image: Any, dockerfile: Dockerfile | None, name: str) -> Instruction | None:
    """The last ARG of the built stage (or its ancestors) declaring build argument ``name``."""
    stage = built_stage(image, dockerfile)
    if stage is None:
        return None
    for instr in reversed(stage_instructions(stage)):
        if instr.keyword == "ARG" and any(word.split("=", 1)[0] == name for word in instr.args.split()):
            return instr
    return None


# --- naming a layer in messages ------------------------------------------------------------------

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


def layer_label(image: Any, index: int) -> str:
    """``layer 3 sha256:0123456789ab (COPY . /app)``: the layer's index, short diff_id and instruction.

    The diff_id (digest of the uncompressed tar) is the same in every archive
    format; the blob digest is not (oci-archive layers are compressed), so
    findings never quote it.
    """
    layer = image.layers[index]
    return f"layer {index} {short_digest(layer.diff_id)} ({short_command(layer.created_by)})"


def layer_details(image: Any, index: int) -> dict[str, Any]:
    """The machine-readable twin of :func:`layer_label` for ``Violation.details``."""
    layer = image.layers[index]
    return {"layer": index, "diff_id": layer.diff_id, "created_by": layer.created_by}
