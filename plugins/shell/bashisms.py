"""Bash-only constructs that make a RUN fail under a POSIX ``/bin/sh``.

ShellCheck reports bash-isms in ``sh`` scripts as SC3xxx *warnings* ("In POSIX
sh, X is undefined"). In a Dockerfile most of them are worse than that where
``/bin/sh`` is dash (Debian, Ubuntu) or busybox ash (Alpine): the shell either
cannot parse the construct (a syntax error or "Bad substitution": it exits
with status 2 at that line, so the build stops there) or has no such command
("not found", status 127: the build fails when the status counts, and the
step is silently skipped when it does not, e.g. in an ``if``). Where
``/bin/sh`` is bash (the Red Hat family, SUSE, ...) they all run.

Each entry below was checked by running a sample of the construct with
``sh -c`` in dash 0.5.12 (Debian 12's ``/bin/sh``), busybox 1.35 ``sh`` and
bash 5.2 started as ``sh``; ``dialects`` lists the ShellCheck dialects in
which it breaks (``sh`` stands for dash). ``tests/test_shells.py`` runs the
samples again in the real shells and checks imagepolicy's verdict per
``/bin/sh`` against their exit status. The family rule raises these codes to
*error* where the stage's ``/bin/sh`` is known to break on them, to a
*warning* where ``/bin/sh`` is unknown (see :mod:`imagepolicy.shells`), and
replaces ShellCheck's message with one that names the construct and the
shell, says what happens and gives the fix. Codes not listed keep
ShellCheck's own message and level.
"""

from __future__ import annotations

from typing import Any

from imagepolicy.records import record

#: The fix every entry ends with: run the RUN with bash instead.
USE_BASH = 'or put SHELL ["/bin/bash", "-o", "pipefail", "-c"] before this RUN (in an image that has bash)'

_DASH = frozenset({"sh", "dash"})
_DASH_BUSYBOX = frozenset({"sh", "dash", "busybox"})


@record(frozen=True)
class Bashism:
    """A construct, how the POSIX shell fails on it, and the portable fix."""

    what: str  # "process substitution"
    failure: str  # "parse" (shell exits at this line) | "missing" (command not found, exit 127)
    fix: str  # the POSIX way, without the SHELL alternative
    dialects: frozenset[str] = _DASH


BASHISMS: dict[str, Bashism] = {
    "SC3001": Bashism(
        "process substitution",
        "parse",
        "write the command's output to a temporary file and read that "
        "(`pip freeze > /tmp/req.txt && pip install -r /tmp/req.txt`), or use a pipe",
    ),
    "SC3005": Bashism("an arithmetic for loop", "parse", "loop with `while [ \"$i\" -lt N ]; do ...; i=$((i+1)); done`", _DASH_BUSYBOX),
    "SC3008": Bashism("a select loop", "parse", "iterate with `for x in ...` (a build has no terminal to select from)", _DASH_BUSYBOX),
    "SC3010": Bashism("the `[[` test", "missing", "use `[ ]` with quoted operands (`[ -f \"$file\" ]`) or `case` for patterns"),
    "SC3011": Bashism("a here-string", "parse", "pipe the text instead (`printf '%s\\n' \"$text\" | cmd`)", _DASH_BUSYBOX),
    "SC3018": Bashism("`++`/`--`", "parse", "write `i=$((i + 1))`"),
    "SC3019": Bashism("the exponent operator `**`", "parse", "multiply explicitly (`$((x * x))`)"),
    "SC3022": Bashism("a named file descriptor", "missing", "use a fixed descriptor number (`exec 3>file`)", _DASH_BUSYBOX),
    "SC3024": Bashism("`+=`", "missing", "write `x=\"${x}more\"` or `x=$((x + 1))`", _DASH_BUSYBOX),
    "SC3029": Bashism("`|&`", "parse", "write `2>&1 |`", _DASH_BUSYBOX),
    "SC3030": Bashism("an array", "parse", "use a space-separated string or the positional parameters (`set -- a b c`)", _DASH_BUSYBOX),
    "SC3032": Bashism("`coproc`", "missing", "run the command in the background with a FIFO (`mkfifo`)", _DASH_BUSYBOX),
    "SC3040": Bashism(
        "the `set -o` option",
        "parse",
        "drop the option (dash 0.5.12 has no `pipefail`); check each pipeline's commands instead",
    ),
    "SC3044": Bashism(
        "a bash builtin",
        "missing",
        "use POSIX commands (`cd` for pushd/popd, plain assignments for declare/typeset, `while read` for mapfile)",
        _DASH_BUSYBOX,
    ),
    "SC3046": Bashism("`source`", "missing", "use `.` (`. /path/to/file`)"),
    "SC3051": Bashism("`source`", "missing", "use `.` (`. /path/to/file`)"),
    "SC3039": Bashism("`let`", "missing", "use arithmetic expansion (`x=$((x + 1))`)"),
    "SC3053": Bashism("indirect expansion", "parse", "restructure to avoid variable-named variables (or `eval`, with care)", _DASH_BUSYBOX),
    "SC3054": Bashism("an array reference", "parse", "use a space-separated string or the positional parameters", _DASH_BUSYBOX),
    "SC3055": Bashism("array keys", "parse", "use a space-separated string or the positional parameters", _DASH_BUSYBOX),
    "SC3057": Bashism("string indexing", "parse", "use `cut -c`, or `${x#prefix}` / `${x%suffix}`"),
    "SC3059": Bashism("case modification", "parse", "use `tr '[:lower:]' '[:upper:]'`", _DASH_BUSYBOX),
    "SC3060": Bashism("string replacement", "parse", "use `sed` (`$(printf '%s' \"$x\" | sed 's/a/b/g')`)"),
    "SC3006": Bashism("standalone `((..))`", "missing", "test arithmetic with `[ $((x > 1)) -eq 1 ]`", _DASH_BUSYBOX),
    "SC2112": Bashism("the `function` keyword", "parse", "declare functions as `name() { ...; }`"),
    "SC2113": Bashism("the `function` keyword", "parse", "declare functions as `name() { ...; }`"),
}

_SHELL_NAMES = {
    "sh": "/bin/sh (dash on Debian and Ubuntu)",
    "dash": "dash",
    "busybox": "busybox ash",
}


def bashism_for(code: str, dialect: str) -> Bashism | None:
    """The entry for ``code`` when it breaks a RUN in ``dialect``, else None."""
    entry = BASHISMS.get(code)
    return entry if entry is not None and dialect in entry.dialects else None


def runs_anyway(code: str, dialect: str) -> Bashism | None:
    """The entry for ``code`` when ``dialect``'s shell runs it (busybox ash runs ``<(...)``, ``[[``,
    ``$((i++))``...): ShellCheck still reports some of those at its error level."""
    entry = BASHISMS.get(code)
    return entry if entry is not None and dialect not in entry.dialects else None


def describe_portable(entry: Bashism, dialect: str, snippet: str, sh: Any = None) -> tuple[str, str]:
    """Return (message, fix) for a bash-ism the RUN's own shell runs, which dash does not."""
    found = f"`{snippet}`: {entry.what}" if snippet else entry.what
    shell = sh.described if sh is not None else _SHELL_NAMES.get(dialect, dialect)
    return (f"{found} is bash-only; {shell} runs it, but dash (/bin/sh on Debian and Ubuntu) does not, "
            "so the RUN breaks if the base image changes"), entry.fix


def describe(entry: Bashism, dialect: str, snippet: str, sh: Any = None) -> tuple[str, str]:
    """Return (message, fix) for a bash-ism found as ``snippet`` in ``dialect``.

    ``sh`` is the stage's :class:`imagepolicy.shells.BinSh` when the script
    runs under ``/bin/sh`` (None for a shell named by SHELL or a comment): it
    names the shell, or says it is unknown, in which case the message says
    what happens where it is dash.
    """
    found = f"`{snippet}`: {entry.what}" if snippet else entry.what
    if sh is not None and not sh.known:
        breaks = "dash (Debian, Ubuntu) or busybox ash (Alpine)" if "busybox" in entry.dialects else "dash (Debian, Ubuntu)"
        what = "cannot run it and exits here" if entry.failure == "parse" else "has no such command ('not found', exit 127)"
        message = f"{found} is bash-only and {sh.why}: where /bin/sh is {breaks}, it {what}, so the build fails at this line"
        fix = (f"{entry.fix}, {USE_BASH}; if /bin/sh of {sh.image or 'the base image'} is bash, say so with "
               "`# imagepolicy shell=bash` above its FROM (or check with --image)")
        return message, fix
    shell = sh.described if sh is not None else _SHELL_NAMES.get(dialect, dialect)
    if entry.failure == "parse":
        outcome = f"{shell} cannot run it and exits here, so the build fails at this line"
    else:
        outcome = (
            f"{shell} has no such command: it fails with 'not found' (exit 127), "
            "which fails the build or silently skips the step"
        )
    return f"{found} is bash-only; {outcome}", f"{entry.fix}, {USE_BASH}"
