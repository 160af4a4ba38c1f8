"""A RUN's script as the shell gets it: continuation lines joined, positions kept.

BuildKit removes each line-continuation (the escape token and the newline)
and drops comment and blank lines inside a continued instruction before it
hands the RUN to ``/bin/sh -c``: the shell sees one line. The model's
``Instruction.script`` keeps one line per Dockerfile line instead (each
continued line ending in ``\\``), which the shell reads the same way except
inside single quotes and comments, but ShellCheck does not: a backslash-newline
after a word becomes part of that word, so ``for f in $(find ...)\\`` is no
longer a loop over a command substitution and SC2044 is lost.

:func:`join_continuations` gives ShellCheck the joined text and
:meth:`Joined.position` maps each of its positions back to the script's own
line and column, so every finding stays on its Dockerfile line.
"""

from __future__ import annotations

import bisect

from imagepolicy.records import record


@record(frozen=True)
class Joined:
    """``text`` as the shell gets it; ``starts[k]`` are, for line k+1 of ``text``, the pieces it is
    made of as ``(column in text, script line, column in that line)``, 0-based, in order."""

    text: str
    starts: tuple[tuple[tuple[int, int, int], ...], ...]

    def position(self, line: int, column: int) -> tuple[int, int]:
        """1-based ``(line, column)`` of ``text`` -> 1-based ``(line, column)`` of the original script."""
        if not 1 <= line <= len(self.starts):
            return line, column
        pieces = self.starts[line - 1]
        at = bisect.bisect_right([p[0] for p in pieces], column - 1) - 1
        joined_col, source_line, source_col = pieces[max(at, 0)]
        return source_line + 1, source_col + (column - 1 - joined_col) + 1


def join_continuations(script: str, continued: int) -> Joined:
    """Join the first ``continued`` lines of ``script`` into one, as the builder does.

    Each of those lines but the last ends with the ``\\`` that marks its
    continuation (the model writes it so; a comment or blank line inside the
    instruction is a lone ``\\``). Later lines (heredoc bodies) stay as written.
    """
    lines = script.split("\n")
    continued = max(0, min(continued, len(lines)))
    if continued <= 1:
        return Joined(script, tuple(((0, k, 0),) for k in range(len(lines))))
    text, pieces = "", []
    for k in range(continued):
        piece = lines[k]
        if k < continued - 1 and piece.endswith("\\"):
            piece = piece[:-1]
        if piece or k == 0:
            pieces.append((len(text), k, 0))
        text += piece
    out_lines = [text, *lines[continued:]]
    starts = [tuple(pieces)] + [((0, k, 0),) for k in range(continued, len(lines))]
    return Joined("\n".join(out_lines), tuple(starts))
