"""ShellCheck's bounds (issue 8): a script too large for ShellCheck is a note, never a crash or an error.

ShellCheck's memory and time grow much faster than a script (1,000 lines of
``echo "$xN"`` take 9 s and 1 GB); the runner caps each process and leaves
out only the script that needs more, with a note on standard error.
"""

from __future__ import annotations

import json
import subprocess
import time

from imagepolicy import limits
from imagepolicy.plugins.shell import shellcheck as runner
from imagepolicy.plugins.shell.shellcheck import Script, find_shellcheck, start_shellcheck


def run_cli(tmp_path, monkeypatch, capsys, dockerfile: str, *args: str) -> tuple[int, str, list[tuple[str, int]]]:
    """Run ``imagepolicy check`` in this process; return the exit code, standard error and the SC findings."""
    from imagepolicy.cli import main

    (tmp_path / "Dockerfile").write_text(dockerfile)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    with limits.override():  # --limit sets process-wide values: restore them after the run
        code = main(["check", "Dockerfile", "--no-config", "--format", "json", *args])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["errors"] == [], report["errors"]
    return code, err, [(f["rule"], f["line"]) for f in report["findings"] if f["rule"].startswith("SC")]


def test_a_1mb_run_is_a_note_and_the_other_runs_are_still_checked(capsys):
    # The shell plugin alone: the CLI path of the note is the next test's (a 1 MB RUN costs the other rules' time).
    from imagepolicy.dockerfile import parse_dockerfile
    from imagepolicy.plugins.shell.scripts import check_dockerfile

    df = parse_dockerfile(None, text="FROM debian:12\nRUN echo " + "a" * 1_000_000 + " $1\nRUN echo $2\n")
    found = [(v.code, v.line) for v in check_dockerfile(df)]
    err = capsys.readouterr().err
    assert found == [("SC2086", 3)]
    assert "imagepolicy: note: Dockerfile:2: script too large for ShellCheck (1,000,013 bytes, over the limit " \
           "shellcheck-script-bytes=65536): this RUN gets no ShellCheck findings" in err


def test_raising_the_byte_limit_checks_the_script(tmp_path, monkeypatch, capsys):
    dockerfile = "FROM debian:12\nRUN echo " + "a" * 100 + " $1\n"
    _, err, found = run_cli(tmp_path, monkeypatch, capsys, dockerfile, "--limit", "shellcheck-script-bytes=50")
    assert found == [] and "shellcheck-script-bytes=50" in err
    _, err, found = run_cli(tmp_path, monkeypatch, capsys, dockerfile, "--limit", "shellcheck-script-bytes=500")
    assert found == [("SC2086", 2)] and "note" not in err


def test_a_script_that_runs_shellcheck_out_of_memory_is_left_out_alone(tmp_path, monkeypatch, capsys):
    # 300 lines of "$xN" need ~90 MB in ShellCheck 0.11; under a 64 MiB cap only that RUN is left out.
    hostile = "RUN true \\\n" + "".join(f' && echo "$x{i}" \\\n' for i in range(300)) + " && true\n"
    code, err, found = run_cli(tmp_path, monkeypatch, capsys, f"FROM debian:12\nRUN echo $1\n{hostile}RUN echo $3\n",
                               "--limit", f"shellcheck-memory={64 * 1024 * 1024}")
    assert code == 0, err
    assert found == [("SC2086", 2), ("SC2086", 305)]
    assert "Dockerfile:3: script too large for ShellCheck (ShellCheck ran out of memory under the limit shellcheck-memory=67108864)" in err


def fake_shellcheck(tmp_path, body: str) -> str:
    fake = tmp_path / "shellcheck"
    fake.write_text(f"#!/bin/sh\n{body}\n")
    fake.chmod(0o755)
    return str(fake)


def test_a_chunk_over_a_limit_is_rerun_script_by_script(tmp_path):
    # Out of memory whenever it gets more than one file (argv: --norc -f json1 -S style -e CODES -- FILES).
    real = find_shellcheck()
    fake = fake_shellcheck(tmp_path, f'[ $# -gt 9 ] && {{ echo "shellcheck: out of memory" >&2; exit 251; }}\nexec {real} "$@"')
    scripts = [Script(str(n), f"echo ${n}\n") for n in range(1, 4)]
    batch = start_shellcheck(scripts, executable=fake)
    assert [(r.script_id, r.code) for r in batch.results(["1", "2", "3"])] == [("1", "SC2086"), ("2", "SC2086"), ("3", "SC2086")]
    assert batch.too_large(["1", "2", "3"]) == {}


def test_a_chunk_whose_scripts_pass_only_alone_keeps_its_results_and_one_that_never_passes_is_named(tmp_path):
    real = find_shellcheck()
    fake = fake_shellcheck(tmp_path, 'for f; do case $f in *.sh) if grep -q boom "$f"; then echo "shellcheck: out of memory" >&2; exit 251; fi;; esac; done\n'
                                     f'exec {real} "$@"')
    batch = start_shellcheck([Script("a", "echo $1\n"), Script("b", "echo boom $2\n"), Script("c", "echo $3\n")], executable=fake)
    assert {r.script_id for r in batch.results(["a", "b", "c"])} == {"a", "c"}
    assert batch.too_large(["a", "b", "c"]) == {"b": "ShellCheck ran out of memory under the limit shellcheck-memory=268435456"}


def test_a_shellcheck_past_its_time_limit_is_killed(tmp_path):
    # One process, as the real ShellCheck (exec'd by the memory-cap wrapper): a forked `sleep` would keep
    # the output pipes open after the kill and the test would wait the whole 30 s for them.
    fake = fake_shellcheck(tmp_path, "exec sleep 30")
    started = time.monotonic()
    with limits.override(shellcheck_seconds=1):
        batch = start_shellcheck([Script("slow", "echo ok\n")], executable=fake)
        assert batch.results(["slow"]) == []
        assert batch.too_large(["slow"]) == {"slow": "ShellCheck took longer than the limit shellcheck-seconds=1"}
    assert time.monotonic() - started < 20, "the 1 s limit did not stop the 30 s ShellCheck"


def test_the_memory_cap_is_set_in_the_child_and_shellcheck_still_runs():
    with limits.override(shellcheck_memory=300 * 1024 * 1024):
        command = runner._capped(["/bin/sh", "-c", "ulimit -v"])
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(300 * 1024)  # ulimit -v counts KiB
