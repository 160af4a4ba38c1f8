"""The built-in report formats, registered through the ``imagepolicy_report_formats`` hook.

One module per format, each with ``render(report, color) -> str``:

========================  =====================================================
``text``                  one line per finding, for terminals and CI logs
``json``                  the findings as data (stable, versioned shape)
``junit``                 JUnit XML for GitLab/Jenkins/GitHub test views
``sarif``                 SARIF 2.1.0 for GitHub code scanning
``codeclimate``           GitLab Code Quality JSON
``github``                GitHub Actions annotations (workflow commands)
``github-summary``        Markdown for ``$GITHUB_STEP_SUMMARY``
========================  =====================================================

``extension`` is the usual file suffix without the dot (empty for stream output).
"""

from __future__ import annotations

from imagepolicy import hookimpl
from imagepolicy.model import ReportFormat


@hookimpl
def imagepolicy_report_formats() -> list[ReportFormat]:
    """Return the built-in report formats."""
    from . import codeclimate, github, junit, sarif, text
    from . import json as json_format

    return [
        ReportFormat("text", "one line per finding, with a summary line (colour on a TTY)", text.render, "txt"),
        ReportFormat("json", "findings, input errors and totals as JSON (version 1)", json_format.render, "json"),
        ReportFormat("junit", "JUnit XML: a testsuite per target, a failing testcase per finding", junit.render, "xml"),
        ReportFormat("sarif", "SARIF 2.1.0 for GitHub code scanning", sarif.render, "sarif"),
        ReportFormat("codeclimate", "GitLab Code Quality report (JSON array of issues)", codeclimate.render, "json"),
        ReportFormat("github", "GitHub Actions annotations (at most 10 per level)", github.render, ""),
        ReportFormat("github-summary", "Markdown for $GITHUB_STEP_SUMMARY (under 1 MiB)", github.render_summary, "md"),
    ]
