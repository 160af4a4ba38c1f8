"""What imagepolicy prints and writes: safe for CI log parsers, reports never written through a link.

CI runners read the job log line by line and obey some lines: GitHub Actions runs a line that
starts with ``::`` (``::error file=...::``, ``::add-mask::``, ``::stop-commands::``, after leading
blanks) or ``##[``; Azure Pipelines and TeamCity obey ``##vso[`` and ``##teamcity[`` anywhere; a
terminal (and GitLab's and Jenkins' log views) obey escape sequences, and a carriage return starts
a new line for the GitHub runner. File names, messages and rule docs come from the pull request,
so every text imagepolicy prints, on standard output and standard error, in every format, and every
report file goes through :func:`neutralise`:

* control characters become visible escapes (``\\x1b``, ``\\x0d``); tab and newline stay, and so
  do the colour sequences (``ESC[...m``) of ``--color``;
* a line that would start a command gets a backslash in front of its ``::`` or ``##[``
  (``\\::warning file=README.md::``), which every reader still understands;
* ``##vso[`` and ``##teamcity[`` become ``#\\#vso[`` and ``#\\#teamcity[``.

Only the ``github`` format's own annotations (``::error file=...,line=3::message``, their data
escaped by the format) keep their ``::``.

:func:`write_report` writes a report to a temporary file in the same folder and renames it into
place, so a report path that the checkout made a symbolic link (``codequality.json -> ../../x``)
is replaced, never written through; a report folder inside the checked tree must resolve inside it.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path

__all__ = ["neutralise", "write_report"]

# Kept: ANSI colour (SGR) sequences. Escaped: C0 controls but tab and newline, DEL, C1 controls,
# Unicode line and paragraph separators, lone surrogates.
_UNSAFE = re.compile(r"(\x1b\[[0-9;]*m)|([\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff])")
_COMMAND_START = re.compile(r"^((?:[^\S\n]|\x1b\[[0-9;]*m)*)(::|##\[)", re.M)
_COMMAND_ANYWHERE = re.compile(r"##(vso|teamcity)\[")
# The github format's annotations: properties escaped (no ":"), data escaped (no CR/LF).
_ANNOTATION = re.compile(r"::(?:error|warning|notice|debug)(?: [^:\n]*)?::[^\n]*")


def _escape(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    code = ord(match.group(2))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str, *, annotations: bool = False) -> str:
    """``text`` with nothing a CI runner or terminal would obey (see the module docstring).

    ``annotations``: the text is the ``github`` format, whose own workflow commands stay.
    """
    text = _UNSAFE.sub(_escape, text.replace("\r\n", "\n"))
    text = _COMMAND_ANYWHERE.sub(r"#\\#\1[", text)

    def guard(match: re.Match[str]) -> str:
        if annotations and not match.group(1):
            end = text.find("\n", match.start())
            line = text[match.start() : end if end >= 0 else len(text)]
            if _ANNOTATION.fullmatch(line):
                return match.group(0)
        return f"{match.group(1)}\\{match.group(2)}"

    return _COMMAND_START.sub(guard, text)


def write_report(path: str | os.PathLike, text: str, *, annotations: bool = False) -> None:
    """Write ``text`` (neutralised) to ``path`` by a rename, never through a final symbolic link.

    Folders are created as needed. Inside the checked tree (see :mod:`imagepolicy.tree`) the folder
    must resolve inside it. A device or FIFO named outside the tree (``--junit /dev/stdout``) is
    written to directly. Raises ``OSError`` (or :class:`~imagepolicy.tree.OutsideTree`).
    """
    from . import tree

    data = neutralise(text, annotations=annotations).encode("utf-8")
    target = Path(path)
    root = tree.current()
    inside = root is not None and tree._lexically_inside(str(target), str(root))
    if not inside and _is_stream(target):
        with open(target, "wb") as stream:  # the invoker's own pipe or terminal
            stream.write(data)
        return
    folder = target.parent
    if inside:
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        tree.check_folder(existing, str(folder) if str(folder) != "." else ".", "report folder")
    folder.mkdir(parents=True, exist_ok=True)
    if inside:
        tree.check_folder(folder, str(folder), "report folder")
    else:
        tree.allow_outside(folder)  # the invoker named it outside the tree
    if target.is_dir() and not target.is_symlink():
        raise IsADirectoryError(21, "Is a directory")
    import tempfile  # here: only a run that writes a report file pays for it (and random, shutil)

    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            os.fchmod(stream.fileno(), 0o666 & ~_umask())
        os.replace(temporary, target)  # replaces a link at `target` itself, never what it points at
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _is_stream(path: Path) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
