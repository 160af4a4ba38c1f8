"""Path globs, translated to regexes that match in linear time.

Two flavours share one translator:

* **Docker** (:func:`glob_to_regex`), for ``.dockerignore`` and the config's ``ignore`` list, as
  BuildKit's ``patternmatcher`` reads them: ``*``, ``?`` and ``[...]`` stay within one path
  segment; ``**`` spans any number of segments, ending with ``/`` or empty (``**/`` is the same,
  and ``a**b`` matches ``ab`` and ``a.../b``); a trailing ``**`` matches everything below;
  ``[!a]``/``[^a]`` negate; ``\\`` escapes the next character. A reversed range (``[z-a]``) is a
  :class:`GlobError`, as BuildKit refuses the pattern too.
* **git** (:func:`gitignore_to_regex`), for ``.gitignore``: ``**`` counts only as a whole segment
  (``**/x``, ``x/**``, ``a/**/b``), other runs of ``*`` are one ``*``; a reversed range matches
  nothing, as in git's wildmatch, and is no error.

Why not a plain translation: a pull request writes these patterns, and a backtracking regex such as
``(?:.*/)?(?:.*/)?a[^/]*a[^/]*a[^/]*b`` takes exponential time on a long name. Here each pattern
is cut where it can be matched without ever revisiting a choice: runs of ``**`` collapse; inside
one segment the fixed parts between two ``*`` are matched at their leftmost place (an atomic
group), which loses no match because every later part still has all the room it can use; the
same holds for whole segments between two ``**``. What is left to backtrack over is the last
``*`` of a segment and the last ``**`` of the pattern, each tried at most once per position, so
a match costs O(pattern length x path length). A ``**`` inside a segment (``a**b``) is written as
its two cases (``ab`` | ``a*/**/b``), so a pattern may hold a few of them
(limit ``glob-segment-double-stars``).
"""

from __future__ import annotations

import itertools
import re
import sys

from .model import InputError

__all__ = ["GlobError", "glob_to_regex", "gitignore_to_regex"]


class GlobError(InputError):
    """A glob that cannot be used (a reversed range, too many ``**`` inside segments)."""


# Tokens: fixed-width regex text (one character, never "/"), or one of these markers.
_SLASH, _STAR, _DSTAR, _TAIL = "/", "*", "**", "**$"
_ANY_SEGMENTS = "(?:[^/]*/)*"  # what an aligned ** matches: zero or more whole segments
_counter = itertools.count()


def glob_to_regex(pattern: str) -> str:
    """The regex body (unanchored at the end) matching what the Docker-style ``pattern`` matches.

    Raises :class:`GlobError` for a reversed range or too many ``**`` inside path segments.
    """
    return _compile(_docker_tokens(pattern), pattern)


def gitignore_to_regex(pattern: str) -> str:
    """The regex body matching what one ``.gitignore`` ``pattern`` (without ``!`` and trailing ``/``) matches."""
    return _compile(_git_tokens(pattern), pattern)


# --- tokenizers ------------------------------------------------------------------------


def _docker_tokens(pattern: str) -> list[str]:
    tokens: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*" and pattern.startswith("**", i):
            i += 2
            if i < n and pattern[i] == "/":
                i += 1  # BuildKit: "**/" is "**"
            tokens.append(_TAIL if i == n else _DSTAR)
            continue
        if c == "*":
            tokens.append(_STAR)
        elif c == "?":
            tokens.append("[^/]")
        elif c == "[":
            parsed = _bracket(pattern, i, strict=True)
            if parsed is None:
                tokens.append(re.escape(c))
            else:
                tokens.append(parsed[0])
                i = parsed[1]
        elif c == "\\" and i + 1 < n:
            i += 1
            tokens.append(_SLASH if pattern[i] == "/" else re.escape(pattern[i]))
        elif c == "/":
            tokens.append(_SLASH)
        else:
            tokens.append(re.escape(c))
        i += 1
    return tokens


def _git_tokens(pattern: str) -> list[str]:
    tokens: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*" and pattern.startswith("**", i) and (i == 0 or pattern[i - 1] == "/") and (i + 2 == n or pattern[i + 2] == "/"):
            tokens.append(_TAIL if i + 2 == n else _DSTAR)
            i += 3  # the slash after ** belongs to it
            continue
        if c == "*":
            while i < n and pattern[i] == "*":
                i += 1
            tokens.append(_STAR)
            continue
        if c == "?":
            tokens.append("[^/]")
        elif c == "\\" and i + 1 < n:
            i += 1
            tokens.append(_SLASH if pattern[i] == "/" else re.escape(pattern[i]))
        elif c == "[":
            parsed = _bracket(pattern, i, strict=False)
            if parsed is None:
                tokens.append(re.escape(c))
            else:
                tokens.append(parsed[0])
                i = parsed[1]
        elif c == "/":
            tokens.append(_SLASH)
        else:
            tokens.append(re.escape(c))
        i += 1
    return tokens


def _bracket(pattern: str, start: int, *, strict: bool) -> tuple[str, int] | None:
    """A ``[...]`` expression at ``start``: (regex for one character, index of its ``]``), or None when unterminated.

    ``]`` right after ``[`` (or ``[!``/``[^``) is a literal; ``\\`` escapes; ``a-z`` is a range.
    A bracket never matches ``/``. ``strict``: a reversed range is an error (else it matches nothing).
    """
    i, n = start + 1, len(pattern)
    negate = i < n and pattern[i] in "!^"
    if negate:
        i += 1

    def char(at: int) -> tuple[str, int]:
        """The character at ``at`` (an escaped one after a backslash) and the index after it."""
        if pattern[at] == "\\" and at + 1 < n:
            return pattern[at + 1], at + 2
        return pattern[at], at + 1

    items: list[str] = []
    covers_slash = False
    first = True
    while i < n and (pattern[i] != "]" or first):
        first = False
        lo, i = char(i)
        if i + 1 < n and pattern[i] == "-" and pattern[i + 1] != "]":
            hi, i = char(i + 1)
            if lo > hi:
                if strict:
                    raise GlobError(f"the range {lo}-{hi} is reversed (it matches nothing); write it as {hi}-{lo}")
                continue
            items.append(f"{re.escape(lo)}-{re.escape(hi)}")
            covers_slash = covers_slash or lo <= "/" <= hi
        else:
            items.append(re.escape(lo))
            covers_slash = covers_slash or lo == "/"
    if i >= n:
        return None
    body = "".join(items)
    if negate:
        return f"[^{body}/]", i
    if not body:
        return "(?!)", i
    return (f"(?!/)[{body}]" if covers_slash else f"[{body}]"), i


# --- compiling -----------------------------------------------------------------------------


def _compile(tokens: list[str], pattern: str) -> str:
    tokens = _collapse(tokens)
    inner = [k for k, t in enumerate(tokens) if t == _DSTAR and k > 0 and tokens[k - 1] != _SLASH]
    if not inner:
        return _emit(tokens)
    from . import limits

    if len(inner) > limits.get("glob-segment-double-stars"):
        raise limits.LimitExceeded("glob-segment-double-stars", repr(pattern), f"{len(inner)} of them")
    alternatives = []
    for choice in itertools.product((False, True), repeat=len(inner)):
        expanded: list[str] = []
        for k, token in enumerate(tokens):
            if k in inner:
                position = inner.index(k)
                # "a**b" is "ab" (** empty) or "a*/**/b" (** ends with a slash after a's segment)
                if choice[position]:
                    expanded += [_STAR, _SLASH, _DSTAR]
            else:
                expanded.append(token)
        alternatives.append(_emit(_collapse(expanded)))
    return "(?:" + "|".join(dict.fromkeys(alternatives)) + ")"


def _collapse(tokens: list[str]) -> list[str]:
    """Merge runs that match the same: ``* *`` -> ``*``, ``** **`` -> ``**``, ``** **$`` -> ``**$``."""
    out: list[str] = []
    for token in tokens:
        if out and token == _STAR and out[-1] == _STAR:
            continue
        if out and token == _DSTAR and out[-1] == _DSTAR:
            continue
        if out and token == _TAIL and out[-1] in (_DSTAR, _STAR):
            while out and out[-1] in (_DSTAR, _STAR):
                out.pop()
        out.append(token)
    return out


def _emit(tokens: list[str]) -> str:
    """Regex for tokens whose every ``**`` starts a segment: chunks between ``**`` matched leftmost."""
    chunks: list[list[str]] = [[]]
    for token in tokens:
        if token == _DSTAR:
            chunks.append([])
        else:
            chunks[-1].append(token)
    out = _emit_chunk(chunks[0])
    for middle in chunks[1:-1]:
        out += _atomic(_ANY_SEGMENTS.replace(")*", ")*?") + _emit_chunk(middle))
    if len(chunks) > 1:
        out += _ANY_SEGMENTS + _emit_chunk(chunks[-1])
    return out


def _emit_chunk(tokens: list[str]) -> str:
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token == _SLASH:
            segments.append([])
        else:
            segments[-1].append(token)
    return "/".join(_emit_segment(segment) for segment in segments)


def _emit_segment(tokens: list[str]) -> str:
    """One segment: fixed parts between ``*`` at their leftmost place, the last ``*`` free."""
    tail = bool(tokens) and tokens[-1] == _TAIL
    if tail:
        tokens = tokens[:-1]
    parts: list[str] = [""]
    for token in tokens:
        if token == _STAR:
            parts.append("")
        else:
            parts[-1] += token
    out = parts[0]
    if len(parts) > 1:
        for middle in parts[1:-1]:
            out += _atomic("[^/]*?" + middle)
        out += _atomic("[^/]*?" + parts[-1]) if tail else "[^/]*" + parts[-1]
    return out + ("(?s:.*)" if tail else "")


def _atomic(body: str) -> str:
    """An atomic group: once matched, never re-entered (emulated with a lookahead before Python 3.11)."""
    if sys.version_info >= (3, 11):
        return f"(?>{body})"
    name = f"_g{next(_counter)}"
    return f"(?=(?P<{name}>{body}))(?P={name})"
