"""From Dockerfile RUNs to ShellCheck scripts and back to Violations.

Every shell-form RUN, heredoc RUN and ``ONBUILD RUN`` whose shell ShellCheck
understands becomes one :class:`~.shellcheck.Script`; all scripts of all the
Dockerfiles given go to one ShellCheck process; each comment comes back as a
:class:`~imagepolicy.model.Violation` on the Dockerfile line of the construct.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from imagepolicy.model import Severity, Violation

from .bashisms import bashism_for, describe
from .shellcheck import ScResult, Script, start_shellcheck

_LEVELS = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "info": Severity.INFO,
    "style": Severity.STYLE,
}
_SNIPPET_MAX = 60


@dataclass(frozen=True)
class RunScript:
    """A RUN's script with what is needed to map comments back to the Dockerfile."""

    instruction: Any  # the RUN (the inner one for ONBUILD RUN)
    outer: Any  # the instruction as listed in the file (ONBUILD or the RUN itself)
    script: Script


def run_scripts(dockerfile: Any, prefix: str = "") -> list[RunScript]:
    """The checkable scripts of ``dockerfile``, in file order.

    Exec-form RUNs (no script) and RUNs whose shell is not a POSIX-family
    shell ShellCheck knows (``shell_dialect`` None: pwsh, cmd, python
    heredocs...) are skipped.
    """
    found = []
    for outer in dockerfile.instructions:
        instr = outer.onbuild if outer.keyword == "ONBUILD" else outer
        if instr is None or instr.keyword != "RUN" or instr.script is None:
            continue
        dialect = instr.shell_dialect
        if dialect is None:
            continue
        names = tuple(dict.fromkeys([*getattr(instr, "argvars", {}), *getattr(instr, "env", {})]))
        script = Script(id=f"{prefix}{outer.line}", text=instr.script, dialect=dialect, defined_vars=names)
        found.append(RunScript(instr, outer, script))
    return found


CACHE_KEY = "shellcheck"


def check_dockerfile(dockerfile: Any) -> list[Violation]:
    """ShellCheck every RUN of one Dockerfile, unless a batch over the run started it."""
    pending = getattr(dockerfile, "cache", {}).get(CACHE_KEY)
    if pending is not None:
        return pending.violations()
    return check_dockerfiles([dockerfile])[0]


def check_dockerfiles(dockerfiles: Sequence[Any]) -> list[list[Violation]]:
    """ShellCheck every RUN of all ``dockerfiles``; one list of violations per Dockerfile.

    :raises RuntimeError: when the shellcheck binary is missing or fails.
    """
    return [pending.violations() for pending in start_dockerfiles(dockerfiles)]


class PendingViolations:
    """One Dockerfile's share of a running ShellCheck batch."""

    def __init__(self, batch: Any, runs: list[RunScript]) -> None:
        self._batch = batch
        self._runs = {run.script.id: run for run in runs}
        self._done: list[Violation] | None = None

    def violations(self) -> list[Violation]:
        if self._done is None:
            results = self._batch.results(self._runs)
            self._done = [to_violation(result, self._runs[result.script_id]) for result in results]
        return self._done


def start_dockerfiles(dockerfiles: Sequence[Any]) -> list[PendingViolations]:
    """Start ShellCheck on every RUN of all ``dockerfiles`` (chunks in file order) and return at once."""
    per_file = [run_scripts(dockerfile, prefix=f"{number}:") for number, dockerfile in enumerate(dockerfiles)]
    batch = start_shellcheck([run.script for runs in per_file for run in runs])
    return [PendingViolations(batch, runs) for runs in per_file]


def to_violation(result: ScResult, run: RunScript) -> Violation:
    """One ShellCheck comment as a Violation on the Dockerfile's line."""
    instr = run.instruction
    line = instr.script_line + result.line - 1
    end_line = instr.script_line + result.end_line - 1
    dialect = run.script.dialect
    details = {
        "column": result.column,
        "end_column": result.end_column,
        "instruction_line": run.outer.line,
        "shellcheck_level": result.level,
        "dialect": dialect,
    }
    entry = bashism_for(result.code, dialect)
    if entry is not None:
        message, fix = describe(entry, dialect, snippet(run.script.text, result))
        severity = Severity.ERROR
    else:
        message = result.message
        fix = f"see https://www.shellcheck.net/wiki/{result.code}"
        severity = _LEVELS.get(result.level, Severity.WARNING)
    return Violation(
        message=message,
        line=line,
        end_line=end_line,
        fix=fix,
        code=result.code,
        severity=severity,
        details=details,
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

