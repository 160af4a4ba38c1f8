"""Automatic fixes of ShellCheck findings (see :mod:`imagepolicy.fixes`).

SC3001, process substitution ``<(...)`` under a ``/bin/sh`` that cannot parse it,
gets the temporary-file form: ``pip install -r <(pip freeze)`` becomes
``pip freeze > /tmp/pip-freeze.txt && pip install -r /tmp/pip-freeze.txt && rm -f
/tmp/pip-freeze.txt``. The command runs after the substituted commands have
finished writing their files (not alongside them), and their failure now
stops it: what a build wants, and the only form dash can run.
"""

from __future__ import annotations

import re
from typing import Any

from imagepolicy.fixes import script_edit
from imagepolicy.model import Edit, Fix
from imagepolicy.shellcmd import Command, parse_script

UNSAFE_BECAUSE = ("this /bin/sh may run process substitution (bash, busybox ash): the command then waited for the "
                  "substituted commands' files, and their failure stops it")
# What may stand before/after a command so that `X > f && C f && rm -f f` parses as C did without braces.
_SAFE_BEFORE = re.compile(r"(?:^|\n|;|&&|\bthen|\bdo|\belse|\{|\()\s*$")
_SAFE_AFTER = re.compile(r"^\s*(?:$|\n|;|&&|\|\||\)|\}|#)")


def process_substitution_fix(instr: Any, line: int, column: int, heredoc_body: bool, safe: bool) -> Fix | None:
    """The temporary-file form of the command holding the ``<(...)`` at script ``line``/``column`` (1-based), or None."""
    script = instr.script
    if script is None:
        return None
    lines = script.split("\n")
    if not 1 <= line <= len(lines):
        return None
    offset = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
    command = _command_at(parse_script(script, heredoc_body).commands, offset)
    if command is None:
        return None
    substitutions = [w for w in command.argv_words[1:] if len(w.parts) == 1 and w.parts[0][0] == "cmd" and w.text.startswith("<(")]
    if not substitutions or not command.placed:
        return None
    edits: list[Edit] = []
    producers: list[str] = []
    files: list[str] = []
    for word in substitutions:
        inner = word.text[2:-1].strip()
        if not inner or not word.text.endswith(")"):
            return None
        path = _temp_name(inner, files)
        files.append(path)
        if any(ch in inner for ch in ";&\n#"):
            inner = "{ " + inner + "; }"
        producers.append(f"{inner} > {path}")
        edit = script_edit(instr, word.start, word.end, path)
        if edit is None:
            return None
        edits.append(edit)
    before = script[: command.start]
    after = script[command.end :]
    braces = command.piped or not _SAFE_BEFORE.search(before) or not _SAFE_AFTER.match(after.replace("\\\n", " "))
    if command.piped:
        return None  # the producers would read the pipe's input
    head = ("{ " if braces else "") + " && ".join(producers) + " && "
    tail = " && rm -f " + " ".join(files) + ("; }" if braces else "")
    start = script_edit(instr, command.start, command.start, head)
    end = script_edit(instr, command.end, command.end, tail)
    if start is None or end is None:
        return None
    title = "write " + " and ".join(f"<({w.text[2:-1].strip()})" for w in substitutions) + " to a temporary file"
    return Fix((start, *edits, end), title, safe, "" if safe else UNSAFE_BECAUSE)


def _command_at(commands: tuple[Command, ...], offset: int) -> Command | None:
    """The command (of depth 0 or inside substitutions) whose own word starts at ``offset``."""
    for command in commands:
        if any(w.start == offset for w in command.details):
            return command
    return None


def _temp_name(inner: str, taken: list[str]) -> str:
    first = re.split(r"[;&|\n]", inner, maxsplit=1)[0]
    words = [w for w in first.split() if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", w)][:2]
    base = "/tmp/" + ("-".join(words) if words else "substitution")
    name, number = base + ".txt", 2
    while name in taken:
        name, number = f"{base}-{number}.txt", number + 1
    return name
