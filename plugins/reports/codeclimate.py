"""The ``codeclimate`` format: a GitLab Code Quality report (a JSON array of issues).

Each finding is one issue: ``description`` (code, name, message and fix),
``check_name`` (the rule code), a ``fingerprint`` unique in the report and
stable across runs and line shifts (GitLab compares fingerprints between the
merge request and its target branch to show new and fixed issues),
``severity`` mapped to GitLab's scale, ``location.path`` (relative POSIX) and
``location.lines.begin`` and ``categories``.

Severity mapping: style -> info, info -> minor, warning -> major,
error -> critical; an input error is a ``blocker`` issue on its target.
Image findings point at the Dockerfile line the engine tied them to, else at
the image archive with line 1 (GitLab needs a line).

With ``check --new-from-rev`` the findings outside the change are issues too:
GitLab compares a merge request's report with its target branch's by
fingerprint and shows only the new issues; a report without them would show
every old issue as fixed. Findings a baseline records are left out (the
target branch's pipeline reads the same baseline).
"""

from __future__ import annotations

import json
from typing import Any

from imagepolicy.model import Report, Severity

from ._common import Located, error_fingerprints, error_line, locate_all, relative_posix, strip_controls

SEVERITIES = {
    Severity.STYLE: "info",
    Severity.INFO: "minor",
    Severity.WARNING: "major",
    Severity.ERROR: "critical",
}
INPUT_ERROR_SEVERITY = "blocker"
INPUT_ERROR_CHECK = "input-error"


def _description(item: Located) -> str:
    finding = item.finding
    text = f"{finding.rule} {finding.name}: "
    if finding.path_in_image and finding.path_in_image not in finding.message:
        text += f"{finding.path_in_image}: "
    text += finding.message
    if finding.fix:
        text += f" Fix: {finding.fix}"
    return strip_controls(text)


def _issue(item: Located) -> dict[str, Any]:
    finding = item.finding
    line = item.line if item.file and item.line is not None and item.line >= 1 else 1
    lines: dict[str, int] = {"begin": line}
    if item.file and item.end_line is not None and item.end_line >= line:
        lines["end"] = item.end_line
    return {
        "type": "issue",
        "description": _description(item),
        "check_name": finding.rule,
        "fingerprint": item.fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {"path": relative_posix(strip_controls(item.path)), "lines": lines},
        "categories": ["Style"] if finding.severity is Severity.STYLE else ["Bug Risk"],
    }


def _error_issues(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "type": "issue",
            "description": strip_controls(f"input error: {message}"),
            "check_name": INPUT_ERROR_CHECK,
            "fingerprint": fingerprint,
            "severity": INPUT_ERROR_SEVERITY,
            "location": {"path": relative_posix(strip_controls(target)), "lines": {"begin": error_line(target, message) or 1}},
            "categories": ["Bug Risk"],
        }
        for (target, message), fingerprint in zip(report.errors, error_fingerprints(report))
    ]


def issues(report: Report) -> list[dict[str, Any]]:
    """Every finding and input error as a Code Quality issue."""
    shown = [item for item in locate_all(report) if item.suppressed in (None, "outside-change")]
    return [_issue(item) for item in shown] + _error_issues(report)


def render(report: Report, color: bool = False) -> str:
    """The Code Quality report as an indented JSON array (``color`` is ignored)."""
    return json.dumps(issues(report), indent=2) + "\n"
