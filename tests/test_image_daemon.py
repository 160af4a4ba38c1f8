"""``docker-daemon:`` images through the Engine API, against an in-process Engine API over a unix socket.

The real dockerd runs in ``test_image_sources_real.py``; here the daemon is a
stand-in serving image_synth archives of every ``docker save`` shape, so the
one-pass stream reader can be compared with the archive reader on each, and
failures (a missing socket, an unknown image, a broken export) can be provoked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fake_sources import FakeDaemon
from image_synth import ImageSpec, Layer, write_shape
from imagepolicy.image import open_image
from imagepolicy.image import stream as stream_mod
from imagepolicy.image.daemon import engine_endpoint
from imagepolicy.image.sources import SourceOptions, open_target
from imagepolicy.model import InputError
from test_image_archives import TOOL, fs_view, sample

TAR_SHAPES = ["docker-legacy", "docker-skopeo", "docker-symlinks", "docker-dual", "containerd", "containerd-oci", "oci-archive"]
READ = ["/etc/passwd", "/usr/local/bin/tool-hardlink", "/opt/data/new.txt", "/app/main.py", "/lib/libc.so.6", "/etc/shadow"]


@pytest.fixture
def daemon(tmp_path):
    # A short socket path: unix socket paths are limited to about 100 bytes.
    import tempfile

    folder = tempfile.mkdtemp(prefix="ipd-")
    with FakeDaemon(os.path.join(folder, "docker.sock")) as fake:
        yield fake
    os.rmdir(folder)


def options(daemon: FakeDaemon, **env: str) -> SourceOptions:
    return SourceOptions(env={"DOCKER_HOST": f"unix://{daemon.socket_path}", "HOME": "/nonexistent", **env})


@pytest.mark.parametrize("shape", TAR_SHAPES)
def test_streamed_export_gives_what_the_saved_archive_gives(shape, daemon, tmp_path):
    archive = write_shape(shape, sample(), str(tmp_path))
    daemon.add("example/app:1", archive)
    streamed = open_target("docker-daemon:example/app:1", options=options(daemon))
    saved = open_image(archive)
    assert fs_view(streamed) == fs_view(saved)
    assert [(l.diff_id, l.created_by, l.compression, l.uncompressed_size, l.entry_count) for l in streamed.layers] == \
        [(l.diff_id, l.created_by, l.compression, l.uncompressed_size, l.entry_count) for l in saved.layers]
    assert streamed.config == saved.config and streamed.platform == saved.platform == "linux/amd64"
    assert streamed.format == "docker-daemon"
    assert streamed.read_many(READ) == saved.read_many(READ)
    assert streamed.read_entries(saved.deleted["/root/.ssh/id_rsa"]) == saved.read_entries(saved.deleted["/root/.ssh/id_rsa"])
    assert daemon.exports == 1, "small files are kept while the layers stream past: no second export"


def test_a_read_of_a_file_not_kept_exports_again_once_per_batch(daemon, tmp_path, monkeypatch):
    archive = write_shape("docker-legacy", sample(), str(tmp_path))
    daemon.add("app:1", archive)
    monkeypatch.setattr(stream_mod, "KEEP_SMALL_BYTES", 0)  # keep nothing but metadata-shaped files
    image = open_target("docker-daemon:app:1", options=options(daemon))
    assert daemon.exports == 1
    assert image.read("/usr/local/bin/tool") == TOOL
    assert daemon.exports == 2
    assert image.read_many(["/app/main.py", "/opt/data/new.txt", "/usr/local/bin/tool"]) == {
        "/app/main.py": b"print('hi')\n", "/opt/data/new.txt": b"fresh", "/usr/local/bin/tool": TOOL}
    assert daemon.exports == 3, "two files missing: one more export, not two; the tool's bytes were kept after the first read"
    assert image.read("/etc/passwd", max_bytes=4) == b"root" and daemon.exports == 3, "/etc is metadata: kept in the first pass"


def test_the_image_is_exported_by_id_so_a_moved_tag_cannot_mix_two_images(daemon, tmp_path):
    archive = write_shape("docker-legacy", sample(), str(tmp_path))
    image_id = daemon.add("app:1", archive)
    image = open_target("app:1", options=options(daemon))
    assert image.repo_tags == ["example/app:1"]
    gets = [s.path for s in daemon.seen if s.path.endswith("/get")]
    assert gets == [f"/images/{image_id}/get"]


def test_unknown_image_names_the_daemon_and_says_where_else_to_look(daemon, tmp_path):
    with pytest.raises(InputError) as err:
        open_target("docker-daemon:nope:1", options=options(daemon))
    message = str(err.value)
    assert message.startswith("docker-daemon:nope:1: the Docker daemon at unix://") and "has no image nope:1" in message
    assert "docker images" in message and "docker://" in message
    with pytest.raises(InputError, match="has no image nope:2 and no file or folder of that name exists"):
        open_target("nope:2", options=options(daemon))


def test_daemon_not_running_is_an_input_error_naming_the_socket(tmp_path):
    sock = tmp_path / "missing.sock"
    with pytest.raises(InputError) as err:
        open_target("docker-daemon:app:1", options=SourceOptions(env={"DOCKER_HOST": f"unix://{sock}"}))
    assert f"cannot reach the Docker daemon at unix://{sock}: No such file or directory" in str(err.value)
    assert "start the Docker daemon" in str(err.value)
    with pytest.raises(InputError, match=r"\(the default; DOCKER_HOST is not set\)"):
        open_target("docker-daemon:app:1", options=SourceOptions(env={"HOME": str(tmp_path)}))


def test_a_failed_or_broken_export_is_an_input_error(daemon, tmp_path):
    archive = write_shape("docker-legacy", sample(), str(tmp_path))
    daemon.add("app:1", archive)
    daemon.export_status = 500
    with pytest.raises(InputError, match=r"could not export image sha256:[0-9a-f]{12}: HTTP 500: export failed: disk full"):
        open_target("docker-daemon:app:1", options=options(daemon))
    daemon.export_status = 200
    daemon.cut_export_at = os.path.getsize(archive) // 2
    with pytest.raises(InputError, match="docker-daemon:app:1: .*(ended early|damaged|truncated)"):
        open_target("docker-daemon:app:1", options=options(daemon))


def test_a_layer_that_is_not_a_tar_is_reported_when_the_manifest_uses_it(daemon, tmp_path):
    spec = ImageSpec(layers=[Layer({"/a": b"a"})])
    members = __import__("image_synth").docker_legacy(spec)
    layer = next(n for n in members if n.endswith("layer.tar"))
    members[layer] = b"\x89PNG not a tar at all" * 40
    archive = __import__("image_synth").emit(members, str(tmp_path / "bad.tar"))
    daemon.add("bad:1", archive)
    with pytest.raises(InputError, match="is not a tar stream"):
        open_target("docker-daemon:bad:1", options=options(daemon))


@pytest.mark.parametrize("env, expected", [
    ({}, ("unix", "unix:///var/run/docker.sock")),
    ({"DOCKER_HOST": "unix:///run/user/1000/podman/podman.sock"}, ("unix", "unix:///run/user/1000/podman/podman.sock")),
    ({"DOCKER_HOST": "tcp://10.0.0.5:2375"}, ("http", "http://10.0.0.5:2375")),
    ({"DOCKER_HOST": "tcp://docker:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/nonexistent"}, ("https", "https://docker:2376")),
    ({"DOCKER_HOST": "tcp://docker", "DOCKER_TLS": "1"}, ("https", "https://docker:2376")),
])
def test_docker_host_is_read_as_the_docker_cli_reads_it(env, expected):
    endpoint = engine_endpoint(env)
    assert (endpoint.scheme, endpoint.label) == expected
    if env.get("DOCKER_TLS") and not env.get("DOCKER_TLS_VERIFY"):
        assert endpoint.context is not None and endpoint.context.check_hostname is False


@pytest.mark.parametrize("host, says", [
    ("ssh://me@box", "ssh:// is not supported"),
    ("tcp://:2375", "no host name"),
    ("ftp://box", "expected unix:///PATH or tcp://HOST:PORT"),
])
def test_unsupported_docker_host_is_a_clear_error(host, says):
    with pytest.raises(InputError, match=says):
        engine_endpoint({"DOCKER_HOST": host})


def test_cli_reports_a_missing_daemon_image_and_still_checks_the_other_targets(daemon, tmp_path):
    archive = write_shape("docker-legacy", sample(), str(tmp_path))
    daemon.add("app:1", archive)
    json_out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "imagepolicy", "check", "--no-config", "--image", "docker-daemon:gone:1",
         "--image", "docker-daemon:app:1", "--image", archive, "--json", str(json_out), "--format", "text"],
        capture_output=True, text=True, env={**os.environ, "DOCKER_HOST": f"unix://{daemon.socket_path}"}, timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    import json

    report = json.loads(json_out.read_text())
    assert [e["target"] for e in report["errors"]] == ["docker-daemon:gone:1"]
    by_target: dict[str, list] = {}
    for finding in report["findings"]:
        by_target.setdefault(finding["file"], []).append((finding["rule"], finding["path_in_image"], finding["message"]))
    archive_shown = os.path.relpath(archive) if not Path(archive).is_relative_to(Path.cwd()) else str(Path(archive).relative_to(Path.cwd()))
    daemon_findings = by_target.pop("docker-daemon:app:1")
    assert daemon_findings and sorted(daemon_findings) == sorted(next(iter(by_target.values())))
    assert "has no image gone:1" in proc.stdout
    del archive_shown


def test_a_dockerfile_and_its_daemon_image_ask_the_daemon_once(daemon, tmp_path):
    """The image paired with the one Dockerfile is opened early (for its /bin/sh) and that copy is checked."""
    archive = write_shape("docker-legacy", sample(), str(tmp_path))
    daemon.add("app:1", archive)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:12\nRUN echo hi\n")
    env = {**os.environ, "DOCKER_HOST": f"unix://{daemon.socket_path}"}
    for image in ("docker-daemon:app:1", "docker-daemon:gone:1"):
        daemon.seen.clear()
        daemon.exports = 0
        proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--no-config", str(dockerfile), "--image", image,
                               "--format", "json"], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode in (0, 1, 2), proc.stderr
        inspects = [s.path for s in daemon.seen if s.path.endswith("/json")]
        assert len(inspects) == 1, inspects
        assert daemon.exports == (1 if image.endswith("app:1") else 0)


def test_a_layer_that_is_not_the_configs_diff_id_is_refused(daemon, tmp_path):
    """The export is checked like an archive: each layer's tar against the diff_id its config names."""
    import image_synth

    members = image_synth.docker_legacy(ImageSpec(layers=[Layer({"/app/run.sh": b"echo the built script\n"})]))
    layer = next(n for n in members if n.endswith("layer.tar"))
    members[layer] = members[layer].replace(b"echo the built script", b"echo a swapped script")
    daemon.add("swapped:1", image_synth.emit(members, str(tmp_path / "swapped.tar")))
    with pytest.raises(InputError, match=r"docker-daemon:swapped:1: layer 0 .*: its tar does not match its digest sha256:"):
        open_target("docker-daemon:swapped:1", options=options(daemon))
