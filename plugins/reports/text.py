"""The ``text`` format: one line per finding, for people reading a terminal or a CI log.

Layout, per target in report order (findings sorted by line within a target)::

    Dockerfile:7 PY001 error: pip install runs before COPY of the source
      fix: copy requirements.txt first, install, then COPY the rest
    image.tar:/usr/lib/python3/site.py IMG002 warning: world-writable file
    image.tar: error: not a docker-archive or OCI layout (no manifest.json)

    3 findings (1 error, 2 warnings) in 2 targets; 1 input error

With ``check --baseline`` or ``--new-from-rev`` the summary line also says
how many findings were set aside (``; 12 findings in the baseline
.imagepolicy-baseline.json not shown (2 of its entries fixed)``).

Control characters in messages are shown escaped (``\\x1b``) so text coming
from an image can never drive the terminal. ANSI colour only when ``color``
is true (the CLI decides from the TTY and ``NO_COLOR``).
"""

from __future__ import annotations

from imagepolicy.model import Report, Severity

from ._common import Located, locate, plural, show_controls

_RESET = "\033[0m"
_BOLD = "\033[1m"
_COLOURS = {
    Severity.ERROR: "\033[1;31m",
    Severity.WARNING: "\033[33m",
    Severity.INFO: "\033[36m",
    Severity.STYLE: "\033[35m",
}


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def location(item: Located) -> str:
    """``file:line`` for Dockerfile findings, ``image:path_in_image`` for image findings."""
    finding = item.finding
    if not item.is_image:
        path = item.file or item.target
        return f"{path}:{item.line}" if item.line is not None else path
    text = item.image or item.target
    if finding.path_in_image:
        text += f":{finding.path_in_image}"
    if item.file and item.line is not None:
        text += f" ({item.file}:{item.line})"
    elif item.line is not None:
        text += f" (line {item.line})"
    return text


def _indent_continuation(text: str, indent: str) -> str:
    return text.replace("\n", "\n" + indent)


def _finding_lines(item: Located, color: bool) -> list[str]:
    finding = item.finding
    severity = _paint(finding.severity.label, _COLOURS[finding.severity], color)
    where = _paint(show_controls(location(item)), _BOLD, color)
    message = _indent_continuation(show_controls(finding.message), "    ")
    lines = [f"{where} {finding.rule} {severity}: {message}"]
    if finding.fix:
        lines.append("  fix: " + _indent_continuation(show_controls(finding.fix), "       "))
    return lines


def summary_line(report: Report) -> str:
    """``3 findings (1 error, 2 warnings) in 2 targets; 1 input error``."""
    counts = report.summary()
    total = sum(counts.values())
    targets = plural(len(report.results), "target")
    if total:
        parts = ", ".join(plural(n, label) for label, n in counts.items() if n)
        text = f"{plural(total, 'finding')} ({parts}) in {targets}"
    else:
        text = f"no findings in {targets}"
    errors = len(report.errors)
    if errors:
        text += f"; {plural(errors, 'input error')}"
    return text + adoption_note(report)


def adoption_note(report: Report) -> str:
    """What a baseline or ``--new-from-rev`` set aside, for the summary line (empty without either)."""
    counts = report.suppressed_counts()
    parts = []
    if report.baseline is not None:
        part = f"{plural(counts.get('baseline', 0), 'finding')} in the baseline {report.baseline} not shown"
        if report.absent:
            part += f" ({len(report.absent)} of its entries fixed)"
        parts.append(part)
    if report.new_from_rev is not None:
        parts.append(f"{plural(counts.get('outside-change', 0), 'finding')} outside the change since "
                     f"{report.new_from_rev} not shown")
    return "".join(f"; {part}" for part in parts)


def render(report: Report, color: bool = False) -> str:
    """The whole report as text, ending with the summary line."""
    located = locate(report)
    blocks: list[str] = []
    for group, result in enumerate(report.results):
        lines = [line for item in located if item.group == group for line in _finding_lines(item, color)]
        label = _paint("error", _COLOURS[Severity.ERROR], color)
        for error in result.errors:
            # Most errors already start with the file they are about ("Dockerfile:2: ..."): say it once.
            if error.startswith(result.target + ":") or error.startswith(result.target + " "):
                # the target itself may hold colons (docker-daemon:app:ci, a:b/Dockerfile)
                where, error = result.target, error[len(result.target) + 1 :]
                head = error.split(":", 1)
                if head[0].isdigit():  # keep the line number with the file
                    where, error = f"{where}:{head[0]}", head[1].lstrip() if len(head) > 1 else ""
                else:
                    error = error.lstrip()
            else:
                where = result.target
            where = _paint(show_controls(where), _BOLD, color)
            lines.append(f"{where}: {label}: {_indent_continuation(show_controls(error), '    ')}")
        if lines:
            blocks.append("\n".join(lines))
    summary = summary_line(report)
    if color and (report.findings or report.errors):
        summary = _paint(summary, _BOLD, color)
    blocks.append(summary)
    return "\n\n".join(blocks) + "\n"
