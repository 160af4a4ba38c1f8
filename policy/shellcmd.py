"""Simple commands in a RUN script, for rules that look at what a RUN executes.

:func:`split_commands` splits shell text into simple commands (on ``&&``,
``||``, ``;``, ``|``, ``&``, newlines, subshell parentheses), removing quotes
and line continuations and keeping the line each command starts on. It is a
word splitter, not a shell: expansions stay as written (``$(...)`` is one word).
:class:`Command` answers the questions rules ask, the way hadolint does:
``apt-get install -y`` has the flag ``y``, ``-qy`` holds ``q`` and ``y``.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass
from typing import Iterator

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Reserved words that may start a simple command's line: ``then apt-get ...``, ``do pip ...``.
RESERVED_PREFIXES = frozenset({"if", "then", "else", "elif", "while", "until", "do", "!", "{", "time"})
_REDIRECT_OPERATORS = ("<<<", "<<-", "&>>", ">>", ">&", ">|", "<<", "<&", "<>", "&>", ">", "<")
# Shells that run ``-c script`` (POSIX-like): their exec-form ``-c`` argument is a script.
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})


@dataclass(frozen=True)
class Command:
    """One simple command: its words (quotes removed), 1-based start line in the script, text."""

    words: tuple[str, ...]
    line: int
    text: str

    @property
    def argv(self) -> tuple[str, ...]:
        """The words without leading ``VAR=value`` assignments and reserved words (``then``, ``do``, ``!``)."""
        words = list(self.words)
        while words and (_ASSIGNMENT.match(words[0]) or words[0] in RESERVED_PREFIXES):
            words.pop(0)
        return tuple(words)

    @property
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
        out, args, i, rest = [], self.args, 0, False
        while i < len(args):
            arg = args[i]
            i += 1
            if rest or arg == "-" or not arg.startswith("-"):
                out.append(arg)
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


def split_commands(script: str) -> list[Command]:
    """Split shell text into simple commands with their words (quotes removed).

    Redirections (``> f``, ``2>&1``, ``&>> log``, ``< in``) are not words of
    the command; here-document bodies (``cat <<EOF``...``EOF``) are skipped.
    """
    commands: list[Command] = []
    words: list[str] = []
    word: list[str] = []
    in_word = False
    drop_next = ""  # "": keep the next word; ">": it is a redirection target; "<<"/"<<-": a heredoc delimiter
    heredocs: list[tuple[str, bool]] = []  # delimiters whose bodies start after this line
    line = 1
    start_line = 1
    start_pos = 0
    i, n = 0, len(script)

    def end_word() -> None:
        nonlocal in_word, drop_next
        if in_word:
            text = "".join(word)
            if drop_next.startswith("<<"):
                runner = next((w for w in words if not _ASSIGNMENT.match(w) and w not in RESERVED_PREFIXES), "")
                heredocs.append((text, drop_next == "<<-", posixpath.basename(runner) in SHELLS))
            elif not drop_next:
                words.append(text)
            drop_next = ""
            word.clear()
            in_word = False

    def end_command(pos: int) -> None:
        end_word()
        if words:
            commands.append(Command(tuple(words), start_line, " ".join(script[start_pos:pos].replace("\\\n", " ").split())))
            words.clear()

    while i < n:
        c = script[i]
        if not words and not in_word and c not in " \t\n;&|()":
            start_line, start_pos = line, i
        if c == "\\" and i + 1 < n:
            if script[i + 1] == "\n":
                line += 1
                i += 2
                continue
            word.append(script[i + 1])
            in_word = True
            i += 2
            continue
        if c in "'\"":
            j = i + 1
            while j < n and script[j] != c:
                if c == '"' and script[j] == "\\" and j + 1 < n:
                    j += 1
                j += 1
            chunk = script[i + 1 : j]
            line += chunk.count("\n")
            word.append(chunk)
            in_word = True
            i = j + 1
            continue
        if c == "#" and not in_word:
            while i < n and script[i] != "\n":
                i += 1
            continue
        if c == "$" and i + 1 < n and script[i + 1] in "({":
            close = ")" if script[i + 1] == "(" else "}"
            depth, j = 0, i + 1
            while j < n:
                if script[j] == script[i + 1]:
                    depth += 1
                elif script[j] == close:
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            chunk = script[i : j + 1]
            line += chunk.count("\n")
            word.append(chunk)
            in_word = True
            i = j + 1
            continue
        if c == "`":
            j = script.find("`", i + 1)
            j = n - 1 if j < 0 else j
            chunk = script[i : j + 1]
            line += chunk.count("\n")
            word.append(chunk)
            in_word = True
            i = j + 1
            continue
        op = next((o for o in _REDIRECT_OPERATORS if script.startswith(o, i)), None) if c in "<>&" else None
        if op is not None:
            if in_word and "".join(word).isdigit():
                word.clear()  # the file descriptor of 2>&1
                in_word = False
            end_word()
            drop_next = op if op in ("<<", "<<-") else ">"
            i += len(op)
            continue
        if c == "\n":
            end_command(i)
            line += 1
            i += 1
            while heredocs and i < n:
                delimiter, strip_tabs, is_script = heredocs.pop(0)
                body_start, body = line, []
                while i < n:
                    end = script.find("\n", i)
                    end = n if end < 0 else end
                    body_line = script[i:end].lstrip("\t") if strip_tabs else script[i:end]
                    line += 1
                    i = end + 1
                    if body_line == delimiter:
                        break
                    body.append(body_line)
                if is_script:  # sh <<EOF: the body is the script the shell runs
                    for inner in split_commands("\n".join(body)):
                        commands.append(Command(inner.words, body_start + inner.line - 1, inner.text))
            continue
        if c in ";&|":
            end_command(i)
            i += 1
            while i < n and script[i] in "&|":
                i += 1
            continue
        if c in " \t":
            end_word()
            i += 1
            continue
        if c == ")" or (c == "(" and not in_word):
            end_command(i)
            i += 1
            continue
        word.append(c)
        in_word = True
        i += 1
    end_command(n)
    return commands


@functools.lru_cache(maxsize=4096)
def _split_cached(script: str) -> tuple[Command, ...]:
    """Many rules read the same RUN: split each script once."""
    return tuple(split_commands(script))


def run_commands(instr) -> Iterator[tuple[Command, int]]:
    """The commands of a shell-form RUN with the Dockerfile line each starts on."""
    if getattr(instr, "script", None) is None:
        return
    for command in _split_cached(instr.script):
        yield command, instr.script_line + command.line - 1


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


def removes(command: Command, *paths: str) -> bool:
    """True when ``command`` is an ``rm`` deleting one of ``paths``, its contents or a folder above it.

    ``rm -rf /var/cache/yum``, ``rm -rf /var/cache/yum/*`` and ``rm -rf /var/cache``
    all remove (what is in) ``/var/cache/yum``; ``rm -rf /var/cache/yum/x86_64`` does not.
    """
    if command.name != "rm":
        return False
    for arg in command.positional():
        target = arg.rstrip("*").rstrip("/") if arg.endswith(("/*", "/")) else arg
        if target.startswith("/") and any(covers(target, p) for p in paths):
            return True
    return False


def first_pipe(script: str) -> int | None:
    """The offset of the first pipe operator (``|``, not ``||`` or ``>|``) outside quotes and comments."""
    i, n = 0, len(script)
    while i < n:
        c = script[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            end = script.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if c == '"':
            i += 1
            while i < n and script[i] != '"':
                i += 2 if script[i] == "\\" else 1
            i += 1
            continue
        if c == "#" and (i == 0 or script[i - 1] in " \t\n;&|("):
            while i < n and script[i] != "\n":
                i += 1
            continue
        if c == "|":
            if i + 1 < n and script[i + 1] == "|":
                i += 2
                continue
            if i == 0 or script[i - 1] != ">":
                return i
        i += 1
    return None


def substitutions(command: Command) -> list[Command]:
    """Commands run inside ``$(...)`` and backticks in ``command``'s words, nested ones included.

    Each keeps ``command``'s line (``x=$(sudo id)`` runs ``sudo`` on that line).
    """
    found: list[Command] = []
    for word in command.words:
        for inner_text in _substitution_texts(word):
            for inner in split_commands(inner_text):
                inner = Command(inner.words, command.line, inner.text)
                found.append(inner)
                found.extend(substitutions(inner))
    return found


def _substitution_texts(word: str) -> list[str]:
    """The shell text inside each ``$(...)`` (not ``$((...))``) and `...` of one word."""
    texts, i, n = [], 0, len(word)
    while i < n:
        if word.startswith("$(", i) and not word.startswith("$((", i):
            depth, j = 0, i + 1
            while j < n:
                depth += {"(": 1, ")": -1}.get(word[j], 0)
                if depth == 0:
                    break
                j += 1
            texts.append(word[i + 2 : j])
            i = j + 1
        elif word[i] == "`":
            j = word.find("`", i + 1)
            j = n if j < 0 else j
            texts.append(word[i + 1 : j])
            i = j + 1
        else:
            i += 1
    return texts


def instruction_commands(instr, *, nested: bool = True) -> Iterator[tuple[Command, int]]:
    """Every command a RUN executes, with its Dockerfile line: shell form, heredocs and exec form.

    The exec form ``["apt-get", "install", "x"]`` is one command on the
    instruction's line; ``["/bin/sh", "-c", "script"]`` is the script's commands.
    With ``nested``, commands inside ``$(...)`` and backticks follow their command.
    """
    if getattr(instr, "script", None) is not None:
        script, first_line = instr.script, instr.script_line
    elif getattr(instr, "json_args", None):
        argv = instr.json_args
        if len(argv) >= 3 and posixpath.basename(argv[0]) in SHELLS and argv[1].startswith("-") and "c" in argv[1]:
            script, first_line = argv[2], None
        else:
            command = Command(tuple(argv), 1, " ".join(argv))
            yield command, instr.line
            if nested:
                for inner in substitutions(command):
                    yield inner, instr.line
            return
    else:
        return
    for command, inner_commands in _commands_with_substitutions(script):
        line = instr.line if first_line is None else first_line + command.line - 1
        yield command, line
        if nested:
            for inner in inner_commands:
                yield inner, line


@functools.lru_cache(maxsize=4096)
def _commands_with_substitutions(script: str) -> tuple[tuple[Command, tuple[Command, ...]], ...]:
    """Each command of ``script`` with the commands of its ``$(...)``: every rule asks, compute once."""
    return tuple((command, tuple(substitutions(command))) for command in _split_cached(script))


def expand_word(instr, word: str) -> list[str]:
    """``word`` with the ARG/ENV values in scope at ``instr`` substituted, split on blanks.

    ``[word]`` unchanged when it names a variable the Dockerfile does not set
    (it may come from the base image or the script itself).
    """
    if "$" not in word:
        return [word]
    from .dockerfile import expand_variables

    missing: list[str] = []
    value = expand_variables(word, instr.variables, missing)
    return [word] if missing else value.split()
