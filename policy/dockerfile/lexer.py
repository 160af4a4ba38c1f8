"""BuildKit's word processing: splitting, quote removal and variable expansion, in one lexer.

:class:`Lexer` follows ``frontend/dockerfile/shell/lex.go`` (``ProcessWord`` and
``ProcessWords``): quotes are removed, the escape token (``\\`` or the ``#
escape=`` one) escapes the next character (inside double quotes only ``"``,
``$`` and itself), ``'...'`` is literal, and ``$X``, ``${X}``, ``${X:-w}``,
``${X-w}``, ``${X:+w}``, ``${X+w}``, ``${X:?w}``, ``${X#p}``, ``${X##p}``,
``${X%p}``, ``${X%%p}``, ``${X/p/r}`` and ``${X//p/r}`` are expanded, nested
to any depth the ``expansion-depth`` limit allows. Syntax errors raise
ValueError with BuildKit's wording.

Every caller uses this one lexer; what differs is the *mode*, as in BuildKit:
``raw_quotes``/``raw_escapes`` keep quote and escape characters (BuildKit's
``RawQuotes``/``RawEscapes``, used to find heredocs and by its own checks),
``keep_unset`` leaves a reference to an unset variable as written
(``SkipUnsetEnv``), and ``quotes=False, escape=""`` expands ``$`` forms only,
for words a shell splitter already unquoted.

Unknown is not empty. A scope value of None is a variable declared without a
known value (``ARG NAME`` with no default and no ``--build-arg``), and with
``open_scope`` any name the scope does not hold may be set by the base image
(``$HOME``, ``$GOPATH``). Such names read as empty, as an unset variable does in
a build without those arguments, and the result lists them in
:attr:`Expansion.unknown`: a rule that judges a value checks it first and stays
silent (or says so) instead of judging the empty string.

Expansion is bounded: the characters it produces for one Dockerfile (or one
call) count against the ``expansion-bytes`` limit, and ``${...}`` nesting
against ``expansion-depth`` (see :mod:`imagepolicy.limits`). Shell patterns
(``#``, ``%``, ``/``) are matched without backtracking blow-ups.

:func:`raw_words` is the parser's ``parseWords`` (it keeps quotes and escapes;
the lexer removes them later), :func:`split_flags` its ``extractBuilderFlags``.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Mapping, NamedTuple

from .. import limits

if TYPE_CHECKING:
    from .model import Instruction

# Go's unicode.IsSpace: Python's str.isspace() without the separators \x1c-\x1f.
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE_RUN = re.compile(f"[{GO_SPACE}]+")
# BuildKit's reWhitespace: the blanks that split FROM, EXPOSE, COPY/ADD/VOLUME lists and the keyword.
_BLANKS = re.compile(r"[\t\v\f\r ]+")
_NAME_CHAR = re.compile(r"[^\W]+")  # letters, digits and _ (Unicode, as Go's IsLetter/IsDigit)
_SPECIAL_PARAMS = "@*#?-$!0"


def split_blanks(text: str, limit: int = 0) -> list[str]:
    """``text`` split on runs of space, tab, CR, VT and FF, as BuildKit's ``reWhitespace.Split``."""
    text = text.strip(GO_SPACE)
    if not text:
        return []
    return _BLANKS.split(text, maxsplit=limit)


class Expansion(NamedTuple):
    """What the lexer made of a word."""

    text: str  # the processed word (ProcessWord); unknown variables read as empty
    words: list[str]  # the same split into words (ProcessWords), empty words dropped
    unknown: frozenset[str]  # variables with no known value that the result depends on
    missing: list[str]  # names read but not set (BuildKit's "unmatched"), for the undefined-variable checks
    names: frozenset[str] = frozenset()  # every variable name the text reads

    @property
    def known(self) -> bool:
        return not self.unknown


class ExpansionBudget:
    """Characters expansion may still produce (the ``expansion-bytes`` limit), shared by the words of one file."""

    __slots__ = ("left", "where")

    def __init__(self, where: str = "variable expansion"):
        self.left = limits.get("expansion-bytes")
        self.where = where

    def charge(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise limits.LimitExceeded("expansion-bytes", self.where, "variable expansion produced more")


class _State:
    """The words being built (BuildKit's wordsStruct): a blank outside quotes ends a non-empty word."""

    __slots__ = ("words", "parts", "size")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.parts: list[str] = []
        self.size = 0

    def split(self, text: str) -> None:
        pieces = _SPACE_RUN.split(text)
        self.raw(pieces[0])
        for piece in pieces[1:]:
            self.end()
            self.raw(piece)

    def raw(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.size += len(text)

    def end(self) -> None:
        if self.size:
            self.words.append("".join(self.parts))
            self.parts.clear()
            self.size = 0

    def done(self) -> list[str]:
        self.end()
        return self.words


@functools.lru_cache(maxsize=64)
def _specials(escape: str, quotes: bool, stop: str) -> re.Pattern:
    chars = "$" + escape + stop + ("'\"" if quotes else "")
    return re.compile("[" + re.escape(chars) + "]")


@functools.lru_cache(maxsize=8)
def _double_specials(escape: str) -> re.Pattern:
    return re.compile("[" + re.escape('"$' + escape) + "]")


class Lexer:
    """One word-processing run over ``text`` (see the module docstring for the modes)."""

    __slots__ = (
        "text", "pos", "scope", "escape", "quotes", "raw_quotes", "raw_escapes", "keep_unset", "keep_unknown",
        "open_scope", "budget", "depth", "max_depth", "unknown", "missing", "names",
    )

    def __init__(
        self,
        text: str,
        scope: Mapping[str, str | None],
        *,
        escape: str = "\\",
        quotes: bool = True,
        raw_quotes: bool = False,
        raw_escapes: bool = False,
        keep_unset: bool = False,
        keep_unknown: bool = False,
        open_scope: bool = False,
        budget: ExpansionBudget | None = None,
    ):
        self.text, self.pos = text, 0
        self.keep_unknown = keep_unknown
        self.names: set[str] = set()
        self.scope = scope
        self.escape = escape
        self.quotes = quotes
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.keep_unset = keep_unset
        self.open_scope = open_scope
        self.budget = budget if budget is not None else ExpansionBudget()
        self.depth = 0
        self.max_depth = limits.get("expansion-depth")
        self.unknown: set[str] = set()
        self.missing: list[str] = []

    def process(self, want_words: bool = True) -> Expansion:
        text, words = self._run("", self.raw_escapes, want_words)
        return Expansion(text, words, frozenset(self.unknown), self.missing, frozenset(self.names))

    # --- the scanner ----------------------------------------------------------------------
    def _run(self, stop: str, raw_escapes: bool, want_words: bool) -> tuple[str, list[str]]:
        """processStopOn: up to ``stop`` (consumed) or the end; ValueError when ``stop`` never comes."""
        saved, self.raw_escapes = self.raw_escapes, raw_escapes
        try:
            return self._scan(stop, raw_escapes, want_words)
        finally:
            self.raw_escapes = saved

    def _scan(self, stop: str, raw_escapes: bool, want_words: bool) -> tuple[str, list[str]]:
        text, esc = self.text, self.escape
        specials = _specials(esc, self.quotes, stop)
        out: list[str] = []
        state = _State() if want_words else None
        n = len(text)
        while self.pos < n:
            m = specials.search(text, self.pos)
            end = m.start() if m else n
            if end > self.pos:
                chunk = text[self.pos : end]
                out.append(chunk)
                if state is not None:
                    state.split(chunk)
                self.pos = end
                if not m:
                    break
            ch = text[self.pos]
            if stop and ch == stop:
                self.pos += 1
                return "".join(out), state.done() if state is not None else []
            if ch == "$":
                value = self._dollar()
                out.append(value)
                if state is not None:
                    state.split(value)
            elif ch == "'":
                value = self._single()
                out.append(value)
                if state is not None:
                    state.raw(value)
            elif ch == '"':
                value = self._double()
                out.append(value)
                if state is not None:
                    state.raw(value)
            else:  # the escape token
                self.pos += 1
                if raw_escapes:
                    out.append(ch)
                    if state is not None:
                        state.raw(ch)
                if self.pos >= n:
                    break
                nxt = text[self.pos]
                self.pos += 1
                out.append(nxt)
                if state is not None:
                    state.raw(nxt)
        if stop:
            raise ValueError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out), state.done() if state is not None else []

    def _single(self) -> str:
        start = self.pos + 1
        end = self.text.find("'", start)
        if end < 0:
            raise ValueError("unexpected end of statement while looking for matching single-quote")
        self.pos = end + 1
        return self.text[start - 1 : end + 1] if self.raw_quotes else self.text[start:end]

    def _double(self) -> str:
        text, esc = self.text, self.escape
        specials = _double_specials(esc)
        out = ['"'] if self.raw_quotes else []
        self.pos += 1
        n = len(text)
        while True:
            m = specials.search(text, self.pos)
            if m is None:
                raise ValueError("unexpected end of statement while looking for matching double-quote")
            if m.start() > self.pos:
                out.append(text[self.pos : m.start()])
                self.pos = m.start()
            ch = text[self.pos]
            if ch == '"':
                self.pos += 1
                if self.raw_quotes:
                    out.append('"')
                return "".join(out)
            if ch == "$":
                out.append(self._dollar())
                continue
            # the escape token: escapes only ", $ and itself; otherwise it stays
            self.pos += 1
            if self.raw_escapes:
                out.append(ch)
            if self.pos >= n:
                continue  # the loop then reports the missing quote
            if text[self.pos] in ('"', "$", esc):
                ch = text[self.pos]
                self.pos += 1
            out.append(ch)

    def _name(self) -> str:
        text, pos = self.text, self.pos
        if pos >= len(text):
            return ""
        ch = text[pos]
        if ch.isdigit():
            end = pos
            while end < len(text) and text[end].isdigit():
                end += 1
            self.pos = end
            return text[pos:end]
        if ch in _SPECIAL_PARAMS:
            self.pos += 1
            return ch
        m = _NAME_CHAR.match(text, pos)
        if not m:
            return ""
        self.pos = m.end()
        return m.group(0)

    def _lookup(self, name: str, defaulted: bool) -> tuple[str, bool]:
        """(value, set) as BuildKit's getEnv, noting unknown and missing names."""
        self.names.add(name)
        scope = self.scope
        if name in scope:
            value = scope[name]
            if value is not None:
                return value, True
            self.unknown.add(name)
            return "", False
        if self.open_scope and (name[:1].isalpha() or name[:1] == "_"):
            self.unknown.add(name)
        if not defaulted and (name[:1].isalpha() or name[:1] == "_"):
            self.missing.append(name)
        return "", False

    def _keep(self, name: str, found: bool) -> bool:
        """Whether a reference stays as written: unset (keep_unset) or with no known value (keep_unknown)."""
        return not found and (self.keep_unset or (self.keep_unknown and name in self.unknown))

    def _charge(self, value: str) -> str:
        if value:
            self.budget.charge(len(value))
        return value

    def _dollar(self) -> str:
        text = self.text
        self.pos += 1
        if self.pos >= len(text) or text[self.pos] != "{":
            name = self._name()
            if not name:
                return "$"
            value, found = self._lookup(name, False)
            if self._keep(name, found):
                return "$" + name
            return self._charge(value)
        self.pos += 1
        if self.pos >= len(text):
            raise ValueError("syntax error: missing '}'")
        if text[self.pos] in "{}:":
            raise ValueError("syntax error: bad substitution")
        self.depth += 1
        if self.depth > self.max_depth:
            raise limits.LimitExceeded("expansion-depth", self.budget.where, f"more than {self.max_depth} nested ${{...}}")
        try:
            return self._braced()
        finally:
            self.depth -= 1

    def _braced(self) -> str:
        text = self.text
        name = self._name()
        op = text[self.pos] if self.pos < len(text) else ""
        self.pos += 1 if op else 0
        if op == "}":
            value, found = self._lookup(name, False)
            if self._keep(name, found):
                return "${" + name + "}"
            return self._charge(value)
        colon = op == ":"
        if colon:
            op = text[self.pos] if self.pos < len(text) else ""
            self.pos += 1 if op else 0
        if colon or op in ("+", "-", "?", "#", "%"):
            try:
                word, _ = self._run("}", op in ("#", "%"), False)
            except ValueError:
                if self.pos >= len(text):
                    raise ValueError("syntax error: missing '}'") from None
                raise
            value, found = self._lookup(name, op in ("-", "+", "?"))
            if self._keep(name, found):
                return "${" + name + (":" if colon else "") + op + word + "}"
            is_set = found and not (colon and value == "")
            if op == "-":
                return value if is_set else word
            if op == "+":
                return word if is_set else ""
            if op == "?":
                if not found and name in self.unknown:
                    return value  # the base image or a --build-arg may set it
                if not found:
                    raise ValueError(f"{name}: {word or 'is not allowed to be unset'}")
                if colon and value == "":
                    raise ValueError(f"{name}: {word or 'is not allowed to be empty'}")
                return value
            if op in ("#", "%"):
                greedy = word[:1] == op
                if greedy:
                    word = word[1:]
                self.budget.charge(len(value))
                return _trim(value, word, prefix=op == "#", greedy=greedy)
            raise ValueError(f"unsupported modifier ({':' if colon else ''}{op or '?'}) in substitution")
        if op == "/":
            every = self.pos < len(text) and text[self.pos] == "/"
            if every:
                self.pos += 1
            try:
                pattern, _ = self._run("/", True, False)
            except ValueError:
                if self.pos >= len(text):
                    raise ValueError("syntax error: missing '/' in ${}") from None
                raise
            try:
                replacement, _ = self._run("}", True, False)
            except ValueError:
                if self.pos >= len(text):
                    raise ValueError("syntax error: missing '}'") from None
                raise
            value, found = self._lookup(name, False)
            if self._keep(name, found):
                return "${" + name + "/" + pattern + "/" + replacement + "}"
            self.budget.charge(len(value))
            return self._charge(_replace(value, pattern, replacement, every, self.budget))
        raise ValueError(f"unsupported modifier ({op or '?'}) in substitution")


# --- shell patterns (convertShellPatternToRegex), matched without backtracking blow-ups -----


def _pattern_tokens(pattern: str) -> list[str]:
    """The pattern as tokens: ``*``, ``?`` or one literal character (as ``\\x``)."""
    tokens: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch in "*?":
            tokens.append(ch)
        elif ch == "\\":
            nxt = pattern[i] if i < n else ""
            if nxt in ("}", "/"):
                continue  # the escape of } or / in ${} is not part of the pattern
            if nxt not in ("*", "?", "\\"):
                raise ValueError(f"invalid pattern ({pattern}) in substitution: invalid escape '\\{nxt}'")
            tokens.append("\\" + nxt)
            i += 1
        else:
            tokens.append("\\" + ch)
    return tokens


def _segment_re(tokens: list[str]) -> str:
    return "".join("[^\\n]" if t == "?" else re.escape(t[1]) for t in tokens)


def _segments(tokens: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for t in tokens:
        if t == "*":
            out.append([])
        else:
            out[-1].append(t)
    return out


@functools.lru_cache(maxsize=256)
def _anchored(pattern_tokens: tuple[str, ...], greedy: bool) -> re.Pattern:
    """A regex that matches ``pattern`` at the start of a string, shortest or longest, in linear time.

    The text after a ``*`` floats, so placing each middle segment at its
    earliest occurrence (an atomic group) is always right; the last one goes
    to its latest occurrence when greedy (``.*`` backs off one step at a time).
    """
    segs = _segments(list(pattern_tokens))
    regex = _segment_re(segs[0])
    middle, last = segs[1:-1], segs[-1] if len(segs) > 1 else None
    for seg in middle:
        regex += "(?>[^\\n]*?" + _segment_re(seg) + ")"
    if last is not None:
        regex += ("[^\\n]*" if greedy else "[^\\n]*?") + _segment_re(last)
    return re.compile(regex)


def _trim(value: str, pattern: str, *, prefix: bool, greedy: bool) -> str:
    """``${X#p}``, ``${X##p}``, ``${X%p}``, ``${X%%p}`` (a suffix is a prefix of the reversed strings)."""
    tokens = _pattern_tokens(pattern)
    if not prefix:
        tokens.reverse()
        value = value[::-1]
    m = _anchored(tuple(tokens), greedy).match(value)
    if m is not None:
        value = value[m.end() :]
    return value if prefix else value[::-1]


def _trailing_star_dropped(tokens: list[str]) -> list[str]:
    while tokens and tokens[-1] == "*":
        tokens = tokens[:-1]
    return tokens


def _go_template(replacement: str, matched: str) -> str:
    """Go's regexp Expand on a replacement: ``$$`` is ``$``, ``$0`` the match, other ``$name`` empty."""
    if "$" not in replacement:
        return replacement

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(2)
        return matched if name == "0" else ""

    return re.sub(r"\$\$|\$\{(\w+)\}|\$(\w+)", sub, replacement)


def _replace(value: str, pattern: str, replacement: str, every: bool, budget: ExpansionBudget) -> str:
    """``${X/p/r}`` (first, longest match) and ``${X//p/r}`` (every match), as Go's leftmost-first regex."""
    tokens = _pattern_tokens(pattern)
    if "*" not in tokens:
        regex = re.compile(_segment_re(tokens))
        if "$" in replacement:
            return regex.sub(lambda m: _go_template(replacement, m.group(0)), value, count=0 if every else 1)
        return regex.sub(lambda m: replacement, value, count=0 if every else 1)
    segs = _segments(tokens)
    first, rest = segs[0], tokens[len(segs[0]) :]
    first_re = re.compile(_segment_re(first))
    longest = _anchored(tuple(tokens), True)
    out: list[str] = []
    pos = 0
    while pos <= len(value):
        # the latest place the part after the first * can start from (it floats, so earlier always fits)
        latest = _latest_fit(value, rest, pos)
        start = None
        if latest is not None:
            m = first_re.search(value, pos)
            if m is not None and m.end() <= latest:
                start = m.start()
        if start is None:
            break
        m = longest.match(value, start)
        if m is None:  # cannot happen: the rest was seen to fit
            break
        out.append(value[pos:start])
        out.append(_go_template(replacement, m.group(0)))
        budget.charge(len(replacement))
        if m.end() == start:  # an empty match: keep one character and go on
            if start < len(value):
                out.append(value[start])
            pos = start + 1
        else:
            pos = m.end()
        if not every:
            break
    out.append(value[pos:])
    return "".join(out)


def _latest_fit(value: str, rest: list[str], pos: int) -> int | None:
    """The greatest i >= pos from which ``rest`` (starting with ``*``) matches some substring of value[i:], or None."""
    reversed_tokens = list(reversed(_trailing_star_dropped(rest)))
    if not reversed_tokens:
        return len(value)
    # match the reversed rest at the start of the reversed text: its shortest match gives the latest start
    rev = value[::-1]
    m = _anchored(tuple(["*"] + reversed_tokens), False).match(rev, 0, len(value) - pos)
    if m is None:
        return None
    return len(value) - m.end()


# --- the public entry points ------------------------------------------------------------------


def lex(
    text: str,
    scope: Mapping[str, str | None],
    *,
    escape: str = "\\",
    quotes: bool = True,
    raw_quotes: bool = False,
    raw_escapes: bool = False,
    keep_unset: bool = False,
    keep_unknown: bool = False,
    open_scope: bool = False,
    budget: ExpansionBudget | None = None,
    words: bool = True,
) -> Expansion:
    """Process ``text`` as BuildKit's lexer does in the given mode (see the module docstring)."""
    if "$" not in text and (not quotes or ("'" not in text and '"' not in text)) and (not escape or escape not in text):
        return Expansion(text, split_words(text) if words else [], frozenset(), [])
    return Lexer(
        text, scope, escape=escape, quotes=quotes, raw_quotes=raw_quotes, raw_escapes=raw_escapes,
        keep_unset=keep_unset, keep_unknown=keep_unknown, open_scope=open_scope, budget=budget,
    ).process(words)


def split_words(text: str) -> list[str]:
    """Split plain text (no quotes, escapes or ``$``) on Go's blanks."""
    return [w for w in _SPACE_RUN.split(text) if w]


def process_word(text: str, scope: Mapping[str, str | None], *, escape: str = "\\", missing: list[str] | None = None) -> str:
    """Expand and unquote ``text`` as BuildKit does for ENV, ARG, WORKDIR, USER, FROM... (ProcessWord).

    Unknown variables read as empty; use :func:`lex` to learn which ones the
    result depends on. Raises ValueError on unterminated quotes or a bad ``${...}``.
    """
    result = lex(text, scope, escape=escape, words=False)
    if missing is not None:
        missing.extend(result.missing)
    return result.text


def process_words(text: str, scope: Mapping[str, str | None], *, escape: str = "\\", missing: list[str] | None = None) -> list[str]:
    """Like :func:`process_word`, split into words (ProcessWords: COPY/ADD sources, EXPOSE...)."""
    result = lex(text, scope, escape=escape)
    if missing is not None:
        missing.extend(result.missing)
    return result.words


def expand_variables(text: str, scope: Mapping[str, str | None], missing: list[str] | None = None) -> str:
    """Substitute the ``$`` forms of ``text`` and nothing else (quotes and backslashes stay as written).

    For words a shell splitter already unquoted (a RUN command's arguments).
    A malformed ``${...}`` leaves the text as written. Unset variables read as
    empty; their names are appended to ``missing``.
    """
    if "$" not in text:
        return text
    if "\\$" in text:  # an escaped dollar is a dollar
        return "$".join(expand_variables(part, scope, missing) for part in text.split("\\$"))
    try:
        result = lex(text, scope, escape="", quotes=False, words=False)
    except ValueError:
        return text
    if missing is not None:
        missing.extend(sorted(result.unknown) + [n for n in result.missing if n not in result.unknown])
    return result.text


def raw_assignments(instr: Instruction, escape: str = "\\") -> tuple[list[tuple[str, str | None]], bool]:
    """``(key, value as written)`` pairs of an ENV/ARG/LABEL, and whether it uses the legacy ``K V`` form.

    Values keep their quotes and escapes (``None`` for ``ARG NAME``); ENV and
    LABEL also take the legacy form ``KEY value``, split at the first run of
    blanks (tab included), which is one pair.
    """
    words = raw_words(instr.args, escape)
    if not words:
        return [], False
    if instr.keyword != "ARG" and "=" not in words[0]:
        parts = split_blanks(instr.args, 1)
        return [(parts[0], parts[1] if len(parts) > 1 else "")], True
    pairs = []
    for word in words:
        key, eq, value = word.partition("=")
        pairs.append((key, value if eq else None))
    return pairs, False


def raw_words(text: str, escape: str = "\\") -> list[str]:
    """Split on blanks outside quotes, keeping quotes and escapes (BuildKit's ``parseWords``).

    An escape token at the very end is dropped; an escaped character (even a
    blank or a quote) stays in the word with its escape.
    """
    words: list[str] = []
    word: list[str] = []
    quote = ""
    blank_ok = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
            if ch == escape and quote != "'" and ch != "'":
                if i + 1 == n:
                    quote = ""
                    i += 1
                    continue
                word.append(ch)
                i += 1
                ch = text[i]
            word.append(ch)
            i += 1
            continue
        if ch in GO_SPACE:
            if blank_ok or word:
                words.append("".join(word))
            word = []
            blank_ok = False
            i += 1
            continue
        if ch in ("'", '"'):
            quote = ch
            blank_ok = True
        if ch == escape:
            if i + 1 == n:
                i += 1
                continue
            word.append(ch)
            i += 1
            ch = text[i]
        word.append(ch)
        i += 1
    if blank_ok or word:
        words.append("".join(word))
    return words


def split_flags(text: str, escape: str = "\\") -> tuple[list[str], str]:
    """The leading ``--flag`` words of an instruction's arguments and the rest (BuildKit's ``extractBuilderFlags``).

    Flag words have their quotes and escapes removed (``--mount=type=secret,id="a b"``
    is one word); a lone ``--`` ends the flags; the rest starts at the first
    word that does not begin with ``--``.
    """
    flags: list[str] = []
    word: list[str] = []
    in_word = False
    quote = ""
    blank_ok = False
    i, n = 0, len(text)
    while i <= n:
        if not in_word and not quote:
            if i == n:
                break
            ch = text[i]
            if ch in GO_SPACE:
                i += 1
                continue
            if ch != "-" or i + 1 == n or text[i + 1] != "-":
                return flags, text[i:]
            in_word = True
        if i == n:
            current = "".join(word)
            if current != "--" and (blank_ok or current):
                flags.append(current)
            break
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
                i += 1
                continue
            if ch == escape:
                if i + 1 == n:
                    quote = ""
                    i += 1
                    continue
                i += 1
                ch = text[i]
            word.append(ch)
            i += 1
            continue
        if ch in GO_SPACE:
            current = "".join(word)
            in_word = False
            if current == "--":
                return flags, text[i:]
            if blank_ok or current:
                flags.append(current)
            word = []
            blank_ok = False
            i += 1
            continue
        if ch in ("'", '"'):
            quote = ch
            blank_ok = True
            i += 1
            continue
        if ch == escape:
            if i + 1 == n:
                i += 1
                continue
            i += 1
            ch = text[i]
        word.append(ch)
        i += 1
    return flags, ""
