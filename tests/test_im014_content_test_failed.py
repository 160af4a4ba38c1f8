"""IM014 content-test-failed: container-structure-test's fileContentTests, statically."""

from __future__ import annotations

from image_ruletest import PASSWD, buildkit_history, dockerfile_of, image_findings

OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nVERSION_CODENAME=bullseye\n'
LAYERS = [{"/etc/passwd": PASSWD, "/etc/os-release": OS_RELEASE, "/app/settings.ini": b"[app]\ndebug = true\n"}]


def run(tmp_path, *files):
    return image_findings(tmp_path, LAYERS, "IM014", config={"rules": {"IM014": {"files": list(files)}}})


def test_expected_and_excluded_contents(tmp_path):
    found = run(
        tmp_path,
        {"name": "base release", "path": "/etc/os-release", "expected": ["bookworm", "Debian"]},
        {"path": "/app/settings.ini", "excluded": ["(?m)^debug = true$"]},
    )
    assert [(f.path_in_image, f.message) for f in found] == [
        ("/app/settings.ini", "/app/settings.ini: excluded '(?m)^debug = true$' found at line 2 ('debug = true')"),
        ("/etc/os-release", "base release: /etc/os-release: expected 'bookworm' not found"),
    ]
    assert "fileContentTests" in found[0].aliases


def test_matching_contents_are_silent(tmp_path):
    assert run(tmp_path, {"path": "/etc/os-release", "expected": ["bullseye"], "excluded": ["bookworm"]}) == []


def test_missing_file(tmp_path):
    (finding,) = run(tmp_path, {"path": "/etc/nope", "expected": ["x"]})
    assert finding.message == "/etc/nope is not a readable file in the image, so its contents cannot be checked"


def test_with_the_dockerfile_a_failing_file_points_at_its_writer(tmp_path):
    steps = ["COPY settings.ini /app/"]
    layers = [{"/etc/passwd": PASSWD, "/etc/os-release": OS_RELEASE}, {"/app/settings.ini": b"[app]\ndebug = true\n"}]
    files = [{"path": "/app/settings.ini", "excluded": ["debug = true"]}, {"path": "/etc/os-release", "expected": ["bookworm"]}]
    found = image_findings(tmp_path, layers, "IM014", config={"rules": {"IM014": {"files": files}}},
                           history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert {f.path_in_image: f.line for f in found} == {"/app/settings.ini": 2, "/etc/os-release": None}, "the base image wrote os-release"
