"""The ``json`` format: the findings as data, for scripts and other tools.

Exactly this shape (``version`` changes only on incompatible changes)::

    {"version": 1,
     "tool": {"name": ..., "version": ...},
     "findings": [{"rule", "name", "aliases", "severity", "file", "line",
                   "end_line", "path_in_image", "message", "fix"}, ...],
     "errors": [{"target", "message"}, ...],
     "summary": {"error": n, "warning": n, "info": n, "style": n},
     "suppressed": {"baseline": n, "outside-change": n},
     "baseline": null | {"file", "absent": [finding, ...]},
     "new_from_rev": null | "main (merge base 1a2b3c4d5e6f)"}

``summary`` counts the reported findings; ``suppressed`` counts those that
``check --baseline`` (recorded in the baseline) and ``--new-from-rev`` (on no
line the change touched) set aside; ``baseline.absent`` lists the baseline's
entries that no finding matched any more (fixed; ``line`` is null). The last
three keys were added in 0.2 (an addition, so ``version`` stays 1).

Findings are sorted stably by file, line, severity (most severe first) and
rule. ``line`` is null for image findings that no Dockerfile line produced.
Text is kept as found (JSON escapes control characters itself); the output is
pure ASCII, so it survives any log or terminal encoding.
"""

from __future__ import annotations

import json
from typing import Any

from imagepolicy.model import SUPPRESSION_REASONS, Finding, Report

FORMAT_VERSION = 1


def document(report: Report) -> dict[str, Any]:
    """The report as the JSON-ready dictionary described in the module docstring."""
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": report.tool_name, "version": report.tool_version},
        "findings": [f.as_dict() for f in sorted(report.findings, key=Finding.sort_key)],
        "errors": [{"target": target, "message": message} for target, message in report.errors],
        "summary": report.summary(),
        "suppressed": {reason: report.suppressed_counts().get(reason, 0) for reason in SUPPRESSION_REASONS},
        "baseline": None if report.baseline is None else {
            "file": report.baseline,
            "absent": [f.as_dict() for f in report.absent],
        },
        "new_from_rev": report.new_from_rev,
    }


def render(report: Report, color: bool = False) -> str:
    """The report as indented JSON, ending with a newline (``color`` is ignored)."""
    return json.dumps(document(report), indent=2) + "\n"
