"""The ``json`` format: the findings as data, for scripts and other tools.

Exactly this shape (``version`` changes only on incompatible changes)::

    {"version": 1,
     "tool": {"name": ..., "version": ...},
     "findings": [{"rule", "name", "aliases", "severity", "file", "line",
                   "end_line", "path_in_image", "message", "fix"}, ...],
     "errors": [{"target", "message"}, ...],
     "summary": {"error": n, "warning": n, "info": n, "style": n}}

Findings are sorted stably by file, line, severity (most severe first) and
rule. ``line`` is null for image findings that no Dockerfile line produced.
Text is kept as found (JSON escapes control characters itself); the output is
pure ASCII, so it survives any log or terminal encoding.
"""

from __future__ import annotations

import json
from typing import Any

from imagepolicy.model import Finding, Report

FORMAT_VERSION = 1


def document(report: Report) -> dict[str, Any]:
    """The report as the JSON-ready dictionary described in the module docstring."""
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": report.tool_name, "version": report.tool_version},
        "findings": [f.as_dict() for f in sorted(report.findings, key=Finding.sort_key)],
        "errors": [{"target": target, "message": message} for target, message in report.errors],
        "summary": report.summary(),
    }


def render(report: Report, color: bool = False) -> str:
    """The report as indented JSON, ending with a newline (``color`` is ignored)."""
    return json.dumps(document(report), indent=2) + "\n"
