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


def _render(module: str, function: str = "render"):
    """The ``function`` of format module ``module``, imported when a report is rendered (not at every start)."""

    def render(report, color):
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{module}"), function)(report, color)

    render.__qualname__ = render.__name__ = f"{module}.{function}"
    return render


@hookimpl
def imagepolicy_report_formats() -> list[ReportFormat]:
    """Return the built-in report formats."""
    return [
        ReportFormat("text", "one line per finding, with a summary line (colour on a TTY)", _render("text"), "txt"),
        ReportFormat("json", "findings, input errors and totals as JSON (version 1)", _render("json"), "json"),
        ReportFormat("junit", "JUnit XML: a testsuite per target, a failing testcase per finding", _render("junit"), "xml"),
        ReportFormat("sarif", "SARIF 2.1.0 for GitHub code scanning", _render("sarif"), "sarif"),
        ReportFormat("codeclimate", "GitLab Code Quality report (JSON array of issues)", _render("codeclimate"), "json"),
        ReportFormat("github", "GitHub Actions annotations (at most 10 per level)", _render("github"), ""),
        ReportFormat("github-summary", "Markdown for $GITHUB_STEP_SUMMARY (under 1 MiB)", _render("github", "render_summary"), "md"),
    ]
