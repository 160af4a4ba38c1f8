"""IM010 image-size: total size and layer count limits, silent without limits."""

from __future__ import annotations

import pytest

from image_ruletest import image_findings, resolved_config
from imagepolicy.plugins.image.im010_image_size import parse_size

HISTORY = [
    {"created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / "},
    {"created_by": "/bin/sh -c #(nop) COPY dir:abcdef0123456789abcdef in /app/ "},
    {"created_by": "/bin/sh -c pip install /app"},
]
LAYERS = [
    {"/etc/os-release": b"o" * 1000},
    {"/app/main.py": b"m" * 200},
    {"/usr/lib/python3/site-packages/numpy/core.so": b"n" * 3000, "/app/main.py": b"M" * 100},
]
TOTAL = 1000 + 200 + 3000 + 100  # hidden versions count: they are pulled too


def test_silent_without_limits(tmp_path):
    assert image_findings(tmp_path, LAYERS, "IM010", history=HISTORY) == []


def test_max_size_fires_naming_the_largest_layers(tmp_path):
    (finding,) = image_findings(tmp_path, LAYERS, "IM010", history=HISTORY, config={"rules": {"IM010": {"max-size": "4kB"}}})
    assert finding.severity.label == "warning"
    assert finding.message.startswith(f"image holds 4.2 KiB ({TOTAL} bytes) in 3 layers, above max-size 4kB; largest layers: layer 2 ")
    assert "(RUN pip install /app): 3.0 KiB; layer 0 " in finding.message
    assert finding.details["bytes"] == TOTAL and finding.details["limit"] == 4000
    assert [layer["layer"] for layer in finding.details["largest_layers"]] == [2, 0, 1]
    assert "slim final stage" in finding.fix


@pytest.mark.parametrize("limit", [TOTAL, str(TOTAL), "5kB", "4.2KiB"])
def test_max_size_at_or_above_the_total_is_silent(tmp_path, limit):
    assert image_findings(tmp_path, LAYERS, "IM010", config={"rules": {"IM010": {"max-size": limit}}}) == []


def test_max_layers(tmp_path):
    (finding,) = image_findings(tmp_path, LAYERS, "IM010", config={"rules": {"IM010": {"max-layers": 2}}})
    assert finding.message == "image has 3 layers, more than max-layers 2"
    assert "&&" in finding.fix
    assert image_findings(tmp_path, LAYERS, "IM010", config={"rules": {"IM010": {"max-layers": 3}}}) == []


def test_paired_dockerfile_puts_the_finding_on_the_largest_layers_line(tmp_path):
    dockerfile = "FROM debian:12\nCOPY . /app/\nRUN pip install /app\n"
    (finding,) = image_findings(tmp_path, LAYERS, "IM010", history=HISTORY, dockerfile=dockerfile,
                                config={"rules": {"IM010": {"max-size": 1000}}})
    assert finding.line == 3 and finding.file.endswith("Dockerfile")


@pytest.mark.parametrize("bad", ["500 parsecs", "MB", "-5", -5])
def test_a_bad_size_is_a_config_error_naming_the_key(tmp_path, bad):
    with pytest.raises(Exception, match="max-size"):
        resolved_config(tmp_path, {"rules": {"IM010": {"max-size": bad}}})


@pytest.mark.parametrize(
    "text, size",
    [(500, 500), ("500", 500), ("3B", 3), ("1kB", 1000), ("20M", 20_000_000), ("500MB", 500_000_000), ("1.5GB", 1_500_000_000),
     ("1KiB", 1024), ("1.5 GiB", 1_610_612_736), ("2ti", 2 * 1024**4)],
)
def test_sizes_read_like_dive(text, size):
    assert parse_size(text) == size


def test_parse_size_rejects_what_is_not_a_size():
    with pytest.raises(ValueError, match="500MB, 1.5GiB"):
        parse_size("lots")
