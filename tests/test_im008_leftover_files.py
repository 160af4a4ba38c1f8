"""IM008 leftover-files."""

from __future__ import annotations

from image_ruletest import PASSWD, image_findings
from image_synth import DIR, WHITEOUT

HISTORY = [{"created_by": "ADD base"}, {"created_by": "RUN /bin/sh -c apt-get update && apt-get install -y git"}, {"created_by": "RUN /bin/sh -c pip install -r requirements.txt"}]


def test_caches_fire_with_sizes_and_layers(tmp_path):
    layers = [
        {"/etc/passwd": PASSWD, "/var/lib/apt/lists/lock": b""},
        {"/var/lib/apt/lists/deb.debian.org_dists_bookworm_main_binary-amd64_Packages.lz4": b"p" * 30000, "/var/lib/apt/lists/partial/": DIR},
        {"/root/.cache/pip/http-v2/a/b": b"w" * 5000, "/root/.cache/pip/selfcheck.json": b"{}" * 100, "/home/app/.npm/_cacache/index-v5/x": b"n" * 2048},
    ]
    found = image_findings(tmp_path, layers, "IM008", history=HISTORY)
    by_path = {f.path_in_image: f for f in found}
    assert sorted(by_path) == ["/home/app/.npm/_cacache", "/root/.cache/pip", "/var/lib/apt/lists"]
    apt = by_path["/var/lib/apt/lists"]
    assert "apt-lists cache /var/lib/apt/lists holds 29.3 KiB in 2 files" in apt.message
    assert "RUN apt-get update && apt-get install -y git" in apt.message
    assert "rm -rf /var/lib/apt/lists/*" in apt.fix
    assert "pip cache /root/.cache/pip holds 5.1 KiB in 2 files" in by_path["/root/.cache/pip"].message
    assert "--no-cache-dir" in by_path["/root/.cache/pip"].fix
    assert apt.severity.label == "info" and "DKL-DI-0005" in apt.aliases


def test_clean_images_and_tiny_caches_are_silent(tmp_path):
    layers = [{"/etc/passwd": PASSWD, "/var/lib/apt/lists/lock": b"", "/root/.cache/pip/selfcheck.json": b"{}"}]
    assert image_findings(tmp_path, layers, "IM008") == []


def test_deleted_caches_are_not_leftovers_here(tmp_path):
    layers = [{"/etc/passwd": PASSWD, "/var/cache/apk/APKINDEX.tar.gz": b"a" * 9000}, {"/var/cache/apk": WHITEOUT}]
    assert image_findings(tmp_path, layers, "IM008") == []


def test_options_select_caches_threshold_and_extra_paths(tmp_path):
    layers = [{"/etc/passwd": PASSWD, "/var/cache/apk/APKINDEX.tar.gz": b"a" * 9000, "/opt/build/cache/obj.o": b"o" * 3000}]
    assert [f.path_in_image for f in image_findings(tmp_path, layers, "IM008")] == ["/var/cache/apk"]
    config = {"rules": {"IM008": {"caches": ["pip"], "extra-paths": ["/opt/build/cache"], "min-bytes": 100}}}
    (finding,) = image_findings(tmp_path, layers, "IM008", config=config)
    assert finding.path_in_image == "/opt/build/cache" and "cache folder /opt/build/cache holds" in finding.message
    config = {"rules": {"IM008": {"min-bytes": 100000}}}
    assert image_findings(tmp_path, layers, "IM008", config=config) == []


def test_with_the_dockerfile_the_finding_is_on_the_layer_that_wrote_most_of_the_cache(tmp_path):
    layers = [
        {"/etc/passwd": PASSWD},
        {"/var/lib/apt/lists/main_Packages": b"p" * 30000, "/root/.cache/pip/http-v2/a": b"w" * 1500},
        {"/root/.cache/pip/http-v2/b": b"w" * 6000},
    ]
    dockerfile = "FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y git\nRUN pip install -r requirements.txt\n"
    history = [HISTORY[0], {"created_by": "RUN /bin/sh -c apt-get update &&     apt-get install -y git # buildkit"}, HISTORY[2]]
    found = image_findings(tmp_path, layers, "IM008", history=history, dockerfile=dockerfile)
    where = {f.path_in_image: (f.line, f.end_line) for f in found}
    assert where == {"/var/lib/apt/lists": (2, 3), "/root/.cache/pip": (4, 4)}
    pip = [f for f in found if f.path_in_image == "/root/.cache/pip"][0]
    assert pip.details["layer_bytes"] == {"1": 1500, "2": 6000}


def test_dnf5s_cache_is_a_dnf_cache(tmp_path):
    """issue 9: dnf5 (Fedora 41+) keeps its cache in /var/cache/libdnf5."""
    layers = [{"/etc/passwd": PASSWD, "/var/cache/libdnf5/fedora-1a2b/packages/x.rpm": b"r" * 9000}]
    (finding,) = image_findings(tmp_path, layers, "IM008")
    assert finding.path_in_image == "/var/cache/libdnf5" and "dnf cache" in finding.message
