"""The benchmark scripts keep working: a tiny run of each, so they cannot rot between measurements."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_dockerfile_benchmark_runs_on_a_few_files(tmp_path):
    out = tmp_path / "samples.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "dockerfile_bench.py"), "--files", "4", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "| imagepolicy |" in proc.stdout and "| hadolint |" in proc.stdout
    assert out.exists() and out.stat().st_size > 0


def test_image_benchmark_explains_itself():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "image_bench.py"), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--archive" in proc.stdout


def test_sources_benchmark_explains_itself():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "sources_bench.py"), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--archive" in proc.stdout and "--repeat" in proc.stdout


def test_speed_and_import_benchmarks_explain_themselves():
    for script, flag in (("speed_bench.py", "one-file"), ("import_bench.py", "--runs")):
        proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and flag in proc.stdout, proc.stderr


def test_many_files_benchmark_writes_and_checks_its_synthetic_image():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "many_files_bench.py"), "--files", "3000"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "3,000 files" in proc.stdout and "bytes per file" in proc.stdout
