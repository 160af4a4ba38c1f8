"""Turning imagepolicy on in a repository with existing findings: ``baseline``, ``check --baseline`` and
``check --new-from-rev``, on real files and real git history (``git init`` in a temporary folder,
commits, branches, shallow clones through ``git clone --depth``).

The story each test tells: a repository whose Dockerfile already has findings (errors among them, so a
plain check fails), and a pull request that adds one bad line (``RUN sudo true``: DL3004, an error)
above them, so every old finding moves down a line. Adopted through a baseline or through
``--new-from-rev``, the check must fail with exactly that one finding.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from imagepolicy.cli import main

OLD = "FROM debian:12.5\nRUN apt-get update && apt-get install curl\nWORKDIR app\nRUN cd /tmp && make\n"
BAD_LINE = "RUN sudo true\n"
# The pull request: one bad line right after FROM; every old finding moves one line down.
NEW = OLD.replace("FROM debian:12.5\n", "FROM debian:12.5\n" + BAD_LINE)
OTHER = "FROM debian:12.5\nWORKDIR srv\n"  # a second Dockerfile the change does not touch (DL3000)


def call(capsys, monkeypatch, cwd: Path, *args: str) -> tuple[int, str, str]:
    """``imagepolicy ARGS`` in this process (fast): exit code, stdout, stderr."""
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("NO_COLOR", "1")
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def report(capsys, monkeypatch, cwd: Path, *args: str) -> tuple[int, dict]:
    """Run a check with ``--format json``: exit code and the parsed report."""
    code, out, err = call(capsys, monkeypatch, cwd, "check", "--format", "json", *args)
    assert out, err
    return code, json.loads(out)


def pairs(doc: dict) -> list[tuple[str, str, int | None]]:
    return sorted((f["file"], f["rule"], f["line"]) for f in doc["findings"])


# --- git ------------------------------------------------------------------------------------------


def git_env(home: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "Test",
            "GIT_COMMITTER_EMAIL": "test@example.com", "LC_ALL": "C"}


def git(cwd: Path, *args: str) -> str:
    home = cwd.parent / "git-home"
    home.mkdir(exist_ok=True)
    proc = subprocess.run(["git", *args], cwd=cwd, env=git_env(home), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def commit(repo: Path, files: dict[str, str | None], message: str) -> None:
    for name, text in files.items():
        path = repo / name
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: a Dockerfile with old findings and an untouched second one; feature: the pull request."""
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"Dockerfile": OLD, "tools/Dockerfile": OTHER}, "the state before imagepolicy")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"Dockerfile": NEW}, "the pull request: one bad line")
    git(repo, "checkout", "-q", "main")
    commit(repo, {"README": "main moved on\n"}, "main moves on after the branch point")
    git(repo, "checkout", "-q", "feature")
    return repo


# --- baseline ------------------------------------------------------------------------------------


def test_before_adoption_the_old_findings_fail_the_check(repo, capsys, monkeypatch):
    code, doc = report(capsys, monkeypatch, repo, ".")
    assert code == 1 and len(doc["findings"]) > 2


def test_baseline_then_a_pull_request_adding_one_bad_line_fails_with_exactly_that_finding(repo, capsys, monkeypatch):
    git(repo, "checkout", "-q", "main")
    code, _, err = call(capsys, monkeypatch, repo, "baseline", "--output", ".imagepolicy-baseline.json", ".")
    assert code == 0, err
    recorded = json.loads((repo / ".imagepolicy-baseline.json").read_text())
    assert "recorded 7 findings of 2 targets" in err and len(recorded["findings"]) == 7
    code, doc = report(capsys, monkeypatch, repo, ".", "--baseline", ".imagepolicy-baseline.json")
    assert code == 0 and doc["findings"] == [] and doc["suppressed"]["baseline"] == 7

    git(repo, "checkout", "-q", "feature", "--", "Dockerfile")  # the pull request's Dockerfile, lines shifted
    code, doc = report(capsys, monkeypatch, repo, ".", "--baseline", ".imagepolicy-baseline.json")
    assert code == 1
    assert pairs(doc) == [("Dockerfile", "DL3004", 2)]
    assert doc["suppressed"] == {"baseline": 7, "outside-change": 0}
    assert doc["baseline"] == {"file": ".imagepolicy-baseline.json", "absent": []}

    code, out, _ = call(capsys, monkeypatch, repo, "check", ".", "--baseline", ".imagepolicy-baseline.json")
    assert out.splitlines()[0].startswith("Dockerfile:2 DL3004 error: ")
    assert out.splitlines()[-1] == ("1 finding (1 error) in 2 targets; "
                                    "7 findings in the baseline .imagepolicy-baseline.json not shown")


def test_baseline_file_is_versioned_sorted_without_lines_and_stable_across_a_line_shift(repo, capsys, monkeypatch):
    from jsonschema import Draft202012Validator

    from imagepolicy.baseline import _schema

    git(repo, "checkout", "-q", "main")
    assert call(capsys, monkeypatch, repo, "baseline", "-o", "before.json", ".")[0] == 0
    before = (repo / "before.json").read_text()
    document = json.loads(before)
    assert not list(Draft202012Validator(_schema()).iter_errors(document))
    assert (document["version"], document["tool"], document["fingerprint"]) == (1, "imagepolicy", "imagepolicy/v1")
    entries = document["findings"]
    keys = [(e["file"], e["rule"], e.get("path_in_image", ""), e["message"], e["fingerprint"]) for e in entries]
    assert keys == sorted(keys)
    assert all(list(e) == ["file", "rule", "severity", "message", "fingerprint"] for e in entries)
    assert all("line" not in e for e in entries)

    (repo / "Dockerfile").write_text(OLD.replace("FROM debian:12.5\n", "FROM debian:12.5\n# a comment\n\n"))
    assert call(capsys, monkeypatch, repo, "baseline", "-o", "after.json", ".")[0] == 0
    assert (repo / "after.json").read_text() == before, "recording again after a line shift gives no diff"


def test_fixed_findings_are_absent_and_sarif_marks_new_unchanged_and_absent(repo, capsys, monkeypatch):
    git(repo, "checkout", "-q", "main")
    call(capsys, monkeypatch, repo, "baseline", "-o", "baseline.json", ".")
    # The change fixes DL3003 (cd in RUN) and adds DL3004.
    (repo / "Dockerfile").write_text(NEW.replace("RUN cd /tmp && make\n", "WORKDIR /tmp\nRUN make\n"))
    code, doc = report(capsys, monkeypatch, repo, ".", "--baseline", "baseline.json", "--sarif", "out.sarif")
    assert code == 1 and pairs(doc) == [("Dockerfile", "DL3004", 2)]
    assert [(a["rule"], a["file"], a["line"]) for a in doc["baseline"]["absent"]] == [("DL3003", "Dockerfile", None)]
    assert doc["suppressed"]["baseline"] == 6

    from jsonschema import Draft7Validator

    from test_reports import _schemas_dir

    sarif = json.loads((repo / "out.sarif").read_text())
    assert not list(Draft7Validator(json.loads((_schemas_dir() / "sarif-2.1.0.json").read_text())).iter_errors(sarif))
    results = sarif["runs"][0]["results"]
    states = sorted((r["ruleId"], r["baselineState"], "suppressions" in r) for r in results)
    assert ("DL3004", "new", False) in states and ("DL3003", "absent", True) in states
    assert [s for s in states if s[1] == "unchanged"] and all(s[2] for s in states if s[1] == "unchanged"), \
        "baselined findings stay listed (code scanning must not close them as fixed) and are marked accepted"
    recorded = {e["fingerprint"] for e in json.loads((repo / "baseline.json").read_text())["findings"]}
    for result in results:
        fingerprint = result["partialFingerprints"]["imagepolicy/v1"]
        assert (fingerprint in recorded) is (result["baselineState"] != "new"), result["ruleId"]


def test_a_duplicate_finding_added_next_to_a_recorded_one_is_new_once(tmp_path, capsys, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM debian:12.5\nWORKDIR app\nWORKDIR app\n")
    call(capsys, monkeypatch, tmp_path, "baseline", "-o", "b.json")
    assert len(json.loads((tmp_path / "b.json").read_text())["findings"]) == 2, "two copies, two fingerprints"
    (tmp_path / "Dockerfile").write_text("FROM debian:12.5\nWORKDIR app\nWORKDIR app\nWORKDIR app\n")
    code, doc = report(capsys, monkeypatch, tmp_path, "--baseline", "b.json")
    assert code == 1 and pairs(doc) == [("Dockerfile", "DL3000", 4)], "the last copy in the file is the new one"


def test_a_renamed_dockerfile_keeps_its_baseline_but_not_its_new_findings(repo, capsys, monkeypatch):
    git(repo, "checkout", "-q", "main")
    call(capsys, monkeypatch, repo, "baseline", "-o", "b.json", ".")
    git(repo, "mv", "Dockerfile", "app.Dockerfile")
    code, doc = report(capsys, monkeypatch, repo, ".", "--baseline", "b.json")
    assert code == 0 and doc["findings"] == [] and doc["suppressed"]["baseline"] == 7
    (repo / "app.Dockerfile").write_text(NEW)
    code, doc = report(capsys, monkeypatch, repo, ".", "--baseline", "b.json")
    assert pairs(doc) == [("app.Dockerfile", "DL3004", 2)]


def test_input_errors_are_never_baselined(tmp_path, capsys, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(OLD)
    call(capsys, monkeypatch, tmp_path, "baseline", "-o", "b.json")
    (tmp_path / "Dockerfile").write_text("FROM debian:12.5\nFORM oops\n")
    code, doc = report(capsys, monkeypatch, tmp_path, "--baseline", "b.json")
    assert code == 2 and doc["errors"] and doc["baseline"]["absent"] == [], "a target with an error fixed nothing"
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "Dockerfile").write_text("FORM x\n")
    code, _, err = call(capsys, monkeypatch, tmp_path, "baseline", "-o", "c.json", "Dockerfile", "broken/Dockerfile")
    assert code == 2 and "the findings of those targets are not in c.json" in err


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "b.json:1: the baseline is not valid JSON"),
    ('{"version": 2, "tool": "imagepolicy", "fingerprint": "imagepolicy/v1", "findings": []}',
     "b.json: baseline format version 2 is newer than this imagepolicy reads (1)"),
    ('{"version": 1, "tool": "imagepolicy", "fingerprint": "imagepolicy/v9", "findings": []}',
     "b.json: the baseline holds imagepolicy/v9 fingerprints but this imagepolicy computes imagepolicy/v1"),
    ('{"version": 1, "tool": "imagepolicy", "fingerprint": "imagepolicy/v1"}',
     "b.json: (top level): 'findings' is a required property"),
    ('{"version": 1, "tool": "imagepolicy", "fingerprint": "imagepolicy/v1", "findings": [{"file": "Dockerfile"}]}',
     "b.json: findings/0: 'rule' is a required property"),
    ('[]', "b.json: (top level): [] is not of type 'object'"),
    (b"\xff\xfe", "b.json: the baseline is not UTF-8 text"),
])
def test_a_malformed_baseline_is_an_input_error_naming_the_file(tmp_path, capsys, monkeypatch, content, expected):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(OLD)
    baseline = tmp_path / "b.json"
    baseline.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = call(capsys, monkeypatch, tmp_path, "check", "--baseline", "b.json")
    assert code == 2 and out == ""
    assert err.startswith(f"imagepolicy: error: {expected}"), err
    assert "imagepolicy baseline --output b.json" in err and "Traceback" not in err


def test_missing_and_oversized_baselines(tmp_path, capsys, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(OLD)
    code, _, err = call(capsys, monkeypatch, tmp_path, "check", "--baseline", "nope.json")
    assert code == 2 and "nope.json: baseline file not found; create it with `imagepolicy baseline --output nope.json`" in err
    call(capsys, monkeypatch, tmp_path, "baseline", "-o", "b.json")
    code, _, err = call(capsys, monkeypatch, tmp_path, "check", "--baseline", "b.json", "--limit", "baseline-bytes=100")
    assert code == 2 and "exceeds the limit baseline-bytes=100" in err


# --- --new-from-rev ---------------------------------------------------------------------------------


def test_new_from_rev_reports_exactly_the_added_line(repo, capsys, monkeypatch):
    code, doc = report(capsys, monkeypatch, repo, ".", "--new-from-rev", "main")
    assert code == 1 and pairs(doc) == [("Dockerfile", "DL3004", 2)]
    assert doc["suppressed"]["outside-change"] == 7
    base = git(repo, "merge-base", "main", "HEAD").strip()
    assert doc["new_from_rev"] == f"main (merge base {base[:12]})"
    code, out, _ = call(capsys, monkeypatch, repo, "check", ".", "--new-from-rev", "main")
    assert out.splitlines()[-1].endswith(f"7 findings outside the change since main (merge base {base[:12]}) not shown")


def test_new_from_rev_reports_everything_read_from_standard_input(repo, capsys, monkeypatch):
    # standard input is in no commit: hiding its findings as "outside the change" passed any text (exit 0)
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(NEW))
    code, doc = report(capsys, monkeypatch, repo, "-", "--new-from-rev", "main")
    assert code == 1 and ("-", "DL3004", 2) in pairs(doc) and len(doc["findings"]) == 7
    assert doc["suppressed"].get("outside-change", 0) == 0


def test_new_from_rev_files_keeps_every_finding_of_a_touched_file(repo, capsys, monkeypatch):
    code, doc = report(capsys, monkeypatch, repo, ".", "--new-from-rev", "main", "--new-from-rev-files")
    assert {f for f, _, _ in pairs(doc)} == {"Dockerfile"} and len(doc["findings"]) == 7
    code, _, err = call(capsys, monkeypatch, repo, "check", ".", "--new-from-rev-files")
    assert code == 2 and "--new-from-rev-files needs --new-from-rev REF" in err


def test_new_from_rev_counts_modified_lines_deleted_continuations_and_renames(repo, capsys, monkeypatch):
    commit(repo, {"Dockerfile": NEW.replace("install curl", "install -y curl")}, "modify a line")
    code, doc = report(capsys, monkeypatch, repo, ".", "--new-from-rev", "HEAD~1")
    assert {(rule, line) for _, rule, line in pairs(doc)} == {("DL3008", 3), ("DL3015", 3), ("DL3009", 3)}, \
        "findings of the modified RUN only (DL3014 is fixed)"
    commit(repo, {"tools/Dockerfile": "FROM debian:12.5\nRUN apt-get update \\\n && make \\\n && rm -rf /x\n"}, "x")
    commit(repo, {"tools/Dockerfile": "FROM debian:12.5\nRUN apt-get update \\\n && make\n"}, "delete a line")
    code, doc = report(capsys, monkeypatch, repo, "tools/Dockerfile", "--new-from-rev", "HEAD~1")
    assert ("tools/Dockerfile", "DL3009", 2) in pairs(doc), "a deletion inside an instruction touches it"
    git(repo, "mv", "Dockerfile", "app.Dockerfile")
    renamed = (repo / "app.Dockerfile").read_text()
    commit(repo, {"app.Dockerfile": renamed.replace("make", "make install")}, "rename and change one line")
    code, doc = report(capsys, monkeypatch, repo, "app.Dockerfile", "--new-from-rev", "HEAD~1")
    assert pairs(doc) == [("app.Dockerfile", "DL3003", 5)], "a renamed file counts only for its changed lines"


def test_new_from_rev_with_a_baseline_and_in_every_format(repo, capsys, monkeypatch):
    call(capsys, monkeypatch, repo, "baseline", "-o", "b.json", ".")  # records DL3004 too
    code, doc = report(capsys, monkeypatch, repo, ".", "--new-from-rev", "main", "--baseline", "b.json",
                       "--sarif", "r.sarif", "--junit", "r.xml", "--codeclimate", "cq.json")
    assert code == 0 and doc["findings"] == [] and doc["suppressed"] == {"baseline": 8, "outside-change": 0}
    assert json.loads((repo / "cq.json").read_text()) == []
    assert "<failure" not in (repo / "r.xml").read_text()
    sarif = json.loads((repo / "r.sarif").read_text())["runs"][0]["results"]
    assert {r["baselineState"] for r in sarif} == {"unchanged"}


def _shallow_clone(repo: Path, tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", repo.as_uri(), str(clone))
    git(clone, "fetch", "-q", "--depth", "1", "origin", "+refs/heads/main:refs/remotes/origin/main")
    return clone


def test_a_shallow_clone_without_the_merge_base_fails_clearly_and_works_once_deepened(repo, tmp_path, capsys, monkeypatch):
    clone = _shallow_clone(repo, tmp_path)
    code, out, err = call(capsys, monkeypatch, clone, "check", ".", "--new-from-rev", "origin/main")
    assert code == 2 and out == ""
    assert "no merge base of HEAD and origin/main in this shallow clone" in err
    assert "git fetch --deepen" in err and "fetch-depth: 0" in err and "GIT_DEPTH" in err
    code, _, err = call(capsys, monkeypatch, clone, "check", ".", "--new-from-rev", "origin/develop")
    assert code == 2 and "git fetch origin +refs/heads/develop:refs/remotes/origin/develop" in err

    git(clone, "fetch", "-q", "--deepen=1", "origin")  # depth 2: the pull request's commit and its parent
    code, doc = report(capsys, monkeypatch, clone, ".", "--new-from-rev", "origin/main")
    assert code == 1 and pairs(doc) == [("Dockerfile", "DL3004", 2)]


def test_not_a_git_work_tree_and_unknown_refs_are_input_errors(tmp_path, repo, capsys, monkeypatch):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "Dockerfile").write_text(OLD)
    code, _, err = call(capsys, monkeypatch, plain, "check", "--new-from-rev", "main")
    assert code == 2 and "is not inside a git work tree" in err
    code, _, err = call(capsys, monkeypatch, repo, "check", ".", "--new-from-rev", "no-such-branch")
    assert code == 2 and "no-such-branch: no branch, tag or commit of that name in this clone" in err


def test_git_runs_no_repository_configured_command(repo, tmp_path, capsys, monkeypatch):
    """A checkout whose .git/config (an archive of a repository, say) configures commands: none may run."""
    marker = tmp_path / "pwned"
    script = tmp_path / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    commit(repo, {"Dockerfile": NEW + BAD_LINE, ".gitattributes": "* diff=evil\n"}, "one more")
    for key, value in [("core.fsmonitor", str(script)), ("diff.external", str(script)),
                       ("diff.evil.textconv", str(script)), ("diff.evil.command", str(script)),
                       ("core.pager", str(script)), ("pager.diff", str(script)), ("core.hooksPath", str(tmp_path))]:
        git(repo, "config", key, value)
    for hook in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction"):
        (tmp_path / hook).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (tmp_path / hook).chmod(0o755)
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(script))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    code, doc = report(capsys, monkeypatch, repo, ".", "--new-from-rev", "HEAD~1")
    assert code == 1 and pairs(doc) == [("Dockerfile", "DL3004", 6)]
    assert not marker.exists()


def test_ref_looking_like_an_option_is_a_ref(repo, tmp_path, capsys, monkeypatch):
    target = tmp_path / "written"
    code, _, err = call(capsys, monkeypatch, repo, "check", ".", f"--new-from-rev=--output={target}")
    assert code == 2 and not target.exists()
    assert f"--new-from-rev --output={target}: no branch, tag or commit" in err


def test_image_findings_count_when_their_layer_maps_to_a_changed_line():
    from imagepolicy.gitdiff import Change, FileChange, apply
    from imagepolicy.model import Finding, Report, Severity, TargetResult

    dockerfile = os.path.realpath("Dockerfile")

    def finding(line: int | None, file: str) -> Finding:
        return Finding(rule="IM005", name="setuid-file", severity=Severity.WARNING, message=f"setuid at {line}",
                       file=file, line=line, end_line=line, path_in_image="/usr/bin/x", target="app.tar")

    result = TargetResult("app.tar", "image", findings=[finding(2, "Dockerfile"), finding(5, "Dockerfile"),
                                                         finding(None, "app.tar")])
    report_ = Report("imagepolicy", "0", [result], threshold=None)
    apply(report_, Change("main", "0" * 40, {dockerfile: FileChange(added=[(2, 2)])}))
    assert [f.line for f in result.findings] == [2]
    assert [(s.finding.line, s.reason) for s in result.suppressed] == [(5, "outside-change"), (None, "outside-change")]
