"""The ``junit`` format: JUnit XML for the test report views of GitLab, Jenkins and GitHub.

Built with the junit-xml library, then adjusted to the Surefire/xunit schema
(``junit-10.xsd``): no ``disabled`` attribute, ``time`` with at most three
decimals, a ``name`` on ``<testsuites>``.

Names, chosen so that Jenkins and GitLab both show the file:

* One ``<testsuite>`` per target, named after the target.
* ``classname`` is ``<file>.<CODE>``: the file the finding points at (relative
  POSIX path, dots and all), a dot, and the rule code (``input-error`` for an
  input error, ``imagepolicy`` for the passing case of a target). Jenkins splits
  a classname at its *last* dot into package and class, so its package is
  exactly the file (``service/Dockerfile.broken``) and its class the rule
  (``PY001``); with ``imagepolicy.<file>`` it showed ``imagepolicy.service/Dockerfile``
  and a class ``broken``. Rule codes never hold a dot, so the split is always
  right. GitLab shows the classname as is (``service/Dockerfile.broken.PY001``)
  and the ``file`` attribute, the file alone, in its Filename column.
* ``name`` is ``<CODE> <rule-name> (line N)`` (or the path in the image).
  GitLab drops testcases whose classname and name repeat, so a name still not
  unique gets a counter: ``... (line 7) #2``. Each finding's testcase has
  ``file`` and ``line`` attributes, which GitLab and GitHub reporters read (the
  xunit XSD does not know them; they are the one deliberate deviation).

Passing testcases (``--junit-passing``):

* ``target`` (the default): one passing testcase per target, ``imagepolicy``
  ``rules without findings``, listing the rules that ran there without a
  finding in its ``system-out``. One case per enabled rule and file (84 for a
  Dockerfile) inflated every test count, and GitLab drops the *whole* report
  of a job beyond an instance's test-case limit, findings included.
* ``rule``: one passing testcase per rule that ran on a target without findings
  (classname ``<file>.<CODE>``, name ``<CODE> <rule-name>``).

Each finding is a failing testcase; each input or internal error on a target
an ``<error>`` testcase. Severity and the failure threshold: *every* finding is
a ``<failure>``, whatever its severity and whatever ``report.threshold`` is. A
CI test view that hides findings as "skipped" would hide them from the people
who need to see them; the exit code, not this file, decides whether the job
fails. The severity is the failure ``type`` (``error``, ``warning``, ``info``,
``style``) so views can still tell them apart. Findings a baseline or
``--new-from-rev`` set aside are not testcases; the passing case counts them.

Control characters other than tab, newline and carriage return are removed
from all text (XML 1.0 cannot carry most of them).
"""

from __future__ import annotations

import re
from typing import Any

from imagepolicy.model import Report, Rule, TargetResult

from ._common import Located, locate, plural, relative_posix, strip_controls

ERROR_TYPE = "input-error"
PASSING_CLASS = "imagepolicy"
PASSING_NAME = "rules without findings"


def classname(path: str, group: str) -> str:
    """``<file>.<group>``: Jenkins' package is then the file, its class the rule code (see the module docstring)."""
    return strip_controls(f"{relative_posix(path)}.{group}")


class _Names:
    """Hands out testcase names unique per (classname, name) in the whole file."""

    def __init__(self) -> None:
        self._used: set[tuple[str, str]] = set()

    def unique(self, classname: str, name: str) -> str:
        candidate, counter = name, 1
        while (classname, candidate) in self._used:
            counter += 1
            candidate = f"{name} #{counter}"
        self._used.add((classname, candidate))
        return candidate


def _reported_by(rule: Rule, code: str) -> bool:
    """True when a finding with ``code`` comes from ``rule`` (its code, or its family pattern)."""
    return rule.code == code or bool(rule.code_pattern and re.fullmatch(rule.code_pattern, code))


def _where(item: Located) -> str:
    """The position inside a testcase name: ``line 7`` or the path in the image."""
    finding = item.finding
    if item.line is not None and not item.is_image:
        return f"line {item.line}"
    if finding.path_in_image:
        return finding.path_in_image
    if item.line is not None:
        return f"line {item.line}"
    return ""


def _location_text(item: Located) -> str:
    finding = item.finding
    parts = []
    if item.is_image:
        parts.append(f"{item.image}:{finding.path_in_image}" if finding.path_in_image else str(item.image))
    if item.file:
        parts.append(f"{item.file}:{item.line}" if item.line is not None else item.file)
    elif item.line is not None:
        parts.append(f"line {item.line}")
    return " / ".join(parts)


def _failure_text(item: Located) -> str:
    finding = item.finding
    lines = [finding.message]
    if finding.fix:
        lines.append(f"Fix: {finding.fix}")
    lines.append(f"Location: {_location_text(item)}")
    lines.append(f"Severity: {finding.severity.label}")
    lines.append(f"Rule docs: imagepolicy explain {finding.rule}")
    return strip_controls("\n".join(lines))


def _finding_case(item: Located, names: _Names) -> Any:
    from junit_xml import TestCase

    finding = item.finding
    where = _where(item)
    base = f"{finding.rule} {finding.name}" + (f" ({where})" if where else "")
    group = classname(item.path, finding.rule)
    case = TestCase(
        name=names.unique(group, strip_controls(base)),
        classname=group,
        file=strip_controls(relative_posix(item.path)),
        line=item.line if item.file else None,
    )
    case.add_failure_info(
        message=strip_controls(finding.message) or finding.rule,
        output=_failure_text(item),
        failure_type=finding.severity.label,
    )
    return case


def _passing_text(rules: list[Rule], result: TargetResult) -> str:
    lines = [f"{plural(len(rules), 'rule')} ran without findings on {result.target}:"]
    lines += [f"{rule.code} {rule.name}" for rule in rules]
    counts: dict[str, int] = {}
    for item in result.suppressed:
        counts[item.reason] = counts.get(item.reason, 0) + 1
    if counts.get("baseline"):
        lines.append(f"{plural(counts['baseline'], 'finding')} recorded in the baseline not reported")
    if counts.get("outside-change"):
        lines.append(f"{plural(counts['outside-change'], 'finding')} outside the change not reported")
    return strip_controls("\n".join(lines))


def _suite(result: TargetResult, located: list[Located], names: _Names, per_rule: bool) -> Any:
    from junit_xml import TestCase, TestSuite

    passed = [rule for rule in result.rules if not any(_reported_by(rule, item.finding.rule) for item in located)]
    cases = []
    if per_rule:
        for rule in passed:
            group = classname(result.target, rule.code)
            cases.append(TestCase(name=names.unique(group, f"{rule.code} {rule.name}"), classname=group,
                                  file=strip_controls(relative_posix(result.target))))
    elif passed:
        group = classname(result.target, PASSING_CLASS)
        cases.append(TestCase(name=names.unique(group, PASSING_NAME), classname=group,
                              file=strip_controls(relative_posix(result.target)), stdout=_passing_text(passed, result)))
    cases.extend(_finding_case(item, names) for item in located)
    for error in result.errors:
        group = classname(result.target, ERROR_TYPE)
        case = TestCase(name=names.unique(group, "input error"), classname=group,
                        file=strip_controls(relative_posix(result.target)))
        text = strip_controls(error)
        case.add_error_info(message=text or "input error", output=text, error_type=ERROR_TYPE)
        cases.append(case)
    return TestSuite(name=strip_controls(result.target), test_cases=cases)


def _fix_attributes(root: Any, tool_name: str) -> None:
    """Make junit-xml's output valid for the xunit schema (see the module docstring)."""
    for element in (root, *root.iter("testsuite")):
        element.attrib.pop("disabled", None)
        element.set("time", f"{float(element.get('time') or 0):.3f}")
    root.set("name", strip_controls(tool_name))


def render(report: Report, color: bool = False) -> str:
    """The report as a JUnit XML document (``color`` is ignored)."""
    import xml.etree.ElementTree as ET

    from junit_xml import to_xml_report_string

    located = locate(report)
    names = _Names()
    per_rule = report.format_options.get("junit-passing") == "rule"
    suites = [
        _suite(result, [item for item in located if item.group == group], names, per_rule)
        for group, result in enumerate(report.results)
    ]
    root = ET.fromstring(to_xml_report_string(suites, prettyprint=False))
    _fix_attributes(root, report.tool_name)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

