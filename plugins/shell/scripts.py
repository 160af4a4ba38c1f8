"""From Dockerfile RUNs to ShellCheck scripts and back to Violations.

Every shell-form RUN, heredoc RUN and ``ONBUILD RUN`` whose shell ShellCheck
understands becomes one :class:`~.shellcheck.Script`; all scripts of all the
Dockerfiles given go to one ShellCheck process; each comment comes back as a
:class:`~imagepolicy.model.Violation` on the Dockerfile line of the construct.
"""

from __future__ import annotations

import posixpath
import re
import shlex
import sys
from dataclasses import replace
from typing import Any, Sequence

from imagepolicy.model import Severity, Violation
from imagepolicy.records import record
from imagepolicy.shells import bin_sh, run_shell

from .bashisms import USE_BASH, bashism_for, describe, describe_portable, runs_anyway
from .joined import Joined, join_continuations
from .shellcheck import ScResult, Script, new_batch
from .shellopts import shell_option_violations

_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.STYLE,
}
_SNIPPET_MAX = 60


#: Shells that run a heredoc given as their standard input, as ShellCheck dialects
#: (``sh`` is resolved to the RUN's own dialect: busybox ash on Alpine).
STDIN_SHELLS = {
    "sh": "sh", "dash": "dash", "ash": "busybox", "bash": "bash", "zsh": "bash",
    "ksh": "ksh", "mksh": "ksh", "ksh93": "ksh",
}
#: Words that make a command line more than ``[NAME=v ...] SHELL [-flags] <<EOT``.
_OPERATOR_CHARS = frozenset("|&;<>()`$")
_ASSIGNMENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_STDIN_HEREDOC_RE = re.compile(r"^0?<<-?[^<].*$")
#: What an unquoted heredoc's body loses or changes when the outer shell reads it.
_EXPANDED_RE = re.compile(r"[$`]|\\[$`\\\n]")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@record(frozen=True)
class RunScript:
    """A RUN's script with what is needed to map comments back to the Dockerfile.

    Script line k is Dockerfile line ``first_line + k - 1``. ``fed_heredoc``
    is the heredoc an outer script hands to a shell (``RUN <<EOT bash``) when
    the outer shell expands its body first (unquoted delimiter), so findings
    in the body can say so.
    """

    instruction: Any  # the RUN (the inner one for ONBUILD RUN)
    outer: Any  # the instruction as listed in the file (ONBUILD or the RUN itself)
    script: Script
    first_line: int = 0
    fed_heredoc: Any = None
    fed_shell: str = ""
    runs_in: str = ""  # for a heredoc body: the shell it is fed to ("bash")
    sh: Any = None  # the stage's BinSh (imagepolicy.shells) when the script runs under /bin/sh
    joined: Joined | None = None  # maps positions in script.text back to the script's own lines

    def position(self, line: int, column: int, end: bool = False) -> tuple[int, int]:
        """A ShellCheck position in ``script.text`` as (Dockerfile line, column)."""
        if self.joined is None:
            return self.first_line + line - 1, column
        if end and column > 1:  # an end column points past the last character: map that character
            source_line, source_column = self.joined.position(line, column - 1)
            return self.first_line + source_line - 1, source_column + 1
        source_line, source_column = self.joined.position(line, column)
        return self.first_line + source_line - 1, source_column


def run_scripts(dockerfile: Any, prefix: str = "") -> list[RunScript]:
    """The checkable scripts of ``dockerfile``, in file order.

    Exec-form RUNs (no script) and RUNs whose shell is not a POSIX-family
    shell ShellCheck knows (``shell_dialect`` None: pwsh, cmd, python
    heredocs...) are skipped. A heredoc fed to a shell's standard input
    (``RUN <<EOT bash``, ``RUN bash -e <<'EOT'``) is one more script, in that
    shell's dialect, when the shell gets the body as written (see
    :func:`stdin_shell_heredoc`); the command line stays a script of the RUN's
    own shell, which is what expands an unquoted body.
    """
    found = []
    for outer in dockerfile.instructions:
        instr = outer.onbuild if outer.keyword == "ONBUILD" else outer
        if instr is None or instr.keyword != "RUN" or instr.script is None:
            continue
        shell = run_shell(instr)
        dialect = shell.dialect
        if dialect is None:
            continue
        joined = join_continuations(instr.script, continued_lines(instr))
        script = Script(id=f"{prefix}{outer.line}", text=joined.text, dialect=dialect, defined_vars=names_in_scope(instr, joined.text))
        own = RunScript(instr, outer, script, instr.script_line, sh=shell.bin_sh, joined=joined)
        fed = stdin_shell_heredoc(instr, dialect)
        if fed is None:
            found.append(own)
            continue
        heredoc, inner_dialect, fed_shell = fed
        if heredoc.expand and _EXPANDED_RE.search(heredoc.body):
            found.append(replace(own, fed_heredoc=heredoc, fed_shell=fed_shell))
            continue
        found.append(own)
        body = Script(
            id=f"{prefix}{outer.line}:{heredoc.line}",
            text=heredoc.body,
            dialect=inner_dialect,
            defined_vars=names_in_scope(instr, heredoc.body),
        )
        inner_sh = bin_sh(instr.stage) if STDIN_SHELLS.get(posixpath.basename(fed_shell)) == "sh" and instr.stage is not None else None
        found.append(RunScript(instr, outer, body, heredoc.line, runs_in=fed_shell, sh=inner_sh))
    return found


def continued_lines(instr: Any) -> int:
    """How many of the script's first lines are the RUN's own (continued) lines, which the
    builder joins into one before the shell reads them; heredoc bodies follow as written."""
    if instr.script_line != instr.line:
        return 0  # the script is a heredoc body
    last = instr.heredocs[0].line - 1 if instr.heredocs else instr.end_line
    return max(0, last - instr.line + 1)


def names_in_scope(instr: Any, text: str) -> tuple[str, ...]:
    """The ARG and ENV names in scope at ``instr`` that ``text`` mentions, sorted.

    Looking the script's words up in the scope costs the script's length, not
    the number of ENVs (a Dockerfile with thousands of ENVs stays fast).
    """
    argvars = getattr(instr, "argvars", {})
    env = getattr(instr, "env", {})
    return tuple(sorted(w for w in set(_WORD_RE.findall(text)) if w in argvars or w in env))


def stdin_shell_heredoc(instr: Any, dialect: str) -> tuple[Any, str, str] | None:
    """``(heredoc, dialect, shell)`` when the RUN's command line only feeds its heredoc to a shell.

    The command line must be ``[NAME=value ...] SHELL [-options] <<EOT`` with
    the heredoc word anywhere after the assignments (``<<EOT bash -e`` too),
    one heredoc, a shell of :data:`STDIN_SHELLS` and options only (``-c`` or a
    script argument make the heredoc something else than the shell's code).
    Python and other interpreters (``RUN python3 <<EOF``) are not shells: their
    heredoc is never checked as a script.
    """
    if len(instr.heredocs) != 1 or instr.script_line == instr.heredocs[0].line:
        return None
    try:
        words = shlex.split(instr.args, posix=True)
    except ValueError:
        return None
    heredoc_words = [w for w in words if _STDIN_HEREDOC_RE.match(w)]
    if len(heredoc_words) != 1:
        return None
    words = [w for w in words if w is not heredoc_words[0]]
    while words and _ASSIGNMENT_RE.match(words[0]):
        words.pop(0)
    if not words or any(_OPERATOR_CHARS.intersection(w) for w in words):
        return None
    shell = posixpath.basename(words[0])
    inner = STDIN_SHELLS.get(shell)
    if inner is None or not _only_options(words[1:]):
        return None
    if inner == "sh" and instr.stage is not None:
        inner = bin_sh(instr.stage).dialect or "sh"  # the image's /bin/sh, whatever SHELL the RUN has
    return instr.heredocs[0], inner, shell


def _only_options(words: list[str]) -> bool:
    """True when ``words`` are shell options that still read the script from stdin (``-e``, ``-o pipefail``)."""
    takes_name = False
    for word in words:
        if takes_name:
            takes_name = False
            continue
        if not word.startswith(("-", "+")) or word in ("-", "--"):
            return word in ("-", "--") and word is words[-1]
        if not word.startswith("--") and "c" in word[1:]:
            return False  # -c: the script is an argument, the heredoc only stdin data
        takes_name = not word.startswith("--") and word[1:].endswith("o")
    return not takes_name


CACHE_KEY = "shellcheck"


def check_dockerfile(dockerfile: Any) -> list[Violation]:
    """ShellCheck every RUN of one Dockerfile (unless a batch over the run started it), and its SHELL options."""
    pending = getattr(dockerfile, "cache", {}).get(CACHE_KEY)
    found = pending.violations() if pending is not None else check_dockerfiles([dockerfile])[0]
    return [*found, *shell_option_violations(dockerfile)]


def check_dockerfiles(dockerfiles: Sequence[Any]) -> list[list[Violation]]:
    """ShellCheck every RUN of all ``dockerfiles``; one list of violations per Dockerfile.

    :raises RuntimeError: when the shellcheck binary is missing or fails.
    """
    return [pending.violations() for pending in start_dockerfiles(dockerfiles)]


class PendingViolations:
    """One Dockerfile's share of a running ShellCheck batch."""

    def __init__(self, batch: Any, runs: list[RunScript], path: str = "Dockerfile") -> None:
        self._batch = batch
        self._runs = {run.script.id: run for run in runs}
        self._path = path
        self._done: list[Violation] | None = None

    def violations(self) -> list[Violation]:
        if self._done is None:
            results = self._batch.results(self._runs)
            self._done = [to_violation(result, self._runs[result.script_id]) for result in results]
            for script_id, reason in self._batch.too_large(self._runs).items():
                run = self._runs[script_id]
                note(f"{self._path}:{run.first_line}: script too large for ShellCheck ({reason}): "
                     f"this RUN gets no ShellCheck findings; the other rules still check it")
        return self._done


def note(message: str) -> None:
    """Tell the user something that is no finding (on standard error, one line, no control characters)."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in message)
    print(f"imagepolicy: note: {clean}", file=sys.stderr)


def start_dockerfiles(dockerfiles: Sequence[Any]) -> list[PendingViolations]:
    """Start ShellCheck on every RUN of all ``dockerfiles`` (chunks in file order) and return at once.

    Each chunk starts as soon as it is full, while the later Dockerfiles' scripts are still being
    made; each Dockerfile's comments are kept in the cache under its path.
    """
    batch = new_batch()
    pending = []
    try:
        for number, dockerfile in enumerate(dockerfiles):
            runs = run_scripts(dockerfile, prefix=f"{number}:")
            path = getattr(dockerfile, "path", "Dockerfile")
            batch.add([run.script for run in runs], group=str(path))
            pending.append(PendingViolations(batch, runs, path))
    finally:
        batch.close()
    return pending


def to_violation(result: ScResult, run: RunScript) -> Violation:
    """One ShellCheck comment as a Violation on the Dockerfile's line."""
    line, column = run.position(result.line, result.column)
    end_line, end_column = run.position(result.end_line, result.end_column, end=True)
    # ShellCheck reports a script that ends too soon (`RUN [` as the file's last line) one line past
    # its end: keep the finding on the instruction's own lines.
    last = run.outer.end_line
    if line > last:
        line, column = last, 1
    if end_line > last:
        end_line, end_column = last, 1
    if (end_line, end_column) < (line, column):
        end_line, end_column = line, column
    dialect = run.script.dialect
    details = {
        "column": column,
        "end_column": end_column,
        "instruction_line": run.outer.line,
        "shellcheck_level": result.level,
        "dialect": dialect,
    }
    if run.sh is not None:
        details["bin_sh"] = run.sh.name or "unknown"
    entry = bashism_for(result.code, dialect)
    if entry is not None:
        message, fix = describe(entry, dialect, snippet(run.script.text, result), run.sh)
        if run.runs_in:  # SHELL does not change the shell a heredoc is fed to
            fix = fix.replace(USE_BASH, f"or feed the heredoc to bash instead of {run.runs_in}")
        # An unknown /bin/sh may be bash: warn, never block a merge on a guess.
        severity = Severity.WARNING if run.sh is not None and not run.sh.known else Severity.ERROR
    elif result.level == "error" and (portable := runs_anyway(result.code, dialect)) is not None:
        # ShellCheck calls some busybox-isms errors ("In dash, ... is not supported") that busybox ash runs.
        message, fix = describe_portable(portable, dialect, snippet(run.script.text, result), run.sh)
        severity = Severity.WARNING
    else:
        message = result.message
        fix = f"see https://www.shellcheck.net/wiki/{result.code}"
        severity = _LEVELS.get(result.level, Severity.WARNING)
        if severity is Severity.ERROR and dialect in ("busybox", "dash") and result.code.startswith("SC3"):
            # ShellCheck calls every SC3xxx an error for dash and busybox ("In dash, RANDOM is not
            # supported"), yet dash runs `echo $RANDOM` (empty) and busybox ash runs $RANDOM, `trap ... ERR`,
            # `wait -n`: only the bash-isms checked in the real shells (BASHISMS) block a merge, as under sh.
            severity = Severity.WARNING
    heredoc = run.fed_heredoc
    if heredoc is not None and heredoc.line <= line < heredoc.end_line:
        fix = f"{fix}; {expanded_body_hint(heredoc, run.fed_shell, dialect)}"
    autofix = None
    if result.code == "SC3001" and not run.runs_in and run.first_line == run.instruction.script_line:
        from .fixes import process_substitution_fix

        # Safe where the shell cannot run <(...) at all (the error above): nothing that worked changes.
        heredoc_body = bool(run.instruction.heredocs) and run.first_line == run.instruction.heredocs[0].line
        autofix = process_substitution_fix(run.instruction, line - run.first_line + 1, column, heredoc_body,
                                           entry is not None and severity == Severity.ERROR)
    return Violation(
        message=message,
        line=line,
        end_line=end_line,
        fix=fix,
        code=result.code,
        severity=severity,
        details=details,
        autofix=autofix,
    )


def expanded_body_hint(heredoc: Any, shell: str, outer_dialect: str) -> str:
    """Why a finding in an unquoted heredoc handed to ``shell`` is the outer shell's."""
    outer = "/bin/sh" if outer_dialect in ("sh", "dash", "busybox") else outer_dialect
    dash = "-" if heredoc.strip_tabs else ""
    return (
        f"the heredoc's delimiter is unquoted, so {outer} expands $, ` and \\ in its body before {shell} runs it; "
        f"quote it (<<{dash}'{heredoc.name}') to give {shell} the body as written"
    )


def snippet(text: str, result: ScResult) -> str:
    """The script text ShellCheck pointed at (first line of it, shortened)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not 1 <= result.line <= len(lines):
        return ""
    source = lines[result.line - 1]
    end = result.end_column - 1 if result.end_line == result.line else len(source)
    piece = source[result.column - 1 : end].strip()
    if len(piece) > _SNIPPET_MAX:
        piece = piece[: _SNIPPET_MAX - 3] + "..."
    return piece

