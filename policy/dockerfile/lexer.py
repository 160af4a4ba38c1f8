"""BuildKit's word processing: splitting, quote removal and variable expansion.

Follows ``frontend/dockerfile/shell/lex.go`` (``ProcessWord``/``ProcessWords``)
and the parser's ``parseWords`` for the raw split that keeps quotes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Instruction

_VAR_RE = re.compile(r"\\\$|\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand_variables(text: str, scope: dict[str, str], missing: list[str] | None = None) -> str:
    """Expand ``$X``, ``${X}``, ``${X:-d}``, ``${X:+a}`` (BuildKit's forms).

    Unknown variables become empty strings, as the builder does; their names
    are appended to ``missing`` when given.
    """

    def sub(m: re.Match) -> str:
        if m.group(0) == "\\$":
            return "$"
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3)
        value = scope.get(name)
        if value is None and missing is not None and op not in (":-", "-", ":+", "+"):
            missing.append(name)
        if op in (":-",):
            return value if value else expand_variables(word or "", scope, missing)
        if op == "-":
            return value if value is not None else expand_variables(word or "", scope, missing)
        if op == ":+":
            return expand_variables(word or "", scope, missing) if value else ""
        if op == "+":
            return expand_variables(word or "", scope, missing) if value is not None else ""
        return value or ""

    if "$" not in text:
        return text
    return _VAR_RE.sub(sub, text)


# --- BuildKit word processing --------------------------------------------------------------


class _WordLexer:
    """BuildKit's word processing (``frontend/dockerfile/shell/lex.go``).

    Quotes are removed, the escape token escapes the next character (in double
    quotes only ``"``, ``$`` and itself), ``'...'`` is literal, and ``$X``,
    ``${X}``, ``${X:-w}``, ``${X-w}``, ``${X:+w}``, ``${X+w}``, ``${X:?w}``,
    ``${X#p}``, ``${X##p}``, ``${X%p}``, ``${X%%p}``, ``${X/p/r}`` and
    ``${X//p/r}`` are expanded from
    ``scope``. Syntax errors raise ValueError with BuildKit's wording.
    """

    def __init__(self, text: str, scope: dict[str, str], escape: str, missing: list[str] | None):
        self.text, self.pos = text, 0
        self.scope, self.escape, self.missing = scope, escape, missing

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1 if ch else 0
        return ch

    def run(self, stop: str = "") -> tuple[str, list[str]]:
        result: list[str] = []
        words: list[str] = []
        word: list[str] = []

        def add(ch: str, raw: bool) -> None:
            if not raw and ch.isspace():
                if word:
                    words.append("".join(word))
                    word.clear()
            else:
                word.append(ch)

        while self.pos < len(self.text):
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                break
            if ch in ("'", '"'):
                chunk = self.single_quoted() if ch == "'" else self.double_quoted()
                result.append(chunk)
                word.append(chunk)
            elif ch == "$":
                chunk = self.dollar()
                result.append(chunk)
                for c in chunk:
                    add(c, raw=False)
            else:
                self.next()
                if ch == self.escape:
                    ch = self.next()
                    if not ch:
                        break
                    add(ch, raw=True)
                else:
                    add(ch, raw=False)
                result.append(ch)
        else:
            if stop:
                raise ValueError(f"unexpected end of statement while looking for matching {stop}")
        if word:
            words.append("".join(word))
        return "".join(result), words

    def single_quoted(self) -> str:
        self.next()
        end = self.text.find("'", self.pos)
        if end < 0:
            raise ValueError("unexpected end of statement while looking for matching single-quote")
        chunk, self.pos = self.text[self.pos : end], end + 1
        return chunk

    def double_quoted(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise ValueError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            self.next()
            if ch == self.escape:
                if not self.peek():
                    continue
                if self.peek() in ('"', "$", self.escape):
                    ch = self.next()
            out.append(ch)

    def name(self) -> str:
        ch = self.peek()
        if ch.isdigit():
            start = self.pos
            while self.peek().isdigit():
                self.next()
            return self.text[start : self.pos]
        if ch and ch in "@*#?-$!":
            return self.next()
        start = self.pos
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            self.next()
        return self.text[start : self.pos]

    def lookup(self, name: str, defaulted: bool) -> str | None:
        value = self.scope.get(name)
        if value is None and not defaulted and self.missing is not None and (name[:1].isalpha() or name[:1] == "_"):
            self.missing.append(name)
        return value

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            return (self.lookup(name, False) or "") if name else "$"
        self.next()
        if self.peek() in ("", "{", "}", ":"):
            raise ValueError("syntax error: bad substitution")
        name = self.name()
        op = self.next()
        if op == "}":
            return self.lookup(name, False) or ""
        colon = op == ":"
        if colon:
            op = self.next()
        if op in ("-", "+", "?"):
            word, _ = self.run(stop="}")
            value = self.lookup(name, True)
            is_set = value is not None and (value != "" or not colon)
            if op == "-":
                return value if is_set and value is not None else word
            if op == "+":
                return word if is_set else ""
            if not is_set:
                raise ValueError(f"{name}: {word or 'is not allowed to be unset'}")
            return value or ""
        if not colon and op in ("#", "%"):
            longest = self.peek() == op
            if longest:
                self.next()
            pattern, _ = self.run(stop="}")
            return _trim_pattern(self.lookup(name, False) or "", pattern, op == "#", longest)
        if not colon and op == "/":
            every = self.peek() == "/"
            if every:
                self.next()
            pattern, _ = self.run(stop="/")
            replacement, _ = self.run(stop="}")
            return _replace_pattern(self.lookup(name, False) or "", pattern, replacement, every)
        raise ValueError(f"unsupported modifier ({op}) in substitution")


def _trim_pattern(value: str, pattern: str, prefix: bool, longest: bool) -> str:
    """``${X#p}``/``${X##p}``/``${X%p}``/``${X%%p}`` with shell glob patterns."""
    import fnmatch

    cuts = range(len(value), -1, -1) if longest else range(len(value) + 1)
    for cut in cuts:
        if prefix and fnmatch.fnmatchcase(value[:cut], pattern):
            return value[cut:]
        if not prefix and fnmatch.fnmatchcase(value[len(value) - cut :], pattern):
            return value[: len(value) - cut]
    return value


def _replace_pattern(value: str, pattern: str, replacement: str, every: bool) -> str:
    """``${X/p/r}`` (first, longest match) and ``${X//p/r}`` (every match)."""
    import fnmatch

    out, i = [], 0
    while i <= len(value):
        end = next((j for j in range(len(value), i, -1) if fnmatch.fnmatchcase(value[i:j], pattern)), None)
        if end is None:
            if i < len(value):
                out.append(value[i])
            i += 1
            continue
        out.append(replacement)
        if not every:
            return "".join(out) + value[end:]
        i = end
    return "".join(out)


def process_word(text: str, scope: dict[str, str], *, escape: str = "\\", missing: list[str] | None = None) -> str:
    """Expand and unquote ``text`` as BuildKit does for ENV, ARG, WORKDIR, USER, FROM...

    Raises ValueError on unterminated quotes or a bad ``${...}``.
    """
    return _WordLexer(text, scope, escape, missing).run()[0]


def process_words(text: str, scope: dict[str, str], *, escape: str = "\\", missing: list[str] | None = None) -> list[str]:
    """Like :func:`process_word`, split into words (COPY/ADD sources, EXPOSE...)."""
    return _WordLexer(text, scope, escape, missing).run()[1]


def raw_assignments(instr: Instruction, escape: str = "\\") -> tuple[list[tuple[str, str | None]], bool]:
    """``(key, value as written)`` pairs of an ENV/ARG/LABEL, and whether it uses the legacy ``K V`` form.

    Values keep their quotes and escapes (``None`` for ``ARG NAME``); ENV and
    LABEL also take the legacy form, which is one pair.
    """
    words = raw_words(instr.args, escape)
    if not words:
        return [], False
    if instr.keyword != "ARG" and "=" not in words[0]:
        key, _, rest = instr.args.strip().partition(" ")
        return [(key, rest.strip())], True
    pairs = []
    for word in words:
        key, eq, value = word.partition("=")
        pairs.append((key, value if eq else None))
    return pairs, False


def raw_words(text: str, escape: str = "\\") -> list[str]:
    """Split on blanks outside quotes, keeping quotes and escapes (BuildKit's parseWords)."""
    words: list[str] = []
    word: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == escape and quote != "'" and i + 1 < len(text):
            word.append(ch + text[i + 1])
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
            word.append(ch)
        elif ch in ("'", '"'):
            quote = ch
            word.append(ch)
        elif ch.isspace():
            if word:
                words.append("".join(word))
                word = []
        else:
            word.append(ch)
        i += 1
    if word:
        words.append("".join(word))
    return words
