"""Automatic fixes as users run them: `imagepolicy fix`, `--diff`, `--unsafe`, `check --fix`, and the fix contract.

The rules' own fixes are tested in each rule's module (``fixcases.fix_tests``);
here: the core that applies them (rounds, re-checks, dropped fixes), what the
command line prints, writes and exits with, and a third party's rules offering
fixes through the same data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import clirun
from fixcases import buildkit_parses
from imagepolicy.fixes import SourceText, apply_edits
from imagepolicy.model import Edit, Fix, InputError
from imagepolicy.testing import PolicyTester
from ruletest import registry

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "service"


def run(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """``imagepolicy ARGS``: in this process (``clirun``), or in a child when ``env`` sets PYTHONPATH (a plugin's folder)."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    if "PYTHONPATH" in (env or {}):
        return subprocess.run([sys.executable, "-m", "imagepolicy", *args], cwd=cwd, input=stdin, capture_output=True,
                              text=True, timeout=120, env=full_env)
    return clirun.run(*args, cwd=cwd, env=full_env, input=stdin)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the bundled example, outside any config of this repository."""
    dest = tmp_path / "service"
    shutil.copytree(EXAMPLE, dest)
    (dest / ".git").mkdir()
    return dest


# --- the data and the core ----------------------------------------------------------------


def test_edits_apply_by_line_and_column_and_refuse_overlaps_and_positions_outside():
    text = "FROM a\nRUN x\n"
    assert apply_edits(text, [Edit.insert(2, 6, " -y"), Edit(1, 6, 1, 7, "b")]) == "FROM b\nRUN x -y\n"
    assert apply_edits(text, [Edit.insert(3, 1, "CMD y\n")]) == text + "CMD y\n"
    assert apply_edits(text, [Edit.delete(2, 1, 3, 1)]) == "FROM a\n"
    with pytest.raises(ValueError, match="overlap"):
        apply_edits(text, [Edit(1, 1, 1, 5, "x"), Edit(1, 3, 1, 4, "y")])
    with pytest.raises(ValueError, match="outside"):
        apply_edits(text, [Edit.insert(2, 9, "x")])
    assert Fix((Edit(1, 1, 1, 5, "x"), Edit.insert(1, 3, "y")), "two").problem() is not None
    assert Fix((), "none").problem() == "a fix needs at least one edit"
    assert Edit(2, 1, 1, 1).problem() is not None


def test_source_text_keeps_bom_and_crlf_and_refuses_mixed_line_endings():
    source = SourceText.decode("\ufeffFROM a\r\nRUN x\r\n".encode(), "Dockerfile")
    assert source.text == "FROM a\nRUN x\n"
    assert source.encode("FROM a\nRUN x -y\n") == "\ufeffFROM a\r\nRUN x -y\r\n".encode()
    with pytest.raises(InputError, match="mixed"):
        SourceText.decode(b"FROM a\r\nRUN x\rRUN y\n", "Dockerfile")


def test_every_rule_with_fixes_documents_them_and_only_those_do():
    for rule in registry().rules:
        documented = "\n## Fix\n" in rule.docs
        assert documented == bool(rule.autofix), f"{rule.code}: autofix={rule.autofix!r} but a '## Fix' section: {documented}"
        if rule.autofix:
            section = rule.docs.split("\n## Fix\n", 1)[1].split("\n## ", 1)[0].lower()
            assert "safe" in section, f"{rule.code}: its Fix section does not say whether the fix is safe"
            if rule.autofix == "sometimes":
                assert "unsafe" in section, f"{rule.code}: its Fix section does not say when the fix is unsafe"


def test_two_fixes_at_one_place_take_two_rounds(tmp_path):
    result = PolicyTester(tmp_path).fix_dockerfile(
        "FROM debian:12\nRUN apt-get install curl=7.88.1-10+deb12u8\n", unsafe=True)
    assert result.text == "FROM debian:12\nRUN apt-get install --no-install-recommends -y curl=7.88.1-10+deb12u8\n"
    assert [a.codes for a in result.applied] == [("DL3014",), ("DL3015",)]
    assert result.check.codes() == []


def test_ignored_findings_are_not_fixed(tmp_path):
    tester = PolicyTester(tmp_path)
    pragma = tester.fix_dockerfile("FROM python:3.12-slim\n# hadolint ignore=DL3042\nRUN pip install requests==2.32.3\n")
    assert pragma.applied == [] and "--no-cache-dir" not in pragma.text
    config = tester.fix_dockerfile("FROM python:3.12-slim\nRUN pip install requests==2.32.3\n", config={"rules": {"DL3042": "off"}})
    assert config.applied == [] and "--no-cache-dir" not in config.text


# --- a third party's fixes, and what the core does with bad ones ----------------------------

THIRD_PARTY = '''
"""acme_fixes: rules whose fixes are good, break parsing, add a finding, fix nothing, or are malformed."""
from imagepolicy import hookimpl
from imagepolicy.model import Edit, Fix, Violation, rule


def _label_missing(dockerfile):
    return not any(i.keyword == "LABEL" for i in dockerfile.instructions)


@rule("AF001", "acme-owner-label", "info", "dockerfile", "No owner label", autofix="safe")
def owner(dockerfile, ctx):
    if _label_missing(dockerfile):
        end = dockerfile.stages[-1].from_instruction.line
        yield Violation("no owner label", line=end, fix="add one",
                        autofix=Fix((Edit.insert(end + 1, 1, "LABEL org.example.owner=acme\\n"),), "add the owner label"))


@rule("AF002", "acme-breaks-parsing", "info", "dockerfile", "Offers a fix that does not parse", autofix="safe")
def breaks(dockerfile, ctx):
    if "ACME-BREAK" in dockerfile.text:
        yield Violation("break", line=1, fix="x", autofix=Fix((Edit.insert(2, 1, "FRMO nothing\\n"),), "write nonsense"))


@rule("AF003", "acme-adds-finding", "info", "dockerfile", "Offers a fix that adds another finding", autofix="unsafe")
def adds(dockerfile, ctx):
    if "ACME-ADD" in dockerfile.text:
        yield Violation("add", line=1, fix="x",
                        autofix=Fix((Edit.insert(2, 1, "RUN pip install requests\\n"),), "install requests", safe=False))


@rule("AF004", "acme-fixes-nothing", "info", "dockerfile", "Offers a fix that leaves its finding", autofix="safe")
def nothing(dockerfile, ctx):
    if "ACME-NOTHING" in dockerfile.text:
        yield Violation("nothing", line=1, fix="x", autofix=Fix((Edit.insert(2, 1, "# acme\\n"),), "add a comment"))


@rule("AF005", "acme-malformed", "info", "dockerfile", "Offers a fix outside the file", autofix="safe")
def malformed(dockerfile, ctx):
    if "ACME-MALFORMED" in dockerfile.text:
        yield Violation("malformed", line=1, fix="x", autofix=Fix((Edit.insert(99, 1, "x"),), "write past the end"))


@rule("AF006", "acme-undeclared", "info", "dockerfile", "Returns a fix without declaring one")
def undeclared(dockerfile, ctx):
    if "ACME-UNDECLARED" in dockerfile.text:
        yield Violation("undeclared", line=1, fix="x", autofix=Fix((Edit.insert(2, 1, "# x\\n"),), "comment"))


@hookimpl
def imagepolicy_rules():
    return [owner, breaks, adds, nothing, malformed, undeclared]
'''


@pytest.fixture
def acme(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "pkgs"
    folder.mkdir()
    (folder / "acme_fixes.py").write_text(textwrap.dedent(THIRD_PARTY), encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_a_third_party_rule_offers_a_fix_through_the_same_data(acme, tmp_path):
    result = PolicyTester(tmp_path / "t", plugins=["acme_fixes"]).fix_dockerfile('FROM python:3.12-slim\nCMD ["python"]\n')
    assert result.text == 'FROM python:3.12-slim\nLABEL org.example.owner=acme\nCMD ["python"]\n'
    assert result.codes_fixed() == ["AF001"] and result.check.of("AF001") == []


@pytest.mark.parametrize("marker,code,reason", [
    ("ACME-BREAK", "AF002", "the fixed file would not parse: "),
    ("ACME-ADD", "AF003", "it would add DL3013 at line 2: "),
    ("ACME-NOTHING", "AF004", "AF004 is still reported after the fix"),
    ("ACME-MALFORMED", "AF005", "the rule's fix is malformed: line 99 is outside the file"),
])
def test_a_fix_that_breaks_parsing_adds_a_finding_or_fixes_nothing_is_dropped_and_said(acme, tmp_path, marker, code, reason):
    text = f'FROM python:3.12-slim\nLABEL x=y\n# {marker}\nCMD ["python"]\n'
    result = PolicyTester(tmp_path / "t", plugins=["acme_fixes"]).fix_dockerfile(text, unsafe=True)
    assert result.text == text
    (dropped,) = result.dropped
    assert dropped.codes == (code,) and dropped.reason.startswith(reason), dropped.reason
    assert result.check.of(code), "the finding stays"


def test_the_other_fixes_of_a_round_stand_when_one_is_dropped(acme, tmp_path):
    text = 'FROM python:3.12-slim\nRUN pip install flask==3.0.3\n# ACME-NOTHING\nCMD ["python"]\n'
    result = PolicyTester(tmp_path / "t", plugins=["acme_fixes"]).fix_dockerfile(text)
    assert result.codes_fixed() == ["AF001", "DL3042"]
    assert [d.codes for d in result.dropped] == [("AF004",)]
    assert "LABEL org.example.owner=acme" in result.text and "--no-cache-dir" in result.text


def test_an_undeclared_fix_is_ignored_with_a_note(acme, tmp_path):
    work = tmp_path / "work"  # the checked tree; the plugin is installed outside it
    (work / ".git").mkdir(parents=True)
    (work / ".imagepolicy.yml").write_text("version: 1\nplugins: [acme_fixes]\n")
    (work / "Dockerfile").write_text('FROM python:3.12-slim\nLABEL x=y\n# ACME-UNDECLARED\nCMD ["python"]\n')
    proc = run("fix", "--diff", cwd=work, env={"PYTHONPATH": str(acme)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "rule AF006 (acme_fixes) returns automatic fixes but does not declare them" in proc.stderr


# --- the command line --------------------------------------------------------------------------


def test_fix_turns_the_broken_example_into_one_without_findings_it_can_fix(example):
    before = {p.name: p.read_text() for p in example.glob("Dockerfile*")}
    proc = run("fix", ".", cwd=example)
    assert proc.returncode == 0, proc.stderr
    assert "Dockerfile.broken:4: fixed PY001: move `COPY src/ ./src/` above the RUN at line 4" in proc.stdout
    assert "Dockerfile.multistage:9: fixed SC3001: write <(pip freeze) to a temporary file" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "imagepolicy: fixed 2 findings in 2 files; 1 finding left"
    assert (example / "Dockerfile.broken").read_text() == before["Dockerfile.broken"].replace(
        "COPY pyproject.toml README.md ./\n", "COPY pyproject.toml README.md ./\nCOPY src/ ./src/\n"
    ).replace("pip install --no-cache-dir -e .\nCOPY src/ ./src/\n", "pip install --no-cache-dir -e .\n")
    assert (example / "Dockerfile").read_text() == before["Dockerfile"]
    for name in before:
        buildkit_parses((example / name).read_text())
    check = run("check", ".", "--format", "json", cwd=example)
    assert [f["rule"] for f in json.loads(check.stdout)["findings"]] == ["DL3013"]
    again = run("fix", ".", cwd=example)
    assert again.stdout.splitlines()[-1] == "imagepolicy: fixed 0 findings in 0 files; 1 finding left"


def test_diff_prints_a_unified_diff_changes_nothing_and_exits_1(example):
    before = (example / "Dockerfile.broken").read_text()
    proc = run("fix", "--diff", "Dockerfile.broken", "Dockerfile", cwd=example)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == (
        "--- a/Dockerfile.broken\n+++ b/Dockerfile.broken\n@@ -1,7 +1,7 @@\n FROM python:3.12-slim\n WORKDIR /app\n"
        " COPY pyproject.toml README.md ./\n+COPY src/ ./src/\n RUN pip install --no-cache-dir -U pip wheel && \\\n"
        "     pip install --no-cache-dir -e .\n-COPY src/ ./src/\n CMD [\"datastore\"]\n"
    )
    assert "Dockerfile.broken:4: would fix PY001" in proc.stderr
    assert (example / "Dockerfile.broken").read_text() == before
    clean = run("fix", "--diff", "Dockerfile", cwd=example)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_unsafe_fixes_wait_for_unsafe_and_the_summary_says_how_many(tmp_path):
    (tmp_path / ".git").mkdir()
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:12\nRUN apt-get install -y curl=7.88.1-10+deb12u8\n")
    safe = run("fix", cwd=tmp_path)
    assert safe.returncode == 0
    assert safe.stdout.splitlines()[-1] == "imagepolicy: fixed 0 findings in 0 files; 1 finding left (1 fixable with --unsafe)"
    assert "--no-install-recommends" not in dockerfile.read_text()
    unsafe = run("fix", "--unsafe", cwd=tmp_path)
    assert unsafe.stdout.splitlines() == ["Dockerfile:2: fixed DL3015: add --no-install-recommends",
                                          "imagepolicy: fixed 1 finding in 1 file; 0 findings left"]
    assert dockerfile.read_text() == "FROM debian:12\nRUN apt-get install --no-install-recommends -y curl=7.88.1-10+deb12u8\n"


def test_check_fix_writes_the_fixes_then_reports_what_is_left_in_the_chosen_format(example):
    proc = run("check", "--fix", ".", "--format", "json", cwd=example)
    assert proc.returncode == 0, proc.stderr  # DL3013 is a warning: below the default threshold
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["DL3013"]
    assert "Dockerfile.broken:4: fixed PY001" in proc.stderr
    assert "COPY src/ ./src/\nRUN" in (example / "Dockerfile.broken").read_text()
    usage = run("check", "--unsafe", ".", cwd=example)
    assert usage.returncode == 2 and "--unsafe applies fixes: use it with --fix" in usage.stderr


def test_fix_keeps_crlf_line_endings_the_bom_and_the_file_mode(tmp_path):
    (tmp_path / ".git").mkdir()
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes("\ufeffFROM python:3.12-slim\r\n# pip\r\nRUN pip install requests==2.32.3\r\n".encode())
    dockerfile.chmod(0o640)
    proc = run("fix", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert dockerfile.read_bytes() == "\ufeffFROM python:3.12-slim\r\n# pip\r\nRUN pip install --no-cache-dir requests==2.32.3\r\n".encode()
    assert dockerfile.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_fix_reads_standard_input_and_prints_the_fixed_text(tmp_path):
    proc = run("fix", "-", cwd=tmp_path, stdin="FROM python:3.12-slim\nRUN pip install requests==2.32.3\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "FROM python:3.12-slim\nRUN pip install --no-cache-dir requests==2.32.3\n"
    assert "-:2: fixed DL3042: add --no-cache-dir" in proc.stderr


def test_nothing_is_written_through_a_link_or_outside_the_checked_tree_and_the_others_are_fixed(tmp_path):
    text = "FROM python:3.12-slim\nRUN pip install requests==2.32.3\n"
    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)
    outside = tmp_path / "outside.Dockerfile"  # named by the invoker: read, never written
    outside.write_text(text)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "Dockerfile").write_text(text)
    (work / "a").mkdir()
    (work / "a" / "Dockerfile").symlink_to(tmp_path / "elsewhere" / "Dockerfile")  # the checkout's link out
    (work / "real.Dockerfile").write_text(text)
    (work / "inside.Dockerfile").symlink_to("real.Dockerfile")  # a link within the tree
    (work / "b").mkdir()
    (work / "b" / "Dockerfile").write_text(text)
    proc = run("fix", "a/Dockerfile", "inside.Dockerfile", str(outside), "b", cwd=work)
    assert proc.returncode == 2
    assert "a/Dockerfile: the file is a symbolic link (or lies below one) that leads outside the checked tree" in proc.stderr
    assert "inside.Dockerfile: is a symbolic link; not written" in proc.stderr
    assert f"{outside}: is outside the checked tree {work}; not written" in proc.stderr
    assert (tmp_path / "elsewhere" / "Dockerfile").read_text() == text and outside.read_text() == text
    assert (work / "real.Dockerfile").read_text() == text and (work / "inside.Dockerfile").is_symlink()
    assert "--no-cache-dir" in (work / "b" / "Dockerfile").read_text()
    assert proc.stdout.splitlines()[-1] == "imagepolicy: fixed 1 finding in 1 file; 2 findings left"


def test_a_dockerfile_that_does_not_parse_is_reported_and_the_others_are_fixed(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile.bad").write_text("FROM python:3.12-slim\nFRMO x\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nRUN pip install requests==2.32.3\n")
    proc = run("fix", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Dockerfile.bad:2: unknown instruction 'FRMO'" in proc.stderr
    assert "--no-cache-dir" in (tmp_path / "Dockerfile").read_text()
    assert (tmp_path / "Dockerfile.bad").read_text() == "FROM python:3.12-slim\nFRMO x\n"


def test_rules_lists_which_rules_fix_and_how_safely():
    proc = run("rules", cwd=REPO)
    line = next(line for line in proc.stdout.splitlines() if line.startswith("DL3042 "))
    assert line.endswith("[fix: safe]")
    table = (REPO / "docs" / "rules" / "README.md").read_text()  # generated by `imagepolicy docs`; test_docs keeps it fresh
    assert "| code | name | severity | target | checks | fix | on | aliases |" in table
    assert "| [`DL3015`](DL3015.md) | apt-get-recommends | info | dockerfile | apt-get install without --no-install-recommends | unsafe |" in table


def test_the_readme_fix_example_is_a_working_third_party_rule(tmp_path, monkeypatch):
    import re

    guide = (REPO / "docs" / "plugins.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", guide, flags=re.S) if "autofix=" in b]
    folder = tmp_path / "pkgs"
    folder.mkdir()
    plugin = "from imagepolicy import hookimpl\n\n@hookimpl\ndef imagepolicy_rules():\n    return [check]\n"
    (folder / "readme_fix_rule.py").write_text(block + "\n\n" + plugin, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    result = PolicyTester(tmp_path / "t", plugins=["readme_fix_rule"]).fix_dockerfile('FROM python:3.12-slim\nCMD ["python"]\n')
    assert result.text == 'FROM python:3.12-slim\nLABEL org.example.owner=platform\nCMD ["python"]\n'
    assert result.codes_fixed() == ["AC002"]
