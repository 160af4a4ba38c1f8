"""The limits table: one declaration per bound, docs/limits.md generated from it, --limit checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from imagepolicy import limits
from imagepolicy.model import InputError

REPO = Path(__file__).resolve().parent.parent


def test_limits_page_table_is_generated_from_the_declarations():
    page = (REPO / "docs" / "limits.md").read_text()
    table = page.split("<!-- limits:start -->\n", 1)[1].split("<!-- limits:end -->", 1)[0]
    assert table == limits.markdown_table(), "regenerate docs/limits.md's table from imagepolicy.limits.markdown_table()"


def test_every_limit_is_kebab_case_positive_and_described():
    for name, limit in limits.LIMITS.items():
        assert name == limit.name and name == name.lower() and " " not in name and "_" not in name
        assert limit.default > 0 and limit.unit and limit.what


@pytest.mark.parametrize(
    "text, problem",
    [
        ("config-bytes", "expected NAME=VALUE"),
        ("no-such-limit=3", "unknown limit 'no-such-limit'"),
        ("config-bytes=-1", "positive whole number"),
        ("config-bytes=0", "positive whole number"),
        ("config-bytes=" + "9" * 100, "at most 18 digits"),
    ],
)
def test_bad_limit_assignments_are_input_errors(text, problem):
    with pytest.raises(InputError, match=problem):
        limits.parse_assignment(text)


def test_override_is_scoped_and_the_error_says_how_to_raise_it():
    default = limits.get("config-bytes")
    with limits.override(config_bytes=10):
        assert limits.get("config-bytes") == 10
        message = str(limits.LimitExceeded("config-bytes", "x.yml", "11 bytes"))
    assert limits.get("config-bytes") == default
    assert message.startswith("x.yml: exceeds the limit config-bytes=10 bytes (11 bytes)")
    assert "--limit config-bytes=N" in message


def test_cli_rejects_an_unknown_limit_with_exit_2(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    proc = subprocess.run(
        [sys.executable, "-m", "imagepolicy", "check", "--no-config", "--limit", "bogus=1", "Dockerfile"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert "unknown limit 'bogus'" in proc.stderr and "Traceback" not in proc.stderr


def test_a_config_over_config_bytes_is_refused_naming_the_limit(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:12\n")
    (tmp_path / ".imagepolicy.yml").write_text("version: 1\n" + "# padding\n" * 200)
    proc = subprocess.run(
        [sys.executable, "-m", "imagepolicy", "check", "--limit", "config-bytes=100", "Dockerfile"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert proc.returncode == 2, proc.stderr
    assert ".imagepolicy.yml: exceeds the limit config-bytes=100 bytes" in proc.stderr
    assert "Traceback" not in proc.stderr
