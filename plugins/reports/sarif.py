"""The ``sarif`` format: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run. ``tool.driver.rules`` lists every rule that ran (plus one entry per
concrete code a rule family such as ShellCheck reported). Each result has
``ruleId``/``ruleIndex``, a ``level`` (error, warning, or note for info and
style), the message with its fix, and a location:

* Dockerfile findings: ``artifactLocation`` (relative POSIX URI against
  ``%SRCROOT%``) and ``region`` start and end lines;
* image findings: the image archive or layout as artifact, and a
  ``logicalLocations`` entry naming the path inside the image; when the engine
  tied the finding to a Dockerfile instruction, the physical location is that
  Dockerfile line instead (code scanning can only show files of the repository).

``partialFingerprints["imagepolicy/v1"]`` is stable across runs and across
line shifts (rule, file, message without line numbers, occurrence index), so
code scanning keeps tracking an alert when lines move, also for uploads that
bypass upload-sarif (which would otherwise compute its own line hashes).

Input errors (a Dockerfile that cannot be parsed, an unreadable image) are
results of their own, rule ``input-error`` at level ``error``, on the target
and, when the message names one, its line: code scanning shows an alert for a
Dockerfile that cannot build, as it does for hadolint's parse errors. They
are also ``toolExecutionNotifications`` and make ``executionSuccessful`` false.

With ``check --baseline`` or ``--new-from-rev`` every result has a
``baselineState``: ``new`` for the reported findings; ``unchanged`` for those
set aside (listed, so code scanning does not close their alerts as fixed);
``absent`` for baseline entries no finding matched any more. Set-aside
baseline findings and absent entries also carry an ``external`` suppression
(``accepted``), so code scanning and other SARIF consumers do not show them as
open alerts; findings outside the change carry none (they are still open, only
not this change's).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any
from urllib.parse import quote

from imagepolicy.model import Report, Rule, Severity

from ._common import (FINGERPRINT_KEY, Located, error_fingerprints, error_line, find_rule, locate_all, relative_posix,
                      rules_that_ran, strip_controls)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/imagepolicy/"
SRCROOT = "%SRCROOT%"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.STYLE: "note"}
INPUT_ERROR_RULE = "input-error"
INPUT_ERROR_DESCRIPTOR = {
    "id": INPUT_ERROR_RULE,
    "name": "InputError",
    "shortDescription": {"text": "A target could not be checked: a Dockerfile that cannot be parsed, an unreadable image"},
    "fullDescription": {"text": "imagepolicy could not check this target. A Dockerfile it cannot parse does not build "
                                "either; an image archive it cannot read was not checked. The message says what is "
                                "wrong and where."},
    "help": {"text": "Fix the input named in the message; every other target was still checked.",
             "markdown": "Fix the input named in the message; every other target was still checked."},
    "defaultConfiguration": {"level": "error"},
    "properties": {"tags": ["imagepolicy", "input-error"]},
}


def pascal_case(name: str) -> str:
    """``install-before-source`` -> ``InstallBeforeSource``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def artifact_location(path: str) -> dict[str, str]:
    """A relative ``uri`` against ``%SRCROOT%``, or a ``file:`` URI for paths outside the working tree."""
    posix = relative_posix(path)
    if os.path.isabs(path) and posix.startswith("/"):
        return {"uri": "file://" + quote(posix, safe="/")}
    return {"uri": quote(posix, safe="/"), "uriBaseId": SRCROOT}


def _full_description(rule: Rule) -> str:
    """The first prose paragraph of the rule docs (headings skipped), else the summary."""
    for paragraph in re.split(r"\n\s*\n", rule.docs or ""):
        lines = [line for line in paragraph.strip().splitlines() if not line.lstrip().startswith("#")]
        text = " ".join(" ".join(lines).split())
        if text:
            return text
    return rule.summary


def _descriptor(rule: Rule, code: str | None = None, name: str | None = None) -> dict[str, Any]:
    docs = rule.docs or rule.summary
    properties: dict[str, Any] = {"tags": ["imagepolicy", rule.target]}
    if rule.aliases:
        properties["aliases"] = list(rule.aliases)
    return {
        "id": code or rule.code,
        "name": pascal_case(name or rule.name),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _full_description(rule)},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": properties,
    }


def _bare_descriptor(code: str, name: str, severity: Severity) -> dict[str, Any]:
    """For a code no known rule declares: enough for viewers to group results."""
    return {
        "id": code,
        "name": pascal_case(name),
        "shortDescription": {"text": name},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": ["imagepolicy"]},
    }


def _rule_table(report: Report, located: list[Located]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The driver's rules and the index of each reported code in them."""
    descriptors = [_descriptor(rule) for rule in rules_that_ran(report)]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    for finding in [item.finding for item in located] + list(report.absent):
        code = finding.rule
        if code in index:
            continue
        rule = find_rule(report, code, [])
        if rule is not None:
            descriptor = _descriptor(rule, code, finding.name)
        else:
            descriptor = _bare_descriptor(code, finding.name, finding.severity)
        index[code] = len(descriptors)
        descriptors.append(descriptor)
    if report.errors and INPUT_ERROR_RULE not in index:
        index[INPUT_ERROR_RULE] = len(descriptors)
        descriptors.append(INPUT_ERROR_DESCRIPTOR)
    return descriptors, index


def _message(item: Located) -> str:
    finding = item.finding
    text = finding.message
    if finding.path_in_image and finding.path_in_image not in text:
        text = f"{finding.path_in_image}: {text}"
    if finding.fix:
        text += f" Fix: {finding.fix}"
    return strip_controls(text)


def _location(item: Located) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(strip_controls(item.path))}
    if item.file and item.line is not None and item.line >= 1:
        region = {"startLine": item.line}
        if item.end_line is not None and item.end_line >= item.line:
            region["endLine"] = item.end_line
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    path_in_image = item.finding.path_in_image
    if path_in_image:
        name = path_in_image.rstrip("/").rsplit("/", 1)[-1] or path_in_image
        location["logicalLocations"] = [
            {"name": strip_controls(name), "fullyQualifiedName": strip_controls(path_in_image), "kind": "resource"}
        ]
    return location


def _suppression(justification: str) -> list[dict[str, str]]:
    return [{"kind": "external", "status": "accepted", "justification": strip_controls(justification)}]


def _result(item: Located, rule_index: dict[str, int], report: Report) -> dict[str, Any]:
    finding = item.finding
    properties: dict[str, Any] = {"severity": finding.severity.label, "name": finding.name}
    if finding.aliases:
        properties["aliases"] = list(finding.aliases)
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": _message(item)},
        "locations": [_location(item)],
        "partialFingerprints": {FINGERPRINT_KEY: item.fingerprint},
    }
    if report.baseline is not None or report.new_from_rev is not None:
        result["baselineState"] = "new" if item.suppressed is None else "unchanged"
    if item.suppressed == "baseline":
        result["suppressions"] = _suppression(f"recorded in the baseline {report.baseline}")
    if item.suppressed is not None:
        properties["suppressed"] = item.suppressed
    result["properties"] = properties
    return result


def _absent(finding: Any, fingerprint: str, rule_index: dict[str, int], report: Report) -> dict[str, Any]:
    """A baseline entry no finding matched any more: fixed since the baseline was recorded."""
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact_location(strip_controls(finding.file))}}
    if finding.path_in_image:
        location["logicalLocations"] = [{"fullyQualifiedName": strip_controls(finding.path_in_image), "kind": "resource"}]
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": strip_controls(finding.message)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "baselineState": "absent",
        "suppressions": _suppression(f"fixed: recorded in the baseline {report.baseline} and no longer found"),
        "properties": {"severity": finding.severity.label, "name": finding.name},
    }


def _error_results(report: Report, rule_index: dict[str, int]) -> list[dict[str, Any]]:
    results = []
    for (target, message), fingerprint in zip(report.errors, error_fingerprints(report)):
        physical: dict[str, Any] = {"artifactLocation": artifact_location(strip_controls(target))}
        line = error_line(target, message)
        if line is not None:
            physical["region"] = {"startLine": line}
        result: dict[str, Any] = {
            "ruleId": INPUT_ERROR_RULE,
            "ruleIndex": rule_index[INPUT_ERROR_RULE],
            "level": "error",
            "message": {"text": strip_controls(message) or "input error"},
            "locations": [{"physicalLocation": physical}],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        }
        if report.baseline is not None or report.new_from_rev is not None:
            result["baselineState"] = "new"
        results.append(result)
    return results


def _invocation(report: Report) -> dict[str, Any]:
    notifications = [
        {
            "level": "error",
            "message": {"text": strip_controls(message)},
            "locations": [{"physicalLocation": {"artifactLocation": artifact_location(strip_controls(target))}}],
        }
        for target, message in report.errors
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def document(report: Report) -> dict[str, Any]:
    """The SARIF log as a dictionary."""
    located = locate_all(report)
    rules, rule_index = _rule_table(report, located)
    driver = {
        "name": report.tool_name,
        "version": report.tool_version,
        "semanticVersion": report.tool_version,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    if not re.fullmatch(r"\d+\.\d+\.\d+([-+].*)?", report.tool_version):
        del driver["semanticVersion"]
    return {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [_invocation(report)],
                "results": [_result(item, rule_index, report) for item in located]
                + [_absent(finding, digest, rule_index, report)
                   for finding, digest in zip(report.absent, _absent_prints(report))]
                + _error_results(report, rule_index),
            }
        ],
    }


def render(report: Report, color: bool = False) -> str:
    """The SARIF log as indented JSON (``color`` is ignored)."""
    return json.dumps(document(report), indent=2) + "\n"


def _absent_prints(report: Report) -> list[str]:
    """The fingerprints the baseline recorded for its absent entries (kept on the finding's details)."""
    return [str(finding.details.get("fingerprint", "")) for finding in report.absent]
