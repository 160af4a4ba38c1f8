"""The bounded-run helper itself: it stops a hang, bounds memory, and notices what a run must never do."""

from __future__ import annotations

import sys

import pytest

from bounded import assert_contained, command_lines, run_bounded


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_a_hang_is_killed_at_the_time_bound(tmp_path):
    result = run_bounded([], cwd=tmp_path, timeout=1, argv=_python("import time; time.sleep(60)"))
    assert result.timed_out and result.returncode is None and result.seconds < 5
    with pytest.raises(AssertionError, match="did not end within 1 s"):
        assert_contained(result)


def test_memory_beyond_the_bound_fails_inside_the_run(tmp_path):
    result = run_bounded([], cwd=tmp_path, memory=200 * 1024 * 1024,
                         argv=_python("x = bytearray(400 * 1024 * 1024)"))
    assert result.returncode == 1 and "MemoryError" in result.stderr
    with pytest.raises(AssertionError, match="memory bound"):
        assert_contained(result)


def test_a_child_that_outlives_the_run_is_noticed_and_killed(tmp_path):
    code = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])"
    result = run_bounded([], cwd=tmp_path, argv=_python(code))
    assert result.leftovers
    with pytest.raises(AssertionError, match="outlived imagepolicy"):
        assert_contained(result)


def test_an_injected_command_and_the_secret_are_found(tmp_path):
    injected = run_bounded([], cwd=tmp_path, argv=_python("print('  ::warning::x')"))
    with pytest.raises(AssertionError, match="CI runner would run"):
        assert_contained(injected)
    leaked = run_bounded([], cwd=tmp_path, env={"TOKEN": "s3cr3tvalue"},
                         argv=_python("import os; print(os.environ['TOKEN'])"))
    with pytest.raises(AssertionError, match="planted secret"):
        assert_contained(leaked, secret="s3cr3tvalue")
    assert command_lines("a\r::error::x\n##vso[task.setvariable]y\n::notice title=T::ok") == [
        "::error::x", "##vso[task.setvariable]y", "::notice title=T::ok"]
    assert command_lines("::notice title=T::ok", own_annotations=True) == []


def test_a_clean_run_of_the_real_cli_passes(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nUSER 1000\n")
    result = run_bounded(["check", "Dockerfile"], cwd=tmp_path)
    assert_contained(result, exit_codes=(0,))
    assert result.max_rss > 0
