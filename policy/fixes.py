"""Automatic fixes: rules propose text edits, the core applies them and checks the result again.

A rule attaches a :class:`~imagepolicy.model.Fix` to a violation (``Violation(...,
autofix=Fix((Edit(...),), "add --no-cache-dir"))``); a plugin's check hooks may
return findings that carry one too. The core never trusts an edit blindly:

1. Every Dockerfile is checked; each finding that the config keeps (pragmas and
   ``ignore`` applied) and whose fix may be applied (safe, or any with
   ``--unsafe``) is a candidate. Findings that carry the same edits share one fix.
2. In each *round*, the candidates of a file whose edits touch no other chosen
   fix's edits are applied together, as ruff does; the rest wait for the next
   round (the text has moved by then, and the rules propose them again).
3. The edited text is parsed and checked again, with every rule, as the file
   it would become (same build context, config and build arguments). The round
   stands only when the text still parses, no rule errs that did not before,
   no rule code is reported more often than before, and each fixed finding's
   code is reported less often by as many. Otherwise each fix of the round is
   tried alone: those that fail are *dropped* (never retried, and reported with
   the reason), the first that passes stands.
4. Rounds repeat until nothing is left to fix (at most :data:`MAX_ROUNDS`).

The file is written only at the end, by a rename in its own folder, never
through a symbolic link, and only if it did not change meanwhile.

The helpers below map a RUN's script offsets (from
:mod:`imagepolicy.shellcmd`) and instructions to :class:`~imagepolicy.model.Edit`
positions, for rules to build their fixes.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import re
import sys
from collections import Counter
from dataclasses import field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from .model import Edit, Finding, Fix, InputError, TargetResult
from .records import record

MAX_ROUNDS = 10

__all__ = [
    "MAX_ROUNDS",
    "AppliedFix",
    "DroppedFix",
    "FileFixes",
    "SourceText",
    "apply_edits",
    "fix_dockerfiles",
    "instruction_block",
    "keyword_edit",
    "script_edit",
    "unified_diff",
    "write_fixed",
]


# --- text and positions -----------------------------------------------------------------


@record(frozen=True)
class SourceText:
    """A Dockerfile's bytes as read, and the text the model reads (BOM dropped, newlines as ``\\n``).

    :meth:`encode` turns edited text back into bytes with the file's own BOM
    and line endings (CRLF stays CRLF).
    """

    raw: bytes
    text: str
    bom: bool = False
    crlf: bool = False

    @classmethod
    def decode(cls, raw: bytes, shown: str) -> SourceText:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{shown}: not a text file (invalid UTF-8 at byte {exc.start}); is this a Dockerfile?") from None
        bom = text.startswith("\ufeff")
        text = text.removeprefix("\ufeff")
        crlf = "\r\n" in text
        normal = text.replace("\r\n", "\n")
        if "\r" in normal:
            raise InputError(f"{shown}: mixed or bare carriage-return line endings; not fixed (convert it to LF or CRLF first)")
        return cls(raw, normal, bom, crlf)

    def encode(self, text: str) -> bytes:
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return (("\ufeff" if self.bom else "") + text).encode("utf-8")


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def _offset(text: str, starts: list[int], line: int, column: int) -> int:
    """The offset of 1-based (line, column); the column may be one past the line's end, the line one past the last."""
    if line == len(starts) + 1 and column == 1 and text.endswith("\n"):
        return len(text)
    if not 1 <= line <= len(starts):
        raise ValueError(f"line {line} is outside the file (1-{len(starts)})")
    begin = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(text)
    if not 1 <= column <= end - begin + 1:
        raise ValueError(f"column {column} is outside line {line} (1-{end - begin + 1})")
    return begin + column - 1


def edit_offsets(text: str, edits: Iterable[Edit], starts: list[int] | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, replacement)`` offsets of ``edits`` in ``text``; ValueError when one lands outside it."""
    starts = starts if starts is not None else _line_starts(text)
    return [(_offset(text, starts, e.line, e.column), _offset(text, starts, e.end_line, e.end_column), e.text) for e in edits]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with ``edits`` applied; they must not overlap (ValueError otherwise, or when one lands outside)."""
    spans = sorted(edit_offsets(text, edits))
    for (s1, e1, _), (s2, _, _) in zip(spans, spans[1:]):
        if s2 < e1 or s2 == s1:
            raise ValueError(f"edits at offsets {s1} and {s2} overlap")
    out, pos = [], 0
    for start, end, replacement in spans:
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# --- helpers for rules -------------------------------------------------------------------


def _original_line(instr: Any, line: int) -> str | None:
    lines = _ScriptMap.of(instr).lines
    index = line - instr.line
    return lines[index] if 0 <= index < len(lines) else None


class _ScriptMap:
    """Where each line of a RUN's script starts, and the instruction's lines as written (computed once per RUN:
    a RUN may hold tens of thousands of commands, each with a fix)."""

    def __init__(self, instr: Any):
        self.script = instr.script
        self.starts = _line_starts(instr.script) if instr.script is not None else [0]
        self.lines = instr.original.split("\n")
        heredocs: Sequence[Any] = getattr(instr, "heredocs", ())
        self.strip_tabs = bool(heredocs) and instr.script_line == heredocs[0].line and heredocs[0].strip_tabs

    @classmethod
    def of(cls, instr: Any) -> _ScriptMap:
        cached = instr.__dict__.get("_fix_script_map")
        if cached is None or cached.script is not instr.script:
            cached = instr.__dict__["_fix_script_map"] = cls(instr)
        return cached


def _script_position(instr: Any, offset: int) -> tuple[int, int, str] | None:
    """(line, column, Dockerfile line text) of a script offset of a RUN; the column is 1-based in the Dockerfile."""
    script = instr.script
    if script is None or not 0 <= offset <= len(script):
        return None
    lines = _ScriptMap.of(instr)
    index = bisect.bisect_right(lines.starts, offset) - 1
    line = instr.script_line + index
    source = _original_line(instr, line)
    if source is None:
        return None
    shift = len(source) - len(source.lstrip("\t")) if lines.strip_tabs else 0  # <<- bodies lose their leading tabs
    return line, offset - lines.starts[index] + shift + 1, source


def script_edit(instr: Any, start: int, end: int, text: str) -> Edit | None:
    """An edit replacing ``script[start:end]`` of a shell-form RUN (offsets from :mod:`imagepolicy.shellcmd`) by ``text``.

    None when the offsets are unknown (-1) or the Dockerfile's text there is
    not the script's as written (the edit would land elsewhere). The script is
    the instruction's text line for line, with the keyword and flags blanked,
    or a heredoc's body; an edit stays within one line or spans whole ones.
    """
    if start < 0 or end < start:
        return None
    first = _script_position(instr, start)
    last = _script_position(instr, end)
    if first is None or last is None:
        return None
    line, column, source = first
    end_line, end_column, end_source = last
    script = instr.script
    # The Dockerfile must hold the script's characters around and inside the span.
    if line == end_line:
        if source[column - 1 : end_column - 1] != script[start:end]:
            return None
    elif source[column - 1 :] != script[start : script.find("\n", start)] or end_source[: end_column - 1] != script[script.rfind("\n", 0, end) + 1 : end]:
        return None
    if start > 0 and script[start - 1] != "\n" and (column < 2 or source[column - 2] != script[start - 1]):
        return None
    if end < len(script) and script[end] != "\n" and end_source[end_column - 1 : end_column] != script[end]:
        return None
    return Edit(line, column, end_line, end_column, text)


def instruction_block(dockerfile: Any, instr: Any) -> tuple[int, int]:
    """First and last line of ``instr`` with the comment lines right above it (pragmas included).

    Moving or inserting before an instruction moves its block, so a
    ``# hadolint ignore=`` line keeps applying to the instruction below it.
    Parser directives at the top of the file are not part of any block.
    """
    lines = dockerfile.text.split("\n")
    first = instr.line
    directives = _directive_lines(lines) if getattr(dockerfile, "directives", None) else 0
    while first - 1 > directives and lines[first - 2].lstrip().startswith("#"):
        first -= 1
    return first, instr.end_line


def _directive_lines(lines: list[str]) -> int:
    count = 0
    for line in lines:
        if re.match(r"^\s*#\s*[a-zA-Z][a-zA-Z0-9]*\s*=", line):
            count += 1
            continue
        break
    return count


def move_blocks_edits(dockerfile: Any, blocks: Sequence[tuple[int, int]], before_line: int) -> list[Edit]:
    """Edits moving whole-line ``blocks`` (first, last line; below ``before_line``) above ``before_line``, in order."""
    lines = dockerfile.text.split("\n")
    ends_with_newline = dockerfile.text.endswith("\n")
    count = len(lines) - 1 if ends_with_newline else len(lines)
    moved = "".join("".join(line + "\n" for line in lines[first - 1 : last]) for first, last in blocks)
    edits = [Edit.insert(before_line, 1, moved)]
    for first, last in blocks:
        if last < count or ends_with_newline:
            edits.append(Edit.delete(first, 1, last + 1, 1))
        else:  # the file's last line has no newline: take the one before it instead
            edits.append(Edit.delete(first - 1, len(lines[first - 2]) + 1, last, len(lines[last - 1]) + 1))
    return edits


def keyword_edit(instr: Any, keyword: str) -> Edit | None:
    """An edit replacing ``instr``'s keyword (after ``ONBUILD`` for a trigger) by ``keyword``, in the written case."""
    source = _original_line(instr, instr.line) or ""
    m = re.match(r"^(\s*(?:onbuild\s+)?)(\w+)", source, re.I)
    if m is None or m.group(2).upper() != instr.keyword:
        return None
    written = m.group(2)
    new = keyword.lower() if written.islower() else keyword.upper()
    return Edit(instr.line, m.start(2) + 1, instr.line, m.end(2) + 1, new)


# --- the fixer ---------------------------------------------------------------------------


@record(frozen=True)
class AppliedFix:
    """A fix that was applied: the codes it fixed, the line of its first finding (before it), its title, how many findings."""

    codes: tuple[str, ...]
    line: int | None
    title: str
    safe: bool
    findings: int = 1


@record(frozen=True)
class DroppedFix:
    """A fix that was not applied because checking its result failed, and why."""

    codes: tuple[str, ...]
    line: int | None
    title: str
    reason: str


@record
class FileFixes:
    """One Dockerfile's fixing: its text before and after, the fixes applied and dropped, what is left."""

    path: Path
    shown: str
    source: SourceText | None = None
    text: str = ""
    result: TargetResult | None = None  # the latest check (of the text as fixed so far)
    first_result: TargetResult | None = None  # the check before any fix
    applied: list[AppliedFix] = field(default_factory=list)
    dropped: list[DroppedFix] = field(default_factory=list)
    error: str | None = None  # the file could not be read or parsed: nothing was fixed
    check_errors: list[str] = field(default_factory=list)  # errors of its first check (a rule that crashed)
    unfinished: bool = False  # MAX_ROUNDS ran out with fixes left
    dropped_keys: set = field(default_factory=set, repr=False)

    @property
    def changed(self) -> bool:
        return self.source is not None and self.text != self.source.text

    @property
    def findings(self) -> list[Finding]:
        return list(self.result.findings) if self.result is not None else []

    def unsafe_left(self) -> int:
        """Findings left whose fix is unsafe (applied only with ``--unsafe``)."""
        return sum(1 for f in self.findings if f.autofix is not None and not f.autofix.safe)


Checker = Callable[[Sequence[tuple[Path, str]]], list[TargetResult]]


@record
class _Group:
    """One fix and the findings that carry it."""

    fix: Fix
    findings: list[Finding]
    spans: list[tuple[int, int, str]]
    key: tuple

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted({f.rule for f in self.findings}))

    @property
    def line(self) -> int | None:
        return min((f.line for f in self.findings if f.line is not None), default=None)

    def overlaps(self, other: _Group) -> bool:
        return any(s1 <= e2 and s2 <= e1 for s1, e1, _ in self.spans for s2, e2, _ in other.spans)


def fix_dockerfiles(paths: Sequence[Path], check: Checker, *, unsafe: bool = False,
                    read: Callable[[Path], bytes] | None = None) -> list[FileFixes]:
    """Fix every Dockerfile of ``paths`` in rounds (see the module docs); nothing is written.

    ``check`` checks ``(path, text)`` pairs as the files they would become and
    returns one result per pair, in order (all pairs of a round go in one call,
    so batched tools run once per round). ``read`` reads a file's bytes
    (default: the file; ``-`` is standard input).
    """
    files = [FileFixes(path, _shown(path)) for path in paths]
    ready: list[FileFixes] = []
    for item in files:
        try:
            raw = (read or _read)(item.path)
            item.source = SourceText.decode(raw, item.shown)
        except InputError as exc:
            item.error = str(exc)
            continue
        except OSError as exc:
            item.error = f"{item.shown}: cannot read Dockerfile: {exc.strerror or exc}"
            continue
        item.text = item.source.text
        ready.append(item)
    for item, result in zip(ready, check([(i.path, i.text) for i in ready]) if ready else []):
        item.result = item.first_result = result
    active = [i for i in ready if i.result is not None and not _broken(i.result)]
    for item in ready:
        if item.result is not None and _broken(item.result):
            item.error = item.result.errors[0]
        elif item.result is not None:
            item.check_errors = list(item.result.errors)
    for _ in range(MAX_ROUNDS):
        batch = []
        for item in active:
            groups = _choose(item, unsafe)
            if groups:
                batch.append((item, groups, _apply(item.text, groups)))
        if not batch:
            active = []
            break
        outcomes = check([(item.path, text) for item, _, text in batch])
        retry = []
        for (item, groups, text), after in zip(batch, outcomes):
            problem = _judge(item.result, after, groups)
            if problem is None:
                _accept(item, groups, text, after)
            elif len(groups) == 1:
                _drop(item, groups[0], problem)
            else:
                retry.append((item, groups))
        if retry:
            singles = [(item, group, _apply(item.text, [group])) for item, groups in retry for group in groups]
            outcomes = check([(item.path, text) for item, _, text in singles])
            done: set[int] = set()
            for (item, group, text), after in zip(singles, outcomes):
                problem = _judge(item.result, after, [group])
                if problem is not None:
                    _drop(item, group, problem)
                elif id(item) not in done:
                    done.add(id(item))
                    _accept(item, [group], text, after)
        active = [item for item, _, _ in batch]
    for item in active:
        item.unfinished = bool(_choose(item, unsafe))
    return files


def _read(path: Path) -> bytes:
    if str(path) == "-":
        return sys.stdin.buffer.read()
    if path.exists() and not path.is_file():
        raise OSError("not a regular file (a FIFO, socket or device cannot be fixed)")
    return path.read_bytes()


def _shown(path: Path) -> str:
    from .engine import display_path

    return "-" if str(path) == "-" else display_path(path)


def _broken(result: TargetResult) -> bool:
    """True when the target did not parse (nothing ran on it)."""
    return bool(result.errors) and not result.rules


def _region_key(text: str, group_spans: list[tuple[int, int, str]], codes: tuple[str, ...]) -> tuple:
    """What a fix does, independent of where the text has moved: its codes, replaced text and replacements."""
    return codes, tuple((text[s:e], new) for s, e, new in sorted(group_spans))


def _choose(item: FileFixes, unsafe: bool) -> list[_Group]:
    """The fixes of ``item`` to apply this round: allowed, not dropped, touching no other chosen fix."""
    by_edits: dict[tuple, _Group] = {}
    starts = _line_starts(item.text)
    for finding in item.findings:
        fix = finding.autofix
        if fix is None or not (fix.safe or unsafe):
            continue
        existing = by_edits.get(tuple(fix.edits))
        if existing is not None:
            existing.findings.append(finding)
            continue
        problem = fix.problem() if isinstance(fix, Fix) else f"{fix!r} is not an imagepolicy.model.Fix"
        spans: list[tuple[int, int, str]] = []
        if problem is None:
            try:
                spans = edit_offsets(item.text, fix.edits, starts)
            except ValueError as exc:
                problem = str(exc)
        group = _Group(fix, [finding], spans, ())
        if problem is not None:
            key = ("malformed", finding.rule, finding.line, finding.message)
            if key not in item.dropped_keys:
                item.dropped_keys.add(key)
                item.dropped.append(DroppedFix((finding.rule,), finding.line, getattr(fix, "title", "?"),
                                               f"the rule's fix is malformed: {problem}"))
            continue
        by_edits[tuple(fix.edits)] = group
    chosen: list[_Group] = []
    for group in sorted(by_edits.values(), key=lambda g: min(s for s, _, _ in g.spans)):
        group.key = _region_key(item.text, group.spans, group.codes)
        if group.key in item.dropped_keys:
            continue
        if any(group.overlaps(other) for other in chosen):
            continue
        chosen.append(group)
    return chosen


def _apply(text: str, groups: Sequence[_Group]) -> str:
    spans = sorted(span for group in groups for span in group.spans)
    out, pos = [], 0
    for start, end, replacement in spans:
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _accept(item: FileFixes, groups: Sequence[_Group], text: str, after: TargetResult) -> None:
    for group in groups:
        item.applied.append(AppliedFix(group.codes, group.line, group.fix.title, group.fix.safe, len(group.findings)))
    item.text = text
    item.result = after


def _drop(item: FileFixes, group: _Group, reason: str) -> None:
    item.dropped_keys.add(group.key)
    item.dropped.append(DroppedFix(group.codes, group.line, group.fix.title, reason))


_NUMBERS = re.compile(r"\d+")


def _judge(before: TargetResult | None, after: TargetResult, groups: Sequence[_Group]) -> str | None:
    """Why the checked result of applying ``groups`` is not acceptable, or None."""
    known = {_NUMBERS.sub("#", e) for e in (before.errors if before is not None else [])}
    new_errors = [e for e in after.errors if _NUMBERS.sub("#", e) not in known]
    if new_errors:
        if _broken(after):
            return f"the fixed file would not parse: {new_errors[0]}"
        return f"checking the fixed file fails: {new_errors[0]}"
    was = Counter(f.rule for f in (before.findings if before is not None else []))
    now = Counter(f.rule for f in after.findings)
    for finding in after.findings:
        if now[finding.rule] > was[finding.rule]:
            where = f" at line {finding.line}" if finding.line is not None else ""
            return f"it would add {finding.rule}{where}: {finding.message}"
    fixed = Counter(f.rule for group in groups for f in group.findings)
    for code, count in fixed.items():
        if now[code] > was[code] - count:
            return f"{code} is still reported after the fix"
    return None


# --- writing and showing -----------------------------------------------------------------


def write_fixed(item: FileFixes) -> None:
    """Write ``item``'s fixed text over its file: by a rename in the same folder, keeping its mode.

    Refuses (OSError/InputError) a path that is a symbolic link (the link would
    be replaced, or a file outside the checked tree written), a file outside the
    checked tree (even one the invoker named: it was read, it is not written),
    and a file that changed since it was read.
    """
    assert item.source is not None
    path = item.path
    if path.is_symlink():
        raise InputError(f"{path}: is a symbolic link; not written (fix the file it points at, {item.shown})")
    _check_in_tree(path, item.shown)
    current = path.read_bytes()
    if current != item.source.raw:
        raise InputError(f"{item.shown}: changed while it was being fixed; not written (run imagepolicy fix again)")
    data = item.source.encode(item.text)
    info = os.stat(path)
    folder = path.parent
    import tempfile  # here: only when a fixed file is written

    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            os.fchmod(stream.fileno(), info.st_mode & 0o7777)
            with contextlib.suppress(OSError):
                os.fchown(stream.fileno(), info.st_uid, info.st_gid)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _check_in_tree(path: Path, shown: str) -> None:
    """Refuse to write a path outside the checked tree of the run (see :mod:`imagepolicy.tree`)."""
    from . import tree

    root = tree.current()
    if root is None:
        return
    tree.check_file(path, shown, "Dockerfile")
    if not Path(os.path.realpath(path)).is_relative_to(root):
        raise InputError(f"{shown}: is outside the checked tree {root}; not written (imagepolicy writes only below it: "
                         "run it from the checkout, or pass --root with a folder that holds the file)")


def unified_diff(item: FileFixes) -> str:
    """The fix of ``item`` as a unified diff (``--- a/PATH`` / ``+++ b/PATH``), empty when nothing changed."""
    if not item.changed or item.source is None:
        return ""
    before = item.source.text.splitlines(keepends=True)
    after = item.text.splitlines(keepends=True)
    import difflib  # here: only for fix --diff

    lines = list(difflib.unified_diff(before, after, f"a/{item.shown}", f"b/{item.shown}"))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
