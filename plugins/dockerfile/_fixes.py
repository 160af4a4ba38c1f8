"""Building the automatic fixes of the DL rules (see :mod:`imagepolicy.fixes`).

Not a rule module: the edits several rules make the same way, such as adding a
flag after a command's subcommand word (``apt-get install`` -> ``apt-get
install -y``) in every offending command of a RUN.
"""

from __future__ import annotations

from typing import Callable, Iterable

from imagepolicy.fixes import script_edit
from imagepolicy.model import Edit, Fix
from imagepolicy.shellcmd import Command, Word


def word_named(cmd: Command, name: str) -> Word | None:
    """The first argument word of ``cmd`` written as the plain ``name`` (the subcommand ``install``)."""
    for word in cmd.argv_words[1:]:
        if word.parts == (("lit", name),):
            return word
    return None


def command_word(cmd: Command) -> Word | None:
    """The word naming the program (``wget`` of ``DEBUG=1 wget ...``)."""
    words = cmd.argv_words
    return words[0] if words else None


def flag_fix(run, commands: Iterable[Command], anchor: Callable[[Command], Word | None], flag: str, title: str,
             *, safe: bool = True, unsafe_because: str = "") -> Fix | None:
    """A fix adding `` flag`` after each command's ``anchor`` word, or None when one of them cannot be edited.

    A finding covers its whole RUN, so its fix must mend every offending
    command of it (or none: the re-check would find the rest).
    """
    edits: list[Edit] = []
    for cmd in commands:
        word = anchor(cmd) if cmd.placed else None
        edit = script_edit(run, word.end, word.end, " " + flag) if word is not None else None
        if edit is None:
            return None
        edits.append(edit)
    if not edits:
        return None
    return Fix(tuple(edits), title, safe, unsafe_because)
