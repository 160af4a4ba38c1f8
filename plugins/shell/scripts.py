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
from .shellcheck import ScResult, Script, shellcheck_scripts

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
    """ShellCheck every RUN of one Dockerfile, unless a batch over the run already did."""
    cached = getattr(dockerfile, "cache", {}).get(CACHE_KEY)
    if cached is not None:
        return cached
    return check_dockerfiles([dockerfile])[0]


def check_dockerfiles(dockerfiles: Sequence[Any]) -> list[list[Violation]]:
    """ShellCheck every RUN of all ``dockerfiles`` in one shellcheck process.

    :return: one list of violations per Dockerfile, in the order given.
    :raises RuntimeError: when the shellcheck binary is missing or fails.
    """
    runs: dict[str, tuple[int, RunScript]] = {}
    for number, dockerfile in enumerate(dockerfiles):
        for run in run_scripts(dockerfile, prefix=f"{number}:"):
            runs[run.script.id] = (number, run)
    results = shellcheck_scripts([run.script for _, run in runs.values()])
    out: list[list[Violation]] = [[] for _ in dockerfiles]
    for result in results:
        number, run = runs[result.script_id]
        out[number].append(to_violation(result, run))
    return out


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

