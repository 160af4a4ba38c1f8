"""The report formats: every format renders the same findings, parses, and meets its contract.

Reports are built by hand (no engine involved); each test renders a format,
parses the output the way its consumer would (json, XML, workflow commands,
Markdown) and checks what a user or CI system sees. The official schemas in
``shared/external-schemas`` validate SARIF, JUnit and Code Quality output.
"""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from imagepolicy.model import Finding, Report, Rule, Severity, TargetResult
from imagepolicy.plugins.reports import codeclimate, github, imagepolicy_report_formats, junit, sarif, text
from imagepolicy.plugins.reports import json as json_format

DOCKERFILE = "docker/app/Dockerfile"
IMAGE = "build/app.tar"
BROKEN = "broken/Dockerfile"
TRICKY = "FROM python:latest, 100% unpinned: a\x1b[31m red\x07 tag\nsecond line"


def _schemas_dir() -> Path:
    for candidate in (
        Path(__file__).resolve().parents[2] / "shared" / "external-schemas",
        Path("/work/shared/external-schemas"),
    ):
        if candidate.is_dir():
            return candidate
    pytest.skip("external schemas not found in ../shared/external-schemas nor /work/shared/external-schemas")


def _rule(code: str, name: str, severity: str, target: str = "dockerfile", **extra: object) -> Rule:
    docs = f"## What it does\nChecks {name.replace('-', ' ')}.\n\n## Why is this bad?\nIt breaks builds."
    return Rule(code=code, name=name, severity=Severity.parse(severity), target=target,
                summary=f"{name.replace('-', ' ')} summary", docs=docs, **extra)


RULES = {
    r.code: r
    for r in [
        _rule("PY001", "install-before-source", "error"),
        _rule("DF002", "latest-tag", "warning", aliases=("DL3006",)),
        _rule("ST003", "label-style", "style"),
        _rule("IN004", "missing-healthcheck", "info"),
        _rule("SC", "shellcheck", "warning", code_pattern=r"SC\d{4}"),
        _rule("IM001", "world-writable", "warning", target="image"),
        _rule("IM002", "setuid-binary", "error", target="image"),
    ]
}


def _finding(code: str, message: str, line: int | None, file: str | None = DOCKERFILE, *,
             severity: str | None = None, name: str | None = None, **extra: object) -> Finding:
    rule = RULES.get(code) or RULES["SC"]
    return Finding(rule=code, name=name or rule.name, severity=Severity.parse(severity or rule.severity.label),
                   message=message, file=file, line=line, aliases=rule.aliases, **extra)


def make_report(shift: int = 0) -> Report:
    """A Dockerfile with findings, an image with findings, a broken Dockerfile (input error)."""

    def at(line: int) -> int:
        return line + shift

    dockerfile_findings = [
        _finding("PY001", f"pip install at line {at(7)} runs before COPY . at line {at(9)}", at(7),
                 end_line=at(8), fix="COPY requirements.txt first, install, then COPY the rest"),
        _finding("PY001", f"pip install at line {at(12)} runs before COPY . at line {at(14)}", at(12)),
        _finding("DF002", TRICKY, at(3), fix="pin a tag: FROM python:3.12, or a digest"),
        _finding("DF002", TRICKY, at(3)),
        _finding("ST003", "label key 'Maintainer' is not lower-case", at(1)),
        _finding("SC2086", "Double quote to prevent globbing and word splitting: $FILES", at(5),
                 name="shellcheck", severity="info"),
    ]
    image_findings = [
        _finding("IM001", "/etc/app,conf:x is world-writable (mode 0666)", None, IMAGE,
                 path_in_image="/etc/app,conf:x", target=IMAGE, fix="chmod o-w in the RUN that creates it"),
        _finding("IM002", "/usr/bin/sudo is setuid root", at(15), DOCKERFILE,
                 path_in_image="/usr/bin/sudo", target=IMAGE),
    ]
    return Report(
        tool_name="imagepolicy",
        tool_version="0.1.0",
        threshold=Severity.WARNING,
        rules=RULES,
        results=[
            TargetResult(DOCKERFILE, "dockerfile",
                         rules=[RULES[c] for c in ("PY001", "DF002", "ST003", "IN004", "SC")],
                         findings=dockerfile_findings),
            TargetResult(IMAGE, "image", rules=[RULES["IM001"], RULES["IM002"]], findings=image_findings),
            TargetResult(BROKEN, "dockerfile",
                         errors=[f"{BROKEN}: line 2: unknown instruction 'FORM' (did you mean FROM?)"]),
        ],
    )


def make_big_report(errors: int = 15, warnings: int = 12, notices: int = 11) -> Report:
    findings = (
        [_finding("PY001", f"error number {i}", 100 + i) for i in range(errors)]
        + [_finding("DF002", f"warning number {i}", 200 + i) for i in range(warnings)]
        + [_finding("ST003", f"style number {i}", 300 + i) for i in range(notices)]
    )
    return Report("imagepolicy", "0.1.0", [TargetResult(DOCKERFILE, "dockerfile",
                                                        rules=list(RULES.values())[:3], findings=findings)],
                  threshold=None, rules=RULES)


def expected_pairs(report: Report) -> Counter:
    """(rule, line) of every finding: line is the Dockerfile line, None for pure image findings."""
    return Counter((f.rule, f.line) for f in report.findings)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Formats relativise absolute paths against the working directory: make it predictable."""
    monkeypatch.chdir(tmp_path)


# --- registration ----------------------------------------------------------------


def test_every_format_is_registered_and_renders_text():
    formats = {f.name: f for f in imagepolicy_report_formats()}
    assert set(formats) == {"text", "json", "junit", "sarif", "codeclimate", "github", "github-summary"}
    report = make_report()
    for fmt in formats.values():
        out = fmt.render(report, False)
        assert isinstance(out, str) and out.endswith("\n"), fmt.name
        assert fmt.description and not fmt.extension.startswith(".")


# --- text ------------------------------------------------------------------------

_TEXT_LINE = re.compile(r"^(?P<loc>\S.*?) (?P<rule>[A-Z]{2,}\d{3,4}) (?P<sev>error|warning|info|style): (?P<msg>.*)$")


def _text_pairs(out: str) -> Counter:
    pairs = Counter()
    for line in out.splitlines():
        match = _TEXT_LINE.match(line)
        if not match:
            continue
        loc = match["loc"]
        tied = re.search(r"\(.*:(\d+)\)$", loc)
        plain = re.search(r":(\d+)$", loc)
        number = tied or plain
        pairs[(match["rule"], int(number.group(1)) if number else None)] += 1
    return pairs


def test_text_lists_findings_per_target_with_fix_errors_and_summary():
    report = make_report()
    out = text.render(report, color=False)
    lines = out.splitlines()
    assert "\x1b" not in out and "\x07" not in out, "control characters must be shown escaped"
    assert _text_pairs(out) == expected_pairs(report)

    first = lines.index(f"{DOCKERFILE}:1 ST003 style: label key 'Maintainer' is not lower-case")
    py001 = lines.index(f"{DOCKERFILE}:7 PY001 error: pip install at line 7 runs before COPY . at line 9")
    assert lines[py001 + 1] == "  fix: COPY requirements.txt first, install, then COPY the rest"
    assert first < py001, "findings are sorted by line within a target"
    tricky = next(i for i, line in enumerate(lines) if line.startswith(f"{DOCKERFILE}:3 DF002 warning: "))
    assert "\\x1b[31m" in lines[tricky] and "\\x07" in lines[tricky]
    assert lines[tricky + 1] == "    second line", "continuation lines are indented"

    assert f"{IMAGE}:/etc/app,conf:x IM001 warning: /etc/app,conf:x is world-writable (mode 0666)" in lines
    assert any(line.startswith(f"{IMAGE}:/usr/bin/sudo ({DOCKERFILE}:15) IM002 error: ") for line in lines)
    assert f"{BROKEN}: error: line 2: unknown instruction 'FORM' (did you mean FROM?)" in lines
    # the image target's lines come after the Dockerfile's, the broken target last
    assert lines.index(f"{IMAGE}:/etc/app,conf:x IM001 warning: /etc/app,conf:x is world-writable (mode 0666)") > py001
    assert lines[-1] == "8 findings (3 errors, 3 warnings, 1 info, 1 style) in 3 targets; 1 input error"


def test_text_colour_only_when_asked():
    report = make_report()
    coloured = text.render(report, color=True)
    assert "\033[1;31merror\033[0m" in coloured and "\033[33mwarning\033[0m" in coloured
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == text.render(report, color=False)


def test_text_summary_without_findings():
    clean = Report("imagepolicy", "0.1.0", [TargetResult("a/Dockerfile", "dockerfile", rules=[RULES["PY001"]]),
                                            TargetResult("b/Dockerfile", "dockerfile")], threshold=None)
    assert text.render(clean, color=False) == "no findings in 2 targets\n"
    one = Report("imagepolicy", "0.1.0", [TargetResult("Dockerfile", "dockerfile",
                                                       findings=[_finding("PY001", "x", 2, "Dockerfile")])],
                 threshold=None)
    assert text.render(one, color=False).splitlines()[-1] == "1 finding (1 error) in 1 target"


# --- json ------------------------------------------------------------------------


def test_json_has_the_documented_shape_and_order():
    report = make_report()
    doc = json.loads(json_format.render(report, False))
    assert list(doc) == ["version", "tool", "findings", "errors", "summary", "suppressed", "baseline", "new_from_rev"]
    assert (doc["suppressed"], doc["baseline"], doc["new_from_rev"]) == ({"baseline": 0, "outside-change": 0}, None, None)
    assert doc["version"] == 1 and doc["tool"] == {"name": "imagepolicy", "version": "0.1.0"}
    keys = ["rule", "name", "aliases", "severity", "file", "line", "end_line", "path_in_image", "message", "fix"]
    assert all(list(f) == keys for f in doc["findings"])
    order = [(f["file"] or "", f["line"] or 0, -int(Severity.parse(f["severity"])), f["rule"]) for f in doc["findings"]]
    assert order == sorted(order)
    assert Counter((f["rule"], f["line"]) for f in doc["findings"]) == expected_pairs(report)
    im001 = next(f for f in doc["findings"] if f["rule"] == "IM001")
    assert im001["line"] is None and im001["path_in_image"] == "/etc/app,conf:x"
    assert next(f for f in doc["findings"] if f["rule"] == "DF002")["aliases"] == ["DL3006"]
    assert any(f["message"] == TRICKY for f in doc["findings"]), "JSON keeps the message as found"
    assert doc["errors"] == [{"target": BROKEN, "message": report.results[2].errors[0]}]
    assert doc["summary"] == {"error": 3, "warning": 3, "info": 1, "style": 1}


# --- junit -----------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _junit_pairs(root: ET.Element) -> Counter:
    return Counter(
        (case.get("name").split()[0], int(case.get("line")) if case.get("line") else None)
        for case in root.iter("testcase") if case.find("failure") is not None
    )


def test_junit_cases_counts_names_and_texts():
    report = make_report()
    out = junit.render(report, False)
    assert not _CONTROL.search(out)
    root = ET.fromstring(out.encode())
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [DOCKERFILE, IMAGE, BROKEN]
    assert _junit_pairs(root) == expected_pairs(report)

    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("errors")) == sum(c.find("error") is not None for c in cases)
    for case in root.iter("testcase"):
        # Jenkins splits the classname at its last dot: the package must be the file, the class the rule code.
        package, _, cls = case.get("classname").rpartition(".")
        assert package == case.get("file"), case.attrib
        if case.find("failure") is not None:
            assert cls == case.get("name").split()[0]
    for attr in ("tests", "failures", "errors"):
        assert int(root.get(attr)) == sum(int(s.get(attr)) for s in suites)
    # one passing case for the Dockerfile (IN004 ran without findings), 8 findings, 1 input error
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("10", "8", "1")

    keys = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")]
    assert len(keys) == len(set(keys)), "GitLab drops testcases whose classname and name repeat"
    names = {c.get("name") for c in suites[0]}
    assert "IN004 missing-healthcheck" not in names, "passing cases are one per target by default"
    [passing] = [c for c in suites[0] if c.get("name") == "rules without findings"]
    assert passing.get("classname") == f"{DOCKERFILE}.imagepolicy" and passing.find("failure") is None
    assert "IN004 missing-healthcheck" in passing.find("system-out").text and "SC shellcheck" not in passing.find("system-out").text
    assert not [c for c in suites[1] if c.find("failure") is None], "every image rule had a finding: no passing case"
    assert {"PY001 install-before-source (line 7)", "DF002 latest-tag (line 3)", "DF002 latest-tag (line 3) #2"} <= names

    case = next(c for c in suites[0] if c.get("name") == "PY001 install-before-source (line 7)")
    assert (case.get("file"), case.get("line")) == (DOCKERFILE, "7")
    failure = case.find("failure")
    assert failure.get("type") == "error"
    assert failure.get("message") == "pip install at line 7 runs before COPY . at line 9"
    assert "Fix: COPY requirements.txt first" in failure.text
    assert f"{DOCKERFILE}:7" in failure.text and "imagepolicy explain PY001" in failure.text
    tricky = next(c for c in suites[0] if c.get("name") == "DF002 latest-tag (line 3)").find("failure")
    assert tricky.get("type") == "warning" and "[31m red tag" in tricky.get("message")

    image_case = next(c for c in suites[1] if c.get("name").startswith("IM001"))
    assert image_case.get("name") == "IM001 world-writable (/etc/app,conf:x)" and image_case.get("file") == IMAGE
    error_case = suites[2].find("testcase")
    assert error_case.find("error").get("message") == report.results[2].errors[0]


def test_junit_passing_cases_per_rule_on_request():
    report = dataclasses.replace(make_report(), format_options={"junit-passing": "rule"})
    root = ET.fromstring(junit.render(report, False).encode())
    passing = [c for c in root.iter("testcase") if c.find("failure") is None and c.find("error") is None]
    # rules without findings pass; the family ran with a finding, so it does not
    assert [(c.get("classname"), c.get("name")) for c in passing] == [(f"{DOCKERFILE}.IN004", "IN004 missing-healthcheck")]


def test_junit_classnames_of_dotted_paths_split_into_the_file_in_jenkins():
    path = "service.v2/Dockerfile.broken"
    report = Report("imagepolicy", "0.1.0", [TargetResult(path, "dockerfile", rules=[RULES["PY001"], RULES["IN004"]],
                                                          findings=[_finding("PY001", "x", 4, path)],
                                                          errors=[f"{path}:9: unknown instruction 'FORM'"])],
                    threshold=None, rules=RULES)
    cases = ET.fromstring(junit.render(report, False).encode()).findall("testsuite/testcase")
    assert [c.get("classname").rpartition(".") for c in cases] == [
        (path, ".", "imagepolicy"), (path, ".", "PY001"), (path, ".", "input-error")]


def test_junit_validates_against_the_xunit_schema():
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is a test dependency (pyproject test extra)")
    schema = xmlschema.XMLSchema(str(_schemas_dir() / "junit-10.xsd"))
    for report in (make_report(), make_big_report(), Report("imagepolicy", "0.1.0", [], threshold=None)):
        root = ET.fromstring(junit.render(report, False).encode())
        for element in (root, *root.iter("testsuite")):
            assert re.fullmatch(r"\d+\.\d{3}", element.get("time")), "SUREFIRE_TIME: at most 3 decimals"
        for case in root.iter("testcase"):  # kept on purpose for GitLab/GitHub; unknown to this XSD
            case.attrib.pop("file", None)
            case.attrib.pop("line", None)
        schema.validate(root)


# --- sarif -----------------------------------------------------------------------


def _sarif(report: Report) -> dict:
    return json.loads(sarif.render(report, False))


def test_sarif_validates_and_describes_rules_results_and_errors():
    from jsonschema import Draft7Validator

    report = make_report()
    doc = _sarif(report)
    validator = Draft7Validator(json.loads((_schemas_dir() / "sarif-2.1.0.json").read_text()))
    problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]
    assert not problems, problems
    assert doc["version"] == "2.1.0" and doc["$schema"]
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "imagepolicy" and driver["version"] == "0.1.0" and driver["informationUri"]
    ids = [r["id"] for r in driver["rules"]]
    assert set(ids) >= {"PY001", "DF002", "ST003", "IN004", "SC", "IM001", "IM002", "SC2086"}
    py001 = driver["rules"][ids.index("PY001")]
    assert py001["name"] == "InstallBeforeSource"
    assert py001["help"]["markdown"] == RULES["PY001"].docs == py001["help"]["text"]
    assert py001["shortDescription"]["text"] == RULES["PY001"].summary
    assert py001["fullDescription"]["text"] == "Checks install before source.", "first paragraph, heading dropped"
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}
    assert (levels["PY001"], levels["DF002"], levels["IN004"], levels["ST003"]) == ("error", "warning", "note", "note")

    results = [r for r in run["results"] if r["ruleId"] != "input-error"]
    assert all(driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert not any("baselineState" in r for r in run["results"]), "no baseline, no --new-from-rev: no baselineState"
    pairs = Counter((r["ruleId"], r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"))
                    for r in results)
    assert pairs == expected_pairs(report)
    first = next(r for r in results if r["ruleId"] == "PY001")
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": DOCKERFILE, "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 7, "endLine": 8}
    assert first["message"]["text"] == ("pip install at line 7 runs before COPY . at line 9"
                                        " Fix: COPY requirements.txt first, install, then COPY the rest")
    image = next(r for r in results if r["ruleId"] == "IM001")
    assert image["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == IMAGE
    assert image["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "/etc/app,conf:x"
    assert not any(_CONTROL.search(r["message"]["text"]) for r in results)
    prints = [r["partialFingerprints"]["imagepolicy/v1"] for r in results]
    assert len(set(prints)) == len(prints)

    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "unknown instruction 'FORM'" in note["message"]["text"]
    # ... and a result of its own, so code scanning shows an alert for the Dockerfile that cannot build
    (error,) = [r for r in run["results"] if r["ruleId"] == "input-error"]
    assert error["level"] == "error" and "unknown instruction 'FORM'" in error["message"]["text"]
    assert error["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": BROKEN, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 2}}
    assert driver["rules"][error["ruleIndex"]]["defaultConfiguration"]["level"] == "error"
    assert error["partialFingerprints"]["imagepolicy/v1"] not in prints


def test_sarif_uses_relative_uris_for_absolute_paths_under_the_working_directory(tmp_path):
    absolute = str(tmp_path / "sub dir" / "Dockerfile")
    report = Report("imagepolicy", "0.1.0", [TargetResult(absolute, "dockerfile",
                                                          findings=[_finding("PY001", "x", 3, absolute)])],
                    threshold=None, rules=RULES)
    (result,) = _sarif(report)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "sub%20dir/Dockerfile", "uriBaseId": "%SRCROOT%"}
    assert _sarif(report)["runs"][0]["invocations"][0]["executionSuccessful"] is True


# --- codeclimate -----------------------------------------------------------------


def test_codeclimate_items_validate_and_map_severities():
    from jsonschema import Draft7Validator

    report = make_report()
    issues = json.loads(codeclimate.render(report, False))
    validator = Draft7Validator(json.loads((_schemas_dir() / "gitlab-codeclimate.json").read_text()))
    for issue in issues:
        problems = [e.message for e in validator.iter_errors(issue)]
        assert not problems, (issue, problems)
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    findings = [i for i in issues if i["check_name"] != "input-error"]
    expected = Counter((rule, line or 1) for (rule, line), n in expected_pairs(report).items() for _ in range(n))
    assert Counter((i["check_name"], i["location"]["lines"]["begin"]) for i in findings) == expected
    severity = {i["check_name"]: i["severity"] for i in findings}
    assert (severity["PY001"], severity["DF002"], severity["SC2086"], severity["ST003"]) == (
        "critical", "major", "minor", "info")
    (error,) = [i for i in issues if i["check_name"] == "input-error"]
    assert error["severity"] == "blocker" and error["location"]["path"] == BROKEN
    im002 = next(i for i in findings if i["check_name"] == "IM002")
    assert im002["location"] == {"path": DOCKERFILE, "lines": {"begin": 15}}
    im001 = next(i for i in findings if i["check_name"] == "IM001")
    assert im001["location"] == {"path": IMAGE, "lines": {"begin": 1}}
    assert all(i["categories"] for i in issues)
    assert not any(_CONTROL.search(i["description"]) for i in issues)


# --- github ----------------------------------------------------------------------

_COMMAND = re.compile(r"^::(?P<level>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def _unescape(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_commands(out: str) -> list[tuple[str, dict[str, str], str]]:
    """Parse workflow commands the way the runner does: split properties on ',' and '='."""
    parsed = []
    for line in out.splitlines():
        match = _COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in match["props"].split(",")) if match["props"] else {}
        parsed.append((match["level"], {k: _unescape(v) for k, v in props.items()}, _unescape(match["data"])))
    return parsed


def test_github_annotations_are_escaped_and_complete():
    report = make_report()
    commands = parse_commands(github.render(report, False))
    assert len(commands) == len(report.findings) + len(report.errors), "under the cap, nothing is dropped"
    assert commands[0] == ("error", {"file": BROKEN, "line": "2", "title": "input error"}, report.results[2].errors[0])
    findings = commands[1:]
    levels = [level for level, _, _ in findings]
    assert levels == sorted(levels, key=["error", "warning", "notice"].index), "most severe first"
    pairs = Counter((p["title"].split()[0], int(p["line"]) if "line" in p else None) for _, p, _ in findings)
    assert pairs == expected_pairs(report)

    level, props, data = next(c for c in findings if c[1]["title"] == "PY001 install-before-source" and c[1]["line"] == "7")
    assert (level, props["file"], props["endLine"]) == ("error", DOCKERFILE, "8")
    assert data == ("pip install at line 7 runs before COPY . at line 9\n\n"
                    "Fix: COPY requirements.txt first, install, then COPY the rest")
    tricky = [c for c in findings if c[1]["title"] == "DF002 latest-tag"]
    assert len(tricky) == 2 and tricky[0][0] == "warning"
    assert tricky[0][2].startswith("FROM python:latest, 100% unpinned: a[31m red tag\nsecond line")
    image = next(c for c in findings if c[1]["title"] == "IM001 world-writable")
    assert image[1] == {"file": IMAGE, "title": "IM001 world-writable"}
    notices = {c[1]["title"] for c in findings if c[0] == "notice"}
    assert notices == {"SC2086 shellcheck", "ST003 label-style"}


def test_github_escaping_of_data_and_properties():
    line = github.command("warning", "50% done\r\nnext: a,b", file="we,ird:name.txt", line=3, title="T: x")
    assert line == "::warning file=we%2Cird%3Aname.txt,line=3,title=T%3A x::50%25 done%0D%0Anext: a,b"
    assert github.escape_data("a\x1b[0m\x00b") == "a[0mb"


def test_github_caps_annotations_per_level_and_says_how_many_were_hidden():
    report = make_big_report(errors=15, warnings=12, notices=11)
    commands = parse_commands(github.render(report, False))
    by_level = Counter(level for level, _, _ in commands)
    assert by_level == {"error": 10, "warning": 10, "notice": 10}
    *shown, last = commands
    assert last[0] == "notice" and not last[1]
    hidden = len(report.findings) - len(shown)
    assert hidden == 5 + 2 + 2
    assert last[2].startswith(f"{hidden} more findings not shown as annotations (5 errors, 2 warnings, 2 notices)")
    shown_errors = [p["line"] for level, p, _ in shown if level == "error"]
    assert shown_errors == [str(100 + i) for i in range(10)], "the first errors by position are kept"


def test_github_no_cap_note_when_everything_fits():
    commands = parse_commands(github.render(make_big_report(errors=10, warnings=10, notices=10), False))
    assert len(commands) == 30 and all(p for _, p, _ in commands)


def _summary_rows(markdown: str) -> list[list[str]]:
    rows = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith(("| Severity", "| ---")):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_github_step_summary_tables_and_escaping():
    report = make_report()
    markdown = github.step_summary(report)
    assert markdown.startswith("## imagepolicy 0.1.0 report\n")
    assert "8 findings (3 errors, 3 warnings, 1 info, 1 style) in 3 targets; 1 input error" in markdown
    assert "### Input errors" in markdown and "unknown instruction 'FORM'" in markdown
    rows = _summary_rows(markdown)
    assert len(rows) == len(report.findings) and all(len(r) == 4 for r in rows)
    pairs = Counter(
        (r[1].split()[0], int(m.group(1)) if (m := re.search(r"(\d+)(?:-\d+)?\)?$", r[2])) else None) for r in rows)
    assert pairs == expected_pairs(report)
    tricky = next(r for r in rows if r[1].startswith("DF002"))
    assert tricky[3].startswith("FROM python:latest, 100% unpinned: a\\[31m red tag<br>second line")
    assert "\x1b" not in markdown and "\x07" not in markdown
    assert any(r[2] == "/usr/bin/sudo (docker/app/Dockerfile:15)" for r in rows)
    assert markdown == github.render_summary(report, False)


def test_github_step_summary_stays_under_the_limit():
    rows = 20
    report = make_big_report(errors=rows, warnings=0, notices=0)
    small = github.step_summary(report, limit=1024 + 600)
    assert len(small.encode()) <= 1024 + 600
    kept = len(_summary_rows(small))
    assert 0 < kept < rows
    assert f"_{rows - kept} more rows not shown: GitHub limits a step summary to 1 MiB." in small

    long_message = "é" * 5000
    huge = Report("imagepolicy", "0.1.0", [TargetResult(DOCKERFILE, "dockerfile", findings=[
        _finding("PY001", long_message, i) for i in range(1, 400)])], threshold=None, rules=RULES)
    markdown = github.step_summary(huge)
    assert len(markdown.encode()) <= 1024 * 1024
    assert "more rows not shown" in markdown


# --- across formats --------------------------------------------------------------


def test_fingerprints_survive_a_line_shift():
    before, after = make_report(), make_report(shift=3)
    assert [f.line + 3 for f in before.findings if f.line] == [f.line for f in after.findings if f.line]

    def prints(report: Report) -> tuple[list[str], list[str]]:
        results = _sarif(report)["runs"][0]["results"]
        return ([r["partialFingerprints"]["imagepolicy/v1"] for r in results],
                [i["fingerprint"] for i in json.loads(codeclimate.render(report, False))])

    assert prints(before) == prints(after)
    changed = make_report()
    changed.results[0].findings[0] = dataclasses.replace(changed.results[0].findings[0], message="something else")
    assert prints(changed)[0] != prints(before)[0]


def test_every_format_reports_the_same_findings():
    report = make_report()
    expected = expected_pairs(report)
    assert _text_pairs(text.render(report, False)) == expected
    doc = json.loads(json_format.render(report, False))
    assert Counter((f["rule"], f["line"]) for f in doc["findings"]) == expected
    assert _junit_pairs(ET.fromstring(junit.render(report, False).encode())) == expected
    results = [r for r in _sarif(report)["runs"][0]["results"] if r["ruleId"] != "input-error"]
    assert Counter((r["ruleId"], r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"))
                   for r in results) == expected
    issues = [i for i in json.loads(codeclimate.render(report, False)) if i["check_name"] != "input-error"]
    assert Counter((i["check_name"], i["location"]["lines"]["begin"]) for i in issues) == Counter(
        (rule, line or 1) for rule, line in expected.elements())
    commands = parse_commands(github.render(report, False))
    assert Counter((p["title"].split()[0], int(p["line"]) if "line" in p else None)
                   for _, p, _ in commands if p["title"] != "input error") == expected
    assert len(_summary_rows(github.step_summary(report))) == sum(expected.values())


def test_hostile_text_from_an_image_cannot_break_any_format():
    """Paths in an image may hold NUL, escapes and undecodable bytes (surrogates)."""
    path = "/opt/bad\udcffname\x00\x1b]0;pwned\x07"
    report = Report("imagepolicy", "0.1.0", [TargetResult(IMAGE, "image", rules=[RULES["IM001"]], findings=[
        _finding("IM001", f"{path} is world-writable", None, IMAGE, path_in_image=path, target=IMAGE)])],
        threshold=None, rules=RULES)
    for fmt in imagepolicy_report_formats():
        out = fmt.render(report, True)
        out.encode("utf-8")  # writable to a UTF-8 stream
        assert "\x00" not in out and "\x07" not in out, fmt.name
        assert "\x1b]" not in out, f"{fmt.name}: a terminal escape got through"
    ET.fromstring(junit.render(report, False).encode())
    assert len(parse_commands(github.render(report, False))) == 1


def test_image_finding_with_a_line_but_no_dockerfile_path_is_never_placed_in_the_archive():
    """The engine's default for image findings is file=<image>; a line then names no file we know."""
    finding = _finding("IM002", "/usr/bin/su is setuid root", 20, IMAGE, path_in_image="/usr/bin/su",
                       target=IMAGE, end_line=20)
    report = Report("imagepolicy", "0.1.0", [TargetResult(IMAGE, "image", rules=[RULES["IM002"]],
                                                          findings=[finding])], threshold=None, rules=RULES)
    assert text.render(report, False).splitlines()[0] == (
        f"{IMAGE}:/usr/bin/su (line 20) IM002 error: /usr/bin/su is setuid root")
    (result,) = _sarif(report)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": IMAGE, "uriBaseId": "%SRCROOT%"}}
    (issue,) = json.loads(codeclimate.render(report, False))
    assert issue["location"] == {"path": IMAGE, "lines": {"begin": 1}}
    ((_, props, _),) = parse_commands(github.render(report, False))
    assert props == {"file": IMAGE, "title": "IM002 setuid-binary"}
    case = ET.fromstring(junit.render(report, False).encode()).find("testsuite/testcase")
    assert case.get("file") == IMAGE and case.get("line") is None
    assert case.get("name") == "IM002 setuid-binary (/usr/bin/su)"
    assert "| /usr/bin/su (line 20) |" in github.step_summary(report)


def test_github_annotations_fit_the_runners_4096_characters_and_keep_the_fix():
    long_message = "PY001 found " + "a very long explanation, " * 400 + "END"
    fix = "Move `COPY src/ ./src/` (line 6) above this RUN (line 4)."
    report = Report("imagepolicy", "0.1.0", [TargetResult(DOCKERFILE, "dockerfile", findings=[
        _finding("PY001", long_message, 4, fix=fix),
        _finding("PY001", "short", 9, fix="x" * 5000),
        _finding("PY001", "𝄞" * 3000, 12, fix=fix)])], threshold=None, rules=RULES)
    commands = parse_commands(github.render(report, False))
    assert len(commands) == 3
    for _, _, data in commands:
        assert len(data.encode("utf-16-le")) // 2 <= 4096, "the runner counts UTF-16 code units"
    first, second, third = (data for _, _, data in commands)
    assert first.endswith("\n\nFix: " + fix) and first.startswith("PY001 found a very long explanation")
    assert "(shortened: the step summary and the JSON and SARIF reports have the whole message)" in first
    assert second.startswith("short\n\nFix: xxx") and "shortened" in second, "a huge fix is shortened too"
    assert third.endswith("\n\nFix: " + fix)
    untouched = parse_commands(github.render(make_report(), False))
    assert not any("shortened" in data for _, _, data in untouched), "short messages stay as they are"


def test_every_format_counts_what_a_baseline_and_new_from_rev_set_aside():
    from imagepolicy.model import Suppressed

    report = make_report()
    moved = report.results[0].findings[4:]
    report.results[0].findings = report.results[0].findings[:4]
    report.results[0].suppressed = [Suppressed(moved[0], "baseline"), Suppressed(moved[1], "outside-change")]
    report.baseline, report.new_from_rev = ".imagepolicy-baseline.json", "main (merge base 0123456789ab)"
    report.absent = [Finding(rule="PY001", name="install-before-source", severity=Severity.ERROR, message="gone",
                             file=DOCKERFILE, details={"fingerprint": "f" * 64})]
    summary = ("6 findings (3 errors, 3 warnings) in 3 targets; 1 input error; 1 finding in the baseline "
               ".imagepolicy-baseline.json not shown (1 of its entries fixed); 1 finding outside the change since "
               "main (merge base 0123456789ab) not shown")
    assert text.render(report, False).splitlines()[-1] == summary
    assert markdown_summary_line(github.step_summary(report)) == summary
    doc = json.loads(json_format.render(report, False))
    assert doc["suppressed"] == {"baseline": 1, "outside-change": 1} and len(doc["findings"]) == 6
    assert doc["baseline"]["absent"][0]["message"] == "gone"
    results = _sarif(report)["runs"][0]["results"]
    states = Counter((r["baselineState"], "suppressions" in r) for r in results)
    assert states == {("new", False): 6 + 1, ("unchanged", True): 1, ("unchanged", False): 1, ("absent", True): 1}
    absent = next(r for r in results if r["baselineState"] == "absent")
    assert absent["partialFingerprints"]["imagepolicy/v1"] == "f" * 64
    # Fingerprints do not depend on what was set aside: the same as without the baseline.
    whole = {r["partialFingerprints"]["imagepolicy/v1"] for r in _sarif(make_report())["runs"][0]["results"]}
    assert {r["partialFingerprints"]["imagepolicy/v1"] for r in results if r["baselineState"] != "absent"} == whole
    # GitLab diffs Code Quality reports itself: findings outside the change stay (else they would show as fixed)
    assert len(json.loads(codeclimate.render(report, False))) == 6 + 1 + 1
    assert len(parse_commands(github.render(report, False))) == 6 + 1


def markdown_summary_line(markdown: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith("**")).strip("*").replace("\\", "")
