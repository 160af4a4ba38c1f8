"""``SHELL ["/bin/sh", "-o", "pipefail", "-c"]`` where /bin/sh is dash.

dash 0.5.12 (``/bin/sh`` on Debian 12 and Ubuntu 24.04) has no ``pipefail``
option: started as ``sh -o pipefail -c ...`` it prints "Illegal option -o
pipefail" and exits 2 before it reads the script, so every RUN (and every
shell-form CMD, ENTRYPOINT or HEALTHCHECK) under that SHELL fails. busybox ash
and bash accept the option. ShellCheck never sees a SHELL line, so this module
reports it, under the code ShellCheck gives ``set -o pipefail`` in a POSIX
script (SC3040), so one config key covers both.
"""

from __future__ import annotations

import json
import posixpath
from typing import Any, Iterator

from imagepolicy.model import Severity, Violation
from imagepolicy.shells import BIN_SH, DASH, BinSh, bin_sh

CODE = "SC3040"
FIX = (
    'use SHELL ["/bin/bash", "-o", "pipefail", "-c"] (in an image that has bash), or drop "-o", "pipefail" '
    "(dash has no pipefail) and check each pipeline's commands instead"
)


def sets_pipefail(options: list[str]) -> bool:
    """``-o pipefail`` among shell options (also ``-eo pipefail``, ``-euxo pipefail``, ``-opipefail``)."""
    for at, word in enumerate(options):
        if word == "-opipefail":
            return True
        if word.startswith("-") and not word.startswith("--") and word.endswith("o") and options[at + 1 : at + 2] == ["pipefail"]:
            return True
    return False


def shell_option_violations(dockerfile: Any) -> Iterator[Violation]:
    """SC3040 on each SHELL that starts dash (or a /bin/sh that is, or may be, dash) with ``-o pipefail``."""
    for instr in dockerfile.instructions:
        if instr.keyword != "SHELL" or not instr.json_args or instr.stage is None:
            continue
        program, options = instr.json_args[0], list(instr.json_args[1:])
        if not sets_pipefail(options):
            continue
        if posixpath.basename(program) == "dash":
            sh = BinSh(DASH, "SHELL names dash")
        elif program in BIN_SH:
            sh = bin_sh(instr.stage)
        else:
            continue
        if sh.name not in (DASH, None):
            continue  # busybox ash and bash accept -o pipefail; without a /bin/sh nothing runs it
        users = _users(dockerfile, instr)
        written = "SHELL " + json.dumps(instr.json_args)
        if sh.name == DASH:
            if users:
                first = users[0]
                outcome = (f'it exits with "Illegal option -o pipefail" before reading any script, so the '
                           f"{first.keyword} at line {first.line} fails")
                outcome += " and the build stops there" if first.keyword == "RUN" else " when the container starts"
                severity = Severity.ERROR
            else:
                outcome = 'every shell-form RUN, CMD or ENTRYPOINT after it would fail with "Illegal option -o pipefail"'
                severity = Severity.WARNING
            message = f"`{written}`: {sh.described} has no pipefail option; {outcome}"
        else:
            message = (f"`{written}`: {sh.why}; where it is dash (Debian, Ubuntu), it has no pipefail option and "
                       'every shell-form RUN after this line fails with "Illegal option -o pipefail"')
            severity = Severity.WARNING
        yield Violation(message=message, line=instr.line, end_line=instr.end_line, fix=FIX, code=CODE,
                        severity=severity, details={"bin_sh": sh.name or "unknown"})


def _users(dockerfile: Any, shell_instr: Any) -> list[Any]:
    """Shell-form instructions that run under ``shell_instr``'s SHELL, in its stage or stages built FROM it."""
    wanted = tuple(shell_instr.json_args)
    found = []
    for instr in dockerfile.instructions:
        if instr.line <= shell_instr.line or instr.stage is None or tuple(instr.shell) != wanted:
            continue
        if not any(stage is shell_instr.stage for stage in instr.stage.lineage()):
            continue
        if instr.keyword == "RUN" and instr.script is not None:
            found.append(instr)
        elif instr.keyword in ("CMD", "ENTRYPOINT") and instr.json_args is None and instr.args.strip():
            found.append(instr)
    return found
