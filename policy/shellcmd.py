"""The commands a RUN script executes, for rules that look at what a RUN does.

One splitter for every rule. :func:`parse_script` reads shell text the way a
POSIX shell (and bash) tokenises it and returns every simple command with its
words (quotes removed, expansions as written), the line it starts on, and
whether it runs inside a command substitution; plus every pipe. It is a parser
of structure, not a shell: nothing is expanded or run. It respects

- quotes (``'...'``, ``"..."``, ``$'...'``) and backslash escapes;
- command substitutions ``$(...)`` and backticks (with quotes and parentheses
  inside: ``$(echo "a)b")``), arithmetic ``$((...))``, ``${...}``, process
  substitutions ``<(...)``: the commands inside are reported too, one level
  deeper (:attr:`Command.depth`), and so are their pipes;
- compound commands: ``if``/``then``/``fi``, ``for``/``while``/``do``/``done``
  (a ``for`` list is no command), ``{ ...; }``, subshells, function definitions,
  ``case`` (its patterns ``x86_64|aarch64)`` are neither pipes nor commands),
  ``[[ ... ]]`` (whose ``&&`` and ``<`` are operators of the test) and
  ``(( ... ))``;
- redirections (``2>&1``, ``&>> log``, ``<<< word``: not words of the command)
  and here-documents: a body fed to a shell (``bash <<EOF``, also
  ``RUN <<-EOT bash``) is that shell's script and its commands count; another
  body (``cat <<EOF > /etc/x``) is data, where only the substitutions of an
  unquoted body run;
- line continuations: in a shell-form RUN the Dockerfile joins continued lines
  before the shell sees them (so a ``#`` comment runs on past ``\\``); in a
  heredoc body the shell's own rules apply.

Scripts for PowerShell and ``cmd`` (``SHELL ["powershell", ...]``) are split by
:func:`split_commands` with ``dialect="powershell"``: statements on ``;``, ``|``,
``&&``, ``||``, braces and parentheses, words on blanks (``{ pip install x }``
is the command ``pip install x``).

:class:`Command` answers the questions rules ask, the way hadolint does:
``apt-get install -y`` has the flag ``y``, ``-qy`` holds ``q`` and ``y``.
:func:`expand_word` gives a word's value with the Dockerfile's ARG/ENV values.
"""

from __future__ import annotations

import dataclasses
import functools
import posixpath
import re
from dataclasses import field
from typing import Any, Iterator, Sequence

from .records import record

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Reserved words that may start a simple command's line: ``then apt-get ...``, ``do pip ...``.
RESERVED_PREFIXES = frozenset({"if", "then", "else", "elif", "while", "until", "do", "!", "{", "time"})
# Reserved words that close a compound command: what follows them is redirections or an operator.
_CLOSERS = frozenset({"fi", "done", "}", "esac"})
_REDIRECT_OPERATORS = ("<<<", "<<-", "&>>", ">>", ">&", ">|", "<<", "<&", "<>", "&>", ">", "<")
# Every operator, longest first where one is a prefix of another (alternation takes the first match).
_OPERATOR = re.compile("|".join(re.escape(op) for op in (";;&", ";;", ";&", "&&", "||", "|&", *_REDIRECT_OPERATORS, ";", "&", "|", "(", ")")))
# Shells that run ``-c script`` (POSIX-like): their exec-form ``-c`` argument is a script.
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})
# Substitutions nested deeper than this are read as opaque text (a hostile script must not exhaust the stack).
MAX_NESTING = 64
# A run of characters that are ordinary inside a word (no stop, quote, escape, `$` or backtick;
# no newline, so line counting needs no update), in a word and in a [[ ]] test.
_PLAIN_RUN = re.compile(r"[^ \t\r\n;&|<>()\\'\"$`]+")
_PLAIN_RUN_TEST = re.compile(r"[^ \t\r\n;\\'\"$`]+")
#: What ends a plain word for sure (``<``, ``>`` and ``(`` may go on: ``<(...)``, ``a=(1 2)``).
_PLAIN_ENDS = frozenset(" \t\r\n;&|)")
_PLAIN_ENDS_TEST = frozenset(" \t\r\n;")
_SINGLE_QUOTED_RUN = re.compile(r"[^'\\\n]+")
_DOUBLE_QUOTED_RUN = re.compile(r'[^"\\$`\n]+')
# Shells whose scripts are not POSIX shell: PowerShell and cmd.exe.
NON_POSIX_SHELLS = frozenset({"pwsh", "powershell", "cmd"})

Part = tuple[str, str]
"""A piece of a word: ``(kind, text)``; kind is ``lit`` (unquoted text), ``q`` (quoted or
escaped text), ``var``/``qvar`` (an unquoted/quoted ``$NAME`` or ``${...}`` as written) or
``cmd`` (a ``$(...)``, backtick, ``$((...))`` or ``<(...)`` as written: unknown before the run)."""


@record(frozen=True)
class Word:
    """One word of a command: its text with quotes removed, and its parts (for expansion).

    ``start``/``end`` are the word's offsets in the parsed script (as written,
    quotes included), for automatic fixes; -1 when the word comes from text
    that is not the script's own (a heredoc body fed to a shell, backticks).
    """

    text: str
    parts: tuple[Part, ...] = ()
    start: int = field(default=-1, compare=False)
    end: int = field(default=-1, compare=False)

    @property
    def substituted(self) -> bool:
        """True when the word holds a command substitution: its value is only known at run time."""
        return any(kind == "cmd" for kind, _ in self.parts)

    def __str__(self) -> str:
        return self.text


@record(frozen=True)
class Command:
    """One simple command: its words (quotes removed), 1-based start line in the script, text.

    ``depth`` is 0 for a command of the script itself and 1 or more inside
    ``$(...)``, backticks or ``<(...)``; ``piped`` is True for a command
    joined to another by ``|``. ``start``/``end`` are its offsets in the
    parsed script (from its first word to the end of its last word), -1 as
    for :class:`Word`.
    """

    words: tuple[str, ...]
    line: int
    text: str
    details: tuple[Word, ...] = field(default=(), compare=False, repr=False)
    depth: int = 0
    piped: bool = False
    start: int = field(default=-1, compare=False)
    end: int = field(default=-1, compare=False)

    @property
    def placed(self) -> bool:
        """True when the command and each of its words have offsets in the parsed script."""
        return self.start >= 0 and len(self.details) == len(self.words) and all(w.start >= 0 for w in self.details)

    def _details(self) -> tuple[Word, ...]:
        return self.details if len(self.details) == len(self.words) else tuple(Word(w, (("q", w),)) for w in self.words)

    def _prefix(self) -> int:
        """How many leading words are ``VAR=value`` assignments or reserved words."""
        return self._prefix_length

    # Commands are immutable and every rule asks for argv and name, so both are computed once
    # (a RUN may hold tens of thousands of commands; ~100 rules read each).
    @functools.cached_property
    def _prefix_length(self) -> int:
        k = 0
        while k < len(self.words) and (_ASSIGNMENT.match(self.words[k]) or self.words[k] in RESERVED_PREFIXES):
            k += 1
        return k

    @functools.cached_property
    def argv(self) -> tuple[str, ...]:
        """The words without leading ``VAR=value`` assignments and reserved words (``then``, ``do``, ``!``)."""
        return self.words[self._prefix() :]

    @property
    def argv_words(self) -> tuple[Word, ...]:
        """:attr:`argv` as :class:`Word` objects (for :func:`expand_word`)."""
        return self._details()[self._prefix() :]

    @property
    def assignments(self) -> tuple[str, ...]:
        """The leading ``VAR=value`` words (``DEBIAN_FRONTEND=noninteractive apt-get ...``)."""
        return tuple(w for w in self.words[: self._prefix()] if _ASSIGNMENT.match(w))

    @functools.cached_property
    def name(self) -> str:
        """The command's base name (``/usr/bin/apt-get`` -> ``apt-get``), or ``""``."""
        argv = self.argv
        return posixpath.basename(argv[0]) if argv else ""

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]

    def is_(self, *names: str) -> bool:
        return self.name in names

    def has_args(self, *words: str) -> bool:
        """True when every one of ``words`` appears among the non-flag arguments."""
        positional = self.positional()
        return all(w in positional for w in words)

    def positional(self) -> list[str]:
        """Arguments that are not flags (a word after ``--`` always is)."""
        out, rest = [], False
        for arg in self.args:
            if rest:
                out.append(arg)
            elif arg == "--":
                rest = True
            elif not arg.startswith("-") or arg == "-":
                out.append(arg)
        return out

    def operands(self, *value_flags: str) -> list[str]:
        """Arguments that are neither flags nor the values of ``value_flags``.

        ``value_flags`` name the options that take a value (``"t"``,
        ``"target-release"``): ``-t x``, ``-tx``, ``-yt x`` and ``--target-release x``
        all consume ``x``; ``--target-release=x`` carries its own.
        """
        return [w.text for w in self.operand_words(*value_flags)]

    def operand_words(self, *value_flags: str) -> list[Word]:
        """:meth:`operands` as :class:`Word` objects."""
        out, args, i, rest = [], self.argv_words[1:], 0, False
        while i < len(args):
            word = args[i]
            arg = word.text
            i += 1
            if rest or arg == "-" or not arg.startswith("-"):
                out.append(word)
            elif arg == "--":
                rest = True
            elif arg.startswith("--"):
                if "=" not in arg and arg[2:] in value_flags:
                    i += 1
            else:
                for k, letter in enumerate(arg[1:]):
                    if letter in value_flags:
                        i += 1 if k == len(arg) - 2 else 0
                        break
        return out

    def has_flag(self, *names: str) -> bool:
        """True for ``-x``/``-xyz`` clusters (one-letter names) or ``--name[=v]``."""
        for arg in self.args:
            if arg == "--":
                break
            if arg.startswith("--"):
                key = arg[2:].split("=", 1)[0]
                if key in names:
                    return True
            elif arg.startswith("-") and len(arg) > 1:
                letters = arg[1:]
                if any(len(n) == 1 and n in letters for n in names):
                    return True
        return False

    def flag_value(self, *names: str) -> str | None:
        """The value of ``--name=v``, ``--name v``, ``-n v`` or ``-nv``; None when absent."""
        args = self.args
        short = {n for n in names if len(n) == 1}
        for i, arg in enumerate(args):
            if arg.startswith("--"):
                key, eq, value = arg[2:].partition("=")
                if key in names:
                    if eq:
                        return value
                    return args[i + 1] if i + 1 < len(args) else ""
            elif arg.startswith("-") and len(arg) >= 2 and arg[1] in short:
                return arg[2:] or (args[i + 1] if i + 1 < len(args) else "")
        return None


@record(frozen=True)
class Pipe:
    """A ``|`` (or ``|&``) between two commands: its line, depth, and how many commands come before it."""

    line: int
    depth: int
    before: int


@record(frozen=True)
class Script:
    """A parsed script: every command in the order it starts (substitutions after their command) and every pipe."""

    commands: tuple[Command, ...]
    pipes: tuple[Pipe, ...]


class _Builder:
    """A simple command being read."""

    __slots__ = ("slot", "words", "details", "line", "start", "end", "discard", "piped", "closed")

    def __init__(self, slot: int, line: int, start: int, piped: bool):
        self.slot, self.line, self.start, self.piped = slot, line, start, piped
        self.end = start
        self.words: list[str] = []
        self.details: list[Word] = []
        self.discard = False  # a for/case/function header: words, but no command
        self.closed = False  # after fi/done/}/esac: only redirections may follow

    @property
    def name(self) -> str:
        words = self.words
        k = 0
        while k < len(words) and (_ASSIGNMENT.match(words[k]) or words[k] in RESERVED_PREFIXES):
            k += 1
        return posixpath.basename(words[k]) if k < len(words) else ""


class _Parser:
    """One pass over shell text; substitutions and heredoc bodies are parsed recursively on the same cursor."""

    def __init__(self, text: str, *, first_line: int = 1, dockerfile_lines: bool = True, depth: int = 0, nesting: int = 0):
        self.text, self.n, self.pos, self.line = text, len(text), 0, first_line
        self.dockerfile_lines = dockerfile_lines  # Dockerfile continuation: \<newline> vanishes everywhere
        self.base_depth = depth
        self.commands: list[Command | None] = []
        self.pipes: list[Pipe] = []
        self.pending: list[tuple[str, bool, bool, _Builder | None, int]] = []  # heredocs to read after this line
        self.braces = 0  # ${...} being read, nested
        self.nesting = nesting  # parsers this one is inside (heredoc bodies, backticks)

    # --- characters ---------------------------------------------------------------------
    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.text[i] if i < self.n else ""

    def startswith(self, s: str) -> bool:
        return self.text.startswith(s, self.pos)

    def continuation(self) -> bool:
        """Skip backslash-newline (line continuations) at the cursor; True if one was skipped."""
        skipped = False
        while self.text.startswith("\\\n", self.pos):
            self.pos += 2
            self.line += 1
            skipped = True
        return skipped

    def advance(self, k: int = 1) -> str:
        chunk = self.text[self.pos : self.pos + k]
        self.line += chunk.count("\n")
        self.pos += k
        return chunk

    def skip_blanks(self) -> None:
        while self.pos < self.n:
            if self.text[self.pos] in " \t\r":
                self.pos += 1
            elif not self.continuation():
                return

    def skip_comment(self) -> None:
        while self.pos < self.n and self.text[self.pos] != "\n":
            if self.dockerfile_lines and self.text.startswith("\\\n", self.pos):
                self.advance(2)  # the Dockerfile joined this line to the comment
                continue
            self.pos += 1

    # --- commands -----------------------------------------------------------------------
    def begin(self, depth: int, piped: bool) -> _Builder:
        self.commands.append(None)
        return _Builder(len(self.commands) - 1, self.line, self.pos, piped)

    def finish(self, cur: _Builder | None, depth: int, end: int) -> None:
        if cur is None or cur.discard or not cur.words:
            return
        text = " ".join(self.text[cur.start : end].replace("\\\n", " ").split())
        self.commands[cur.slot] = Command(tuple(cur.words), cur.line, text, tuple(cur.details), depth, cur.piped,
                                          cur.start, cur.end)

    def parse(self, depth: int, closer: str = "") -> None:
        """Commands until the end of the text or ``closer`` (``)`` of a substitution, or a backtick)."""
        cur: _Builder | None = None
        parens = 0
        cases: list[str] = []  # per open `case`: "in" (expecting the word in), "pattern" or "body"
        piped = False
        while True:
            self.skip_blanks()
            if self.pos >= self.n:
                self.finish(cur, depth, self.pos)
                return
            c = self.text[self.pos]
            if c == "\n":
                self.finish(cur, depth, self.pos)
                if cur is not None:
                    piped = False  # after `a |` the pipe goes on on the next line
                cur = None
                self.advance()
                self.read_heredocs(depth)
                continue
            if c == "#":  # words are read whole, so a # here starts a word: a comment
                self.skip_comment()
                continue
            if closer == "`" and c == "`":
                self.finish(cur, depth, self.pos)
                self.advance()
                return
            if cases and cases[-1] == "pattern" and (cur is None or not cur.words):
                if self.case_pattern(depth, cases):
                    continue
            op = self.operator()
            if op:
                if op in ("<", ">") or op in _REDIRECT_OPERATORS:
                    if cur is None:
                        cur = self.begin(depth, piped)
                    self.redirect(op, cur, depth)
                    continue
                end = self.pos
                self.advance(len(op))
                if op == "(" and cur is None and self.peek() == "(":
                    self.pos -= 1
                    self.arithmetic_command()  # (( i++ ))
                    continue
                if op == "(":
                    if cur is not None and len(cur.words) == 1 and not cur.closed:
                        self.function_parens()  # name() { ...; }
                        cur.discard = True
                        self.finish(cur, depth, end)
                        cur = None
                    else:
                        self.finish(cur, depth, end)
                        cur = None
                        parens += 1
                    continue
                if op == ")":
                    self.finish(cur, depth, end)
                    cur = None
                    if parens:
                        parens -= 1
                        continue
                    if closer == ")":
                        return
                    continue  # a stray ) (a syntax error the build reports): ignore it
                self.finish(cur, depth, end)
                before, cur = cur, None
                if op in ("|", "|&"):
                    self.pipes.append(Pipe(self.line, depth, len(self.commands)))
                    last = self.commands[before.slot] if before is not None else None
                    if before is not None and last is not None:
                        self.commands[before.slot] = dataclasses.replace(last, piped=True)
                    piped = True
                    continue
                piped = False
                if op in (";;", ";&", ";;&") and cases:
                    cases[-1] = "pattern"
                continue
            # a word
            if cur is None:
                cur = self.begin(depth, piped)
            start, line = self.pos, self.line
            word = self.word(depth)
            if word is None:
                continue
            plain = word.parts == (("lit", word.text),)
            if not cur.words and not cur.discard and plain and word.text in ("[[", "((") and not cur.closed:
                cur.line, cur.start = line, start
                if word.text == "[[":
                    self.test_command(cur, word, depth)
                else:
                    self.arithmetic_command()
                    cur.discard = True
                continue
            if not cur.words and not cur.discard and plain and not cur.closed:
                keyword = word.text
                if keyword in RESERVED_PREFIXES:
                    continue
                if keyword in _CLOSERS:
                    if keyword == "esac" and cases:
                        cases.pop()
                    cur.closed = True
                    continue
                if keyword == "case":
                    cur.discard = True
                    cases.append("word")
                    continue
                if keyword in ("for", "select", "function"):
                    cur.discard = True
                    if keyword != "function":
                        self.skip_blanks()
                        if self.startswith("(("):
                            self.arithmetic_command()
                    continue
            if cases and cases[-1] == "word" and cur.discard:
                cases[-1] = "in"
                continue
            if cases and cases[-1] == "in" and cur.discard and plain and word.text == "in":
                self.finish(cur, depth, self.pos)
                cur = None
                cases[-1] = "pattern"
                continue
            if cur.closed:
                continue  # `done x` is a syntax error; keep going
            if cur.discard and plain and word.text == "{":
                cur = None  # function f { ...: the body starts
                continue
            if not cur.words:
                cur.line, cur.start = line, start
            cur.words.append(word.text)
            cur.details.append(word)
            cur.end = word.end

    def operator(self) -> str:
        """The operator at the cursor, or ``""`` (a digit or ``{var}`` before ``<``/``>`` is part of a redirect)."""
        c = self.peek()
        if c in "0123456789":
            j = self.pos
            while j < self.n and self.text[j].isdigit():
                j += 1
            if j < self.n and self.text[j] in "<>" and not self.text.startswith("<(", j) and not self.text.startswith(">(", j):
                self.pos = j  # the file descriptor of 2>&1
                return self.operator()
            return ""
        if c not in ";&|()<>":
            return ""
        if c in "<>" and self.peek(1) == "(":
            return ""  # <(...) and >(...) are words (process substitution)
        match = _OPERATOR.match(self.text, self.pos)
        return match.group() if match else c

    def redirect(self, op: str, cur: _Builder, depth: int) -> None:
        self.advance(len(op))
        self.skip_blanks()
        if op in (">&", "<&") and self.peek() == "-":
            self.advance()
            return
        target = self.word(depth)
        if target is None:
            return
        if op in ("<<", "<<-"):
            quoted = any(kind != "lit" for kind, _ in target.parts)
            self.pending.append((target.text, op == "<<-", quoted, cur, depth))

    def read_heredocs(self, depth: int) -> None:
        """Read the bodies of the heredocs started on the line just ended."""
        while self.pending and self.pos < self.n:
            delimiter, strip_tabs, quoted, owner, owner_depth = self.pending.pop(0)
            body_line, body = self.line, []
            while self.pos < self.n:
                end = self.text.find("\n", self.pos)
                end = self.n if end < 0 else end
                raw = self.text[self.pos : end]
                text = raw.lstrip("\t") if strip_tabs else raw
                self.pos = min(end + 1, self.n)
                self.line += 1
                if text == delimiter:
                    break
                body.append(text)
            runner = owner.name if owner is not None else ""
            if runner in SHELLS and not (owner is not None and "-c" in owner.words):
                self.sub_script("\n".join(body) + "\n", body_line, owner_depth, heredoc=True)  # the shell's script
            elif not quoted:
                self.sub_script("\n".join(body), body_line, owner_depth, quoted_text=True)

    def sub_script(self, text: str, line: int, depth: int, *, heredoc: bool = False, quoted_text: bool = False) -> None:
        if self.nesting + 1 >= MAX_NESTING:
            return
        inner = _Parser(text, first_line=line, dockerfile_lines=not heredoc and self.dockerfile_lines, depth=depth, nesting=self.nesting + 1)
        if quoted_text:
            inner.double_quoted_text(depth)
        else:
            inner.parse(depth)
        offset = len(self.commands)
        self.commands.extend(_unplaced(c) for c in inner.commands)  # offsets of another text
        self.pipes.extend(Pipe(p.line, p.depth, p.before + offset) for p in inner.pipes)

    def case_pattern(self, depth: int, cases: list[str]) -> bool:
        """At a case pattern (``(a|b)`` or ``a|b)``) or ``esac``: read it; False when the next word is no pattern."""
        if self.word_ahead() == "esac":
            return False
        if self.peek() == "(":
            self.advance()
        while self.pos < self.n:
            self.skip_blanks()
            c = self.peek()
            if c == ")":
                self.advance()
                cases[-1] = "body"
                return True
            if c == "|":
                self.advance()
                continue
            if c in "\n;&" or not c:
                return True  # malformed: let the list parser go on
            if self.word(depth) is None:
                self.advance()
        return True

    def word_ahead(self) -> str:
        m = re.match(r"[A-Za-z_]+", self.text[self.pos : self.pos + 8])
        end = self.pos + (m.end() if m else 0)
        if m and (end >= self.n or self.text[end] in " \t\n;&|()"):
            return m.group(0)
        return ""

    def function_parens(self) -> None:
        self.skip_blanks()
        if self.peek() == ")":
            self.advance()

    def test_command(self, cur: _Builder, first: Word, depth: int) -> None:
        """``[[ ... ]]``: its words up to ``]]``; ``&&``, ``||``, ``<``, ``(`` inside belong to the test."""
        cur.words.append(first.text)
        cur.details.append(first)
        while self.pos < self.n:
            self.skip_blanks()
            c = self.peek()
            if not c or c == "\n":
                return
            if c == ";":
                return
            if c in "&|<>()!":
                op = "&&" if self.startswith("&&") else "||" if self.startswith("||") else c
                self.advance(len(op))
                cur.words.append(op)
                cur.details.append(Word(op, (("lit", op),)))
                continue
            word = self.word(depth, test=True)
            if word is None:
                self.advance()
                continue
            cur.words.append(word.text)
            cur.details.append(word)
            if word.text == "]]":
                return

    def arithmetic_command(self) -> None:
        """Skip ``(( ... ))`` (or a C-style ``for ((...))`` header)."""
        self.advance(2)
        depth = 2
        while self.pos < self.n and depth:
            c = self.advance()
            depth += {"(": 1, ")": -1}.get(c, 0)

    # --- words --------------------------------------------------------------------------
    def word(self, depth: int, test: bool = False) -> Word | None:
        """The word at the cursor with its parts; substitutions inside are parsed (one level deeper)."""
        # Text pieces are collected in lists and joined once: adding to a string one character at
        # a time made a long word (a 1 MB RUN is allowed) quadratic.
        parts: list[tuple[str, list[str]]] = []
        stops = " \t\r\n;&|<>()" if not test else " \t\r\n;"
        plain = _PLAIN_RUN if not test else _PLAIN_RUN_TEST
        start = self.pos
        # Most words are plain characters up to a blank or an operator that ends them: taken whole.
        run = plain.match(self.text, start)
        if run is not None:
            end = run.end()
            if end >= self.n or self.text[end] in (_PLAIN_ENDS if not test else _PLAIN_ENDS_TEST):
                self.pos = end
                text = run.group()
                return Word(text, (("lit", text),), start, end)

        def add(kind: str, text: str) -> None:
            if parts and parts[-1][0] == kind and kind in ("lit", "q"):
                parts[-1][1].append(text)
            else:
                parts.append((kind, [text]))

        while self.pos < self.n:
            if self.continuation():
                continue
            c = self.text[self.pos]
            if c in stops:
                if c in "<>" and self.peek(1) == "(" and not test:
                    add("cmd", self.substitution(depth, 1))
                    continue
                if c == "(" and parts and parts[-1][0] == "lit" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\+?=", "".join(parts[-1][1])) and len(parts) == 1:
                    add("q", self.balanced("(", ")"))  # a bash array: a=(1 2 3)
                    continue
                break
            if c == "\\":
                self.advance()
                if self.pos < self.n:
                    add("q", self.advance())
                continue
            if c == "'":
                add("q", self.single_quoted())
                continue
            if c == '"':
                self.advance()
                for part in self.double_quoted(depth):
                    add(*part)
                continue
            if c == "$":
                kind, text = self.dollar(depth, quoted=False)
                add(kind, text)
                continue
            if c == "`":
                add("cmd", self.backtick(depth))
                continue
            run = plain.match(self.text, self.pos)
            if run:  # ordinary characters up to the next one that means something
                add("lit", run.group())
                self.pos = run.end()
            else:
                add("lit", self.advance())
        if not parts:
            return None
        joined = tuple((kind, "".join(texts)) for kind, texts in parts)
        return Word("".join(text for _, text in joined), joined, start, self.pos)

    def single_quoted(self) -> str:
        self.advance()
        out: list[str] = []
        while self.pos < self.n and self.text[self.pos] != "'":
            if self.dockerfile_lines and self.continuation():
                continue
            run = _SINGLE_QUOTED_RUN.match(self.text, self.pos)
            if run:
                out.append(run.group())
                self.pos = run.end()
                continue
            out.append(self.advance())
        self.advance()
        return "".join(out)

    def double_quoted(self, depth: int) -> list[Part]:
        """The parts of a ``"..."`` string (the opening quote already read); the closing quote is consumed."""
        parts: list[Part] = []
        lit: list[str] = []

        def flush() -> None:
            if lit:
                parts.append(("q", "".join(lit)))
                lit.clear()

        while self.pos < self.n:
            if self.continuation():
                continue
            c = self.text[self.pos]
            if c == '"':
                self.advance()
                break
            if c == "\\":
                nxt = self.peek(1)
                if nxt and nxt in '$`"\\\n':
                    self.advance()
                lit.append(self.advance())
                continue
            if c == "$":
                flush()
                kind, text = self.dollar(depth, quoted=True)
                parts.append((kind, text))
                continue
            if c == "`":
                flush()
                parts.append(("cmd", self.backtick(depth)))
                continue
            run = _DOUBLE_QUOTED_RUN.match(self.text, self.pos)
            if run:
                lit.append(run.group())
                self.pos = run.end()
                continue
            lit.append(self.advance())
        flush()
        return parts

    def double_quoted_text(self, depth: int) -> None:
        """An unquoted heredoc body: only its ``$(...)`` and backticks run."""
        while self.pos < self.n:
            c = self.text[self.pos]
            if c == "\\":
                self.advance(2)
            elif c == "$":
                self.dollar(depth, quoted=True)
            elif c == "`":
                self.backtick(depth)
            else:
                self.advance()

    def dollar(self, depth: int, quoted: bool) -> Part:
        """``$...`` at the cursor: a variable (``var``/``qvar``) or a substitution (``cmd``)."""
        var = "qvar" if quoted else "var"
        nxt = self.peek(1)
        if nxt == "(":
            if self.peek(2) == "(":
                return "cmd", "$" + self.balanced_from(1, "(", ")")
            return "cmd", self.substitution(depth, 1)
        if nxt == "{" and self.braces >= MAX_NESTING:
            start = self.pos
            self.advance(2)
            self.opaque("}")
            return var, self.text[start : self.pos]
        if nxt == "{":
            self.braces += 1
            start = self.pos
            self.advance(2)
            level = 1
            while self.pos < self.n and level:
                if self.continuation():
                    continue
                c = self.text[self.pos]
                if c == "\\":
                    self.advance(2)
                elif c == "'" and not quoted:
                    self.single_quoted()
                elif c == '"':
                    self.advance()
                    self.double_quoted(depth)
                elif c == "$" and self.peek(1) and self.peek(1) in "({":
                    self.dollar(depth, quoted)
                elif c == "`":
                    self.backtick(depth)
                else:
                    level += {"{": 1, "}": -1}.get(c, 0)
                    self.advance()
            self.braces -= 1
            return var, self.text[start : self.pos].replace("\\\n", "")
        if nxt == "'" and not quoted:
            self.advance()  # $'...': ANSI-C quoting
            out: list[str] = []
            self.advance()
            while self.pos < self.n and self.text[self.pos] != "'":
                if self.text[self.pos] == "\\":
                    out.append(self.advance())
                out.append(self.advance())
            self.advance()
            return "q", "".join(out)
        m = _NAME.match(self.text, self.pos + 1)
        if m:
            self.pos = m.end()
            return var, "$" + m.group(0)
        if nxt and nxt in "@*#?-$!0123456789":
            self.advance(2)
            return var, "$" + nxt
        self.advance()
        return ("q" if quoted else "lit"), "$"

    def substitution(self, depth: int, skip: int) -> str:
        """``$(...)`` or ``<(...)``/``>(...)``: its commands are parsed one level deeper; returns the text."""
        start = self.pos
        self.advance(skip + 1)
        if depth + 1 >= MAX_NESTING:
            self.opaque(")")
        else:
            self.parse(depth + 1, closer=")")
        return self.text[start : self.pos].replace("\\\n", "")

    def opaque(self, closing: str) -> None:
        """Skip to the ``closing`` that matches an opening just read, over quotes and escapes, parsing nothing."""
        opening = {")": "(", "}": "{"}[closing]
        level = 1
        while self.pos < self.n and level:
            c = self.advance()
            if c == "\\":
                self.advance()
            elif c == "'":
                end = self.text.find("'", self.pos)
                self.advance((self.n if end < 0 else end + 1) - self.pos)
            elif c == opening:
                level += 1
            elif c == closing:
                level -= 1

    def backtick(self, depth: int) -> str:
        """`` `...` ``: the text between the backticks (\\` and \\\\ unescaped) is parsed one level deeper."""
        start, line = self.pos, self.line
        self.advance()
        inner: list[str] = []
        while self.pos < self.n and self.text[self.pos] != "`":
            if self.text[self.pos] == "\\" and self.peek(1) and self.peek(1) in "`\\$":
                self.advance()
            inner.append(self.advance())
        self.advance()
        if depth + 1 < MAX_NESTING:
            self.sub_script("".join(inner), line, depth + 1)
        return self.text[start : self.pos]

    def balanced(self, opening: str, closing: str) -> str:
        return self.balanced_from(0, opening, closing)

    def balanced_from(self, skip: int, opening: str, closing: str) -> str:
        start = self.pos
        self.advance(skip)
        level = 0
        while self.pos < self.n:
            c = self.advance()
            if c == opening:
                level += 1
            elif c == closing:
                level -= 1
                if level == 0:
                    break
        return self.text[start : self.pos]


def _unplaced(command: Command | None) -> Command | None:
    """``command`` without offsets (it was parsed from a heredoc body or backticks, not the script as written)."""
    if command is None:
        return None
    words = tuple(dataclasses.replace(w, start=-1, end=-1) for w in command.details)
    return dataclasses.replace(command, details=words, start=-1, end=-1)


@functools.lru_cache(maxsize=4096)
def parse_script(script: str, heredoc_body: bool = False) -> Script:
    """Every command of ``script`` (substitutions included, ``depth`` > 0) and every pipe.

    ``heredoc_body`` is for a script that is a heredoc's body (``RUN <<EOF``): a
    ``\\`` at a line's end continues the line only where the shell says so
    (not in comments or single quotes), instead of the Dockerfile's joining.
    """
    parser = _Parser(script, dockerfile_lines=not heredoc_body)
    parser.parse(0)
    commands: list[Command] = []
    index = {}
    for i, cmd in enumerate(parser.commands):
        index[i] = len(commands)
        if cmd is not None:
            commands.append(cmd)
    index[len(parser.commands)] = len(commands)
    pipes = tuple(Pipe(p.line, p.depth, index.get(p.before, len(commands))) for p in parser.pipes)
    return Script(tuple(commands), pipes)


_PS_TOKEN = re.compile(r"""'(?:''|[^'])*'|"(?:`.|[^"`])*"|`\n|\\\n|&&|\|\||[;|&{}()\n]|[^\s;|&{}()'"]+|\s+""")


def _powershell_commands(script: str) -> tuple[Command, ...]:
    """PowerShell or cmd statements, split on ``;``, ``|``, ``&&``, ``||``, braces, parentheses and newlines.

    Kept per script, as :func:`parse_script` is: every rule asks for the commands of every RUN.
    """
    return _powershell_split(script)


@functools.lru_cache(maxsize=4096)
def _powershell_split(script: str) -> tuple[Command, ...]:
    commands: list[Command] = []
    words: list[str] = []
    line = start_line = 1
    for m in _PS_TOKEN.finditer(script):
        token = m.group(0)
        if token in ("`\n", "\\\n"):
            line += 1
            continue
        if token.isspace() and "\n" not in token:
            continue
        if token.isspace() or token in (";", "|", "&&", "||", "&", "{", "}", "(", ")"):
            if words:
                commands.append(Command(tuple(words), start_line, " ".join(words)))
                words = []
            line += token.count("\n")
            continue
        if not words:
            start_line = line
        if token[0] in "'\"":
            token = token[1:-1]
        words.append(token)
        line += token.count("\n")
    if words:
        commands.append(Command(tuple(words), start_line, " ".join(words)))
    return tuple(c for c in commands if c.words and not c.words[0].startswith("$"))


def split_commands(script: str, *, dialect: str = "sh", heredoc_body: bool = False) -> list[Command]:
    """The commands of ``script`` itself (not those inside ``$(...)``), in order, with their words (quotes removed).

    Redirections (``> f``, ``2>&1``, ``&>> log``, ``< in``) are not words of the
    command; a heredoc body fed to a shell (``sh <<EOF``) is that shell's
    script, other bodies are skipped. ``dialect="powershell"`` splits a
    PowerShell or cmd script instead.
    """
    if dialect == "powershell":
        return list(_powershell_commands(script))
    return [c for c in parse_script(script, heredoc_body).commands if c.depth == 0]


def _is_heredoc_script(instr) -> bool:
    """True when the RUN's script is a heredoc's body (``RUN <<EOF`` alone)."""
    heredocs: Sequence[Any] = getattr(instr, "heredocs", None) or ()
    return bool(heredocs) and getattr(instr, "script_line", 0) == heredocs[0].line


def shell_of(instr) -> str:
    """The base name of the shell that runs ``instr``'s script (``sh``, ``bash``, ``powershell``...)."""
    shell = getattr(instr, "shell", None) or ("/bin/sh",)
    name = shell[0].replace("\\", "/")
    return posixpath.basename(name).lower().removesuffix(".exe")


def _script_of(instr) -> tuple[str | None, int | None, str]:
    """(script, first line or None for the instruction's line, dialect) of a RUN, or (None, None, "")."""
    if getattr(instr, "script", None) is not None:
        dialect = "powershell" if shell_of(instr) in NON_POSIX_SHELLS else "sh"
        return instr.script, instr.script_line, dialect
    argv = getattr(instr, "json_args", None)
    if argv and len(argv) >= 3 and posixpath.basename(argv[0]) in SHELLS and argv[1].startswith("-") and "c" in argv[1]:
        return argv[2], None, "sh"
    return None, None, ""


def run_commands(instr) -> Iterator[tuple[Command, int]]:
    """The commands of a shell-form RUN (not those inside ``$(...)``) with the Dockerfile line each starts on."""
    for command, line in instruction_commands(instr, nested=False):
        if getattr(instr, "script", None) is not None:
            yield command, line


def instruction_commands(instr, *, nested: bool = True) -> Iterator[tuple[Command, int]]:
    """Every command a RUN executes, with its Dockerfile line: shell form, heredocs and exec form.

    The exec form ``["apt-get", "install", "x"]`` is one command on the
    instruction's line (no shell: its words are literal);
    ``["/bin/sh", "-c", "script"]`` is the script's commands. With ``nested``,
    the commands inside ``$(...)``, backticks and ``<(...)`` are included, after
    the command whose words hold them. A PowerShell or cmd script is split by
    its own separators.
    """
    script, first_line, dialect = _script_of(instr)
    if script is None:
        argv = getattr(instr, "json_args", None)
        if argv:
            yield Command(tuple(argv), 1, " ".join(argv), tuple(Word(a, (("q", a),)) for a in argv)), instr.line
        return
    commands: Sequence[Command]
    if dialect == "powershell":
        commands = _powershell_commands(script)
    else:
        commands = [c for c in parse_script(script, _is_heredoc_script(instr)).commands if nested or c.depth == 0]
    for command in commands:
        yield command, instr.line if first_line is None else first_line + command.line - 1


def instruction_script(instr) -> Script | None:
    """The parsed POSIX script of a RUN (shell form, heredoc or ``sh -c`` exec form); None otherwise."""
    script, _, dialect = _script_of(instr)
    if script is None or dialect != "sh":
        return None
    return parse_script(script, _is_heredoc_script(instr))


def covers(folder: str, path: str) -> bool:
    """True when ``path`` is ``folder`` or below it (absolute paths; ``/`` covers everything)."""
    folder = posixpath.normpath(folder)
    path = posixpath.normpath(path)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def mounted_over(instr, *paths: str) -> bool:
    """True when a ``RUN --mount`` of type ``cache`` or ``tmpfs`` holds one of ``paths``.

    A mount holds a path when its target is the path or a folder above it
    (``target=/root/.cache`` holds ``/root/.cache/pip``): what a command writes
    there lands in the build cache or in memory, never in the image layer. A
    relative target is below the instruction's WORKDIR, as BuildKit resolves it.
    """
    for mount in getattr(instr, "mounts", ()):
        if mount.type in ("cache", "tmpfs") and mount.target:
            target = posixpath.join(getattr(instr, "workdir", "/") or "/", mount.target)
            if any(covers(target, p) for p in paths):
                return True
    return False


def _glob_regex(pattern: str) -> re.Pattern:
    """A shell glob as a regex over one path: ``*`` and ``?`` stay within a segment."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def removes(command: Command, *paths: str) -> bool:
    """True when ``command`` is an ``rm`` deleting one of ``paths``, its contents or a folder above it.

    ``rm -rf /var/cache/yum``, ``rm -rf /var/cache/yum/*``, ``rm -rf /var/cache``
    and the glob ``rm -rf /var/cache/yum*`` all remove (what is in)
    ``/var/cache/yum``; ``rm -rf /var/cache/yum/x86_64`` does not.
    """
    if command.name != "rm":
        return False
    for arg in command.positional():
        if not arg.startswith("/"):
            continue
        if not any(ch in arg for ch in "*?["):
            if any(covers(arg, p) for p in paths):
                return True
            continue
        pattern = _glob_regex(posixpath.normpath(arg) if not arg.endswith("/*") else arg)
        for path in paths:
            path = posixpath.normpath(path)
            ancestors = [path]
            while ancestors[-1] != "/":
                ancestors.append(posixpath.dirname(ancestors[-1]))
            # The glob names the folder or one above it, or every entry of the folder.
            if any(pattern.match(a) for a in ancestors) or (arg.endswith("/*") and pattern.match(path + "/x")):
                return True
    return False


def expand_word(instr, word: Word | str) -> list[str] | None:
    """The value of a command's word, with the ARG/ENV values in scope at ``instr``, as fields.

    The shell does the expanding at run time, and these are the values it sees:
    an unquoted ``$PKGS`` is split on blanks, a quoted ``"$X y"`` stays one
    field. A variable the Dockerfile does not set (it may come from the base
    image or the script itself) keeps its text (``php-${PHP_VERSION}``), so a
    rule judges what the reader sees. None when the word holds a command
    substitution (``$(cat requirements.txt)``): its value is unknown until the
    build runs. Without an instruction no variable is known.
    """
    if isinstance(word, str):
        word = Word(word, (("lit", word),) if "$" not in word else _parts_of(word))
    if word.substituted:
        return None
    if not any(kind in ("var", "qvar") for kind, _ in word.parts):
        return [word.text] if word.text else []
    scope = instr.variables if instr is not None else {}
    fields: list[str] = []
    current: list[str] = []
    open_field = False  # a field has started (quotes make even an empty one)
    for kind, text in word.parts:
        value = None if kind in ("lit", "q") else _variable_value(text, scope)
        if value is None or kind != "var":
            current.append(text if value is None else value)
            open_field = True
            continue
        pieces = value.split()  # an unquoted expansion is split into fields
        if not pieces:
            continue
        if value[0].isspace() and open_field:
            fields.append("".join(current))
            current = []
        for k, piece in enumerate(pieces):
            if k:
                fields.append("".join(current))
                current = []
            current.append(piece)
        open_field = True
        if value[-1].isspace():
            fields.append("".join(current))
            current, open_field = [], False
    if open_field:
        fields.append("".join(current))
    return [f for f in fields if f]


def _parts_of(text: str) -> tuple[Part, ...]:
    """The parts of an unquoted word given as text (for callers that hold no :class:`Word`)."""
    parser = _Parser(text)
    word = parser.word(0)
    return word.parts if word is not None else ()


def _variable_value(text: str, scope: dict[str, str]) -> str | None:
    """The value of one ``$NAME``/``${...}`` from ``scope``; None when it is unknown before the run."""
    if not re.match(r"\$\{?[A-Za-z_]", text):
        return None  # $1, $@, $?, ${#V}: the script's own values
    from .dockerfile import process_word

    missing: list[str] = []
    try:
        value = process_word(text, scope, missing=missing)
    except ValueError:
        return None
    return None if missing else value
