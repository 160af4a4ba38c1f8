"""IM013 file-test-failed: container-structure-test's fileExistenceTests, statically."""

from __future__ import annotations

import pytest

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings
from image_synth import File, Symlink

LAYERS = [
    {"/etc/passwd": PASSWD, "/app/run.sh": File(b"#!/bin/sh\n", mode=0o644, uid=1000, gid=1000), "/app/bin/tool": File(b"x", mode=0o4750),
     "/app/current": Symlink("bin/tool"), "/app/debug.log": b"x"}
]


def run(tmp_path, *files):
    return image_findings(tmp_path, LAYERS, "IM013", config={"rules": {"IM013": {"files": list(files)}}})


def test_expectations_that_hold_are_silent(tmp_path):
    assert run(
        tmp_path,
        {"path": "/app/run.sh", "permissions": "-rw-r--r--", "uid": 1000, "gid": 1000, "type": "file"},
        {"path": "/app/bin/tool", "permissions": "urwxr-x---", "executable-by": "owner"},  # Go FileMode style
        {"path": "/app/bin/tool", "permissions": "-rwsr-x---"},  # ls style
        {"path": "/app/current", "type": "symlink"},
        {"path": "/app/current", "type": "file"},
        {"path": "/app/missing", "exists": False},
    ) == []


def test_wrong_permissions_and_owner_say_expected_and_found(tmp_path):
    (finding,) = run(tmp_path, {"name": "entrypoint", "path": "/app/run.sh", "permissions": "-rwxr-xr-x", "uid": 0, "executable-by": "any"})
    assert finding.path_in_image == "/app/run.sh"
    assert finding.message == (
        "entrypoint: /app/run.sh: permissions are -rw-r--r--, expected -rwxr-xr-x; uid is 1000, expected 0; "
        "it is not executable by any (-rw-r--r--)"
    )
    assert finding.severity.label == "error" and "fileExistenceTests" in finding.aliases


def test_missing_and_unwanted_files(tmp_path):
    found = run(tmp_path, {"path": "/app/config.toml"}, {"path": "/app/debug.log", "exists": False})
    assert [f.message for f in found] == [
        "/app/config.toml is expected to exist but is not in the image",
        "/app/debug.log exists (file, added by layer 0) but is expected to be absent",
    ]


def test_unknown_keys_are_rejected(tmp_path):
    from imagepolicy.model import InputError

    with pytest.raises(InputError, match="shouldExist"):
        run(tmp_path, {"path": "/app/run.sh", "shouldExist": True})


def test_with_the_dockerfile_a_file_that_is_there_points_at_its_writer(tmp_path):
    steps = ["COPY run.sh debug.log /app/"]
    layers = [{"/etc/passwd": PASSWD}, {"/app/run.sh": File(b"#!/bin/sh\n", mode=0o644), "/app/debug.log": b"x"}]
    files = [{"path": "/app/run.sh", "executable-by": "any"}, {"path": "/app/debug.log", "exists": False}, {"path": "/app/config.toml"}]
    found = image_findings(tmp_path, layers, "IM013", config={"rules": {"IM013": {"files": files}}},
                           history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert {f.path_in_image: f.line for f in found} == {"/app/run.sh": 2, "/app/debug.log": 2, "/app/config.toml": None}
