"""The ``github`` and ``github-summary`` formats: GitHub Actions annotations and step summary.

``github`` prints workflow commands, one per finding::

    ::error file=Dockerfile,line=7,endLine=8,title=PY001 install-before-source::message%0A%0AFix: ...

errors as ``::error``, warnings as ``::warning``, info and style as
``::notice``. Data is escaped (``%`` ``\\r`` ``\\n``), properties too (plus
``:`` and ``,``), and other control characters are removed, so no message can
end the command early or start a new one.

The runner cuts an annotation's message at 4,096 characters, which lost the
fix at the end of long messages (a PY001 message names files, modules and the
build backend). So a message is shortened to fit, with a note pointing at the
complete text in the step summary and the reports, and the fix is kept whole
(a fix itself longer than half the limit is shortened too).

GitHub shows at most 10 annotations of each level per step and silently drops
the rest. So findings are sorted most severe first (input errors before
everything), at most 10 are printed per level, and when any were left out a
last ``::notice::`` says how many (that notice takes one of the 10 notice
slots, so it is always shown).

``github-summary`` (:func:`step_summary`) is Markdown for
``$GITHUB_STEP_SUMMARY``: a heading, the totals, the input errors and a table
per target. GitHub accepts at most 1 MiB per step summary: rows beyond that
are dropped with a note saying how many.
"""

from __future__ import annotations

import html
import re

from imagepolicy.model import Report, Severity

from ._common import Located, error_line, locate, most_severe_first, plural, relative_posix, strip_controls
from .text import summary_line

MAX_PER_LEVEL = 10
MESSAGE_LIMIT = 4096  # characters (UTF-16 code units) of an annotation message the runner keeps
SHORTENED = " [...] (shortened: the step summary and the JSON and SARIF reports have the whole message)"
SUMMARY_LIMIT = 1024 * 1024  # bytes GitHub accepts in one step summary
_SUMMARY_MARGIN = 1024  # room for the truncation note

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice", Severity.STYLE: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message (after ``::``)."""
    return strip_controls(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (``file=``, ``title=``...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: object) -> str:
    """One workflow command line; properties whose value is None are left out."""
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None
    )
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def _annotation_message(item: Located) -> str:
    finding = item.finding
    text = finding.message
    if finding.path_in_image and finding.path_in_image not in text:
        text = f"{finding.path_in_image}: {text}"
    return fit_message(text, f"\n\nFix: {finding.fix}" if finding.fix else "")


def _units(text: str) -> int:
    """Length as the runner counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut(text: str, units: int) -> str:
    """The longest prefix of ``text`` of at most ``units`` UTF-16 code units."""
    if _units(text) <= units:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if _units(text[:middle]) <= units:
            low = middle
        else:
            high = middle - 1
    return text[:low]


def fit_message(message: str, fix: str = "", limit: int = MESSAGE_LIMIT) -> str:
    """``message + fix`` within ``limit`` characters: the message is shortened first, the fix kept whole if it can be."""
    message, fix = strip_controls(message), strip_controls(fix)
    if _units(message) + _units(fix) <= limit:
        return message + fix
    if _units(fix) > limit // 2:
        fix = _cut(fix, limit // 2 - _units(SHORTENED)).rstrip() + SHORTENED
    if _units(message) + _units(fix) <= limit:
        return message + fix
    room = limit - _units(fix) - _units(SHORTENED)
    return _cut(message, room).rstrip() + SHORTENED + fix


def _annotation(item: Located) -> tuple[str, str]:
    """(level, command line) for one finding."""
    finding = item.finding
    level = COMMANDS[finding.severity]
    line = item.line if item.file else None
    end_line = item.end_line if line is not None and item.end_line is not None and item.end_line >= line else None
    return level, command(
        level,
        _annotation_message(item),
        file=relative_posix(item.path),
        line=line,
        endLine=end_line,
        title=f"{finding.rule} {finding.name}",
    )


def workflow_commands(report: Report, per_level: int = MAX_PER_LEVEL) -> list[str]:
    """The workflow commands, capped at ``per_level`` per level, with a final note when capped."""
    candidates = [
        ("error", command("error", fit_message(message), file=relative_posix(target), line=error_line(target, message),
                          title="input error"))
        for target, message in report.errors
    ]
    candidates += [_annotation(item) for item in most_severe_first(locate(report))]

    def pick(limits: dict[str, int]) -> tuple[list[str], dict[str, int]]:
        shown, hidden, used = [], {"error": 0, "warning": 0, "notice": 0}, {"error": 0, "warning": 0, "notice": 0}
        for level, line in candidates:
            if used[level] < limits[level]:
                used[level] += 1
                shown.append(line)
            else:
                hidden[level] += 1
        return shown, hidden

    shown, hidden = pick({"error": per_level, "warning": per_level, "notice": per_level})
    if sum(hidden.values()):
        shown, hidden = pick({"error": per_level, "warning": per_level, "notice": per_level - 1})
        parts = ", ".join(plural(n, level) for level, n in hidden.items() if n)
        shown.append(command(
            "notice",
            f"{plural(sum(hidden.values()), 'more finding')} not shown as annotations ({parts}): "
            f"GitHub shows at most {per_level} annotations per level and step. "
            "See the step summary or the text, JSON or SARIF report for all of them.",
        ))
    return shown


def render(report: Report, color: bool = False) -> str:
    """The annotations, one command per line (``color`` is ignored)."""
    lines = workflow_commands(report)
    return "\n".join(lines) + "\n" if lines else ""


# --- step summary --------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}|~#!])")


def markdown_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no HTML, no Markdown syntax, no line breaks."""
    text = html.escape(strip_controls(text), quote=False)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip().replace("\n", "<br>")


def _where(item: Located) -> str:
    """``7`` or ``7-9`` for Dockerfile findings; the path in the image (and Dockerfile line) for image ones."""
    line = None
    if item.line is not None:
        line = str(item.line) if item.end_line in (None, item.line) else f"{item.line}-{item.end_line}"
    if not item.is_image:
        return line or ""
    text = item.finding.path_in_image or ""
    if line and item.file:
        text += f" ({item.file}:{line})"
    elif line:
        text += f" (line {line})"
    return markdown_cell(text.strip())


def _row(item: Located) -> str:
    finding = item.finding
    message = markdown_cell(finding.message)
    if finding.fix:
        message += "<br>**Fix:** " + markdown_cell(finding.fix)
    rule = f"{markdown_cell(finding.rule)} {markdown_cell(finding.name)}"
    return f"| {finding.severity.label} | {rule} | {_where(item)} | {message} |\n"


class _Budget:
    """Collects Markdown while it fits in ``limit`` bytes; counts what did not fit."""

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.dropped = 0

    def add(self, text: str, countable: bool = True) -> bool:
        size = len(text.encode("utf-8"))
        if self.dropped or self.size + size > self.limit:
            self.dropped += int(countable)
            return False
        self.parts.append(text)
        self.size += size
        return True


def step_summary(report: Report, limit: int = SUMMARY_LIMIT) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``, at most ``limit`` bytes (UTF-8)."""
    budget = _Budget(max(limit - _SUMMARY_MARGIN, 0))
    title = markdown_cell(f"{report.tool_name} {report.tool_version}")
    budget.add(f"## {title} report\n\n**{markdown_cell(summary_line(report))}**\n", countable=False)
    if report.errors:
        budget.add("\n### Input errors\n\n", countable=False)
        for target, message in report.errors:
            # most messages start with their target ("Dockerfile:2: ..."): name it once
            named = message if message.startswith(target) else f"{target}: {message}"
            budget.add(f"- {markdown_cell(named)}\n")
    located = locate(report)
    for group, result in enumerate(report.results):
        items = [item for item in located if item.group == group]
        if not items:
            continue
        heading = f"\n### {markdown_cell(result.target)} ({plural(len(items), 'finding')})\n\n"
        budget.add(heading + "| Severity | Rule | Line / path | Message |\n| --- | --- | --- | --- |\n",
                   countable=False)
        for item in items:
            budget.add(_row(item))
    text = "".join(budget.parts)
    if budget.dropped:
        text += (
            f"\n_{plural(budget.dropped, 'more row')} not shown: GitHub limits a step summary to 1 MiB. "
            "See the job log or the JSON or SARIF report for everything._\n"
        )
    return text


def render_summary(report: Report, color: bool = False) -> str:
    """The step summary Markdown (``color`` is ignored)."""
    return step_summary(report)
