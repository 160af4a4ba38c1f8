"""Ground truth from real images: what really happens inside the fixture images.

The images under ``tests/fixtures/images/`` are built with buildah (see
``tests/imagebuild.py``) and then *run* here, only as test oracles, so that the
image rules can later be compared with what the images really do.  imagepolicy
itself never runs image content.

Facts recorded (hatchling 1.33, pip 23.0.1, Python 3.11 of Debian 12):

* ``service-broken`` (``pip install -e .`` before ``COPY src/``): the build
  SUCCEEDS; hatchling builds an editable wheel with no ``.pth`` file because
  ``src/acme`` did not exist yet; ``acme-service`` is installed (editable,
  ``file:///app``) with its ``acme`` console script, yet ``import acme`` fails
  with ``ModuleNotFoundError`` even though ``/app/src/acme`` is in the image.
* ``service-fixed``: ``import acme`` works and ``acme`` runs.
* ``service-multistage``: ``import acme`` works, but the console script stayed in
  the builder's venv, so ``CMD ["acme"]`` names a program that is not there.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

import imagebuild
from imagebuild import ImageBuildError, run_in_image, save_image


# Run inside each fixture image (one container per image: each costs a rootfs copy).
PROBE = """
import importlib.metadata, json, os, shutil, subprocess
facts = {"source_in_app": os.path.isfile("/app/src/acme/cli.py")}
try:
    import acme
    facts["import"] = {"ok": True, "file": acme.__file__}
except Exception as exc:
    facts["import"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
facts["script"] = shutil.which("acme")
if facts["script"]:
    run = subprocess.run(["acme"], capture_output=True, text=True)
    facts["run"] = {"rc": run.returncode, "stdout": run.stdout, "stderr": run.stderr}
try:
    dist = importlib.metadata.distribution("acme-service")
    facts["dist"] = {"files": [str(f) for f in dist.files or []],
                     "direct_url": json.loads(dist.read_text("direct_url.json") or "{}")}
except importlib.metadata.PackageNotFoundError:
    facts["dist"] = None
print(json.dumps(facts))
"""


# --------------------------------------------------------------------------- archive readers


def _tar_json(archive: Path, member: str) -> Any:
    """Return the JSON document stored as ``member`` in the tar ``archive``."""
    with tarfile.open(archive) as tar:
        handle = tar.extractfile(member)
        assert handle is not None, f"{member} is not a regular file in {archive}"
        return json.load(handle)


def _docker_archive(archive: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (manifest entry, image config) of a single-image docker-archive."""
    manifest = _tar_json(archive, "manifest.json")
    assert len(manifest) == 1
    return manifest[0], _tar_json(archive, manifest[0]["Config"])


def _layer_members(archive: Path, layer: str) -> list[str]:
    """Return the paths in one layer tar of a docker-archive."""
    with tarfile.open(archive) as outer:
        handle = outer.extractfile(layer)
        assert handle is not None
        with tarfile.open(fileobj=handle) as inner:
            return [name.removeprefix("./") for name in inner.getnames()]


def _image_facts(image: str, code: str) -> dict[str, Any]:
    proc = run_in_image(image, ["python", "-c", code], expect_output=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------- fast checks (no tools)


def test_save_image_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="docker-archive, oci-archive, oci-dir"):
        save_image("localhost/x:latest", tmp_path / "x.tar", "tarball")


def test_debian_mirror_env_override_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEPOLICY_DEBIAN_MIRROR", "http://mirror.example/debian/")
    assert imagebuild.debian_mirror() == "http://mirror.example/debian"


def test_every_fixture_takes_base_as_build_arg() -> None:
    names = imagebuild.fixture_names()
    assert {"service-broken", "service-fixed", "service-multistage"} <= set(names)
    for name in names:
        text = (imagebuild.FIXTURES_DIR / name / "Dockerfile").read_text(encoding="utf-8")
        assert "ARG BASE" in text and "FROM ${BASE}" in text, name


# --------------------------------------------------------------------------- oracles (real images)


@pytest.mark.buildah
def test_base_image_looks_like_python_slim(image_cache_dir: Path) -> None:
    image = imagebuild.base_image(image_cache_dir)
    code = (
        "import json, shutil, sys\n"
        "print(json.dumps({'prefix': sys.prefix, 'python': shutil.which('python'),"
        " 'pip': shutil.which('pip'), 'version': sys.version_info[:2]}))"
    )
    facts = _image_facts(image, code)
    assert facts["prefix"] == "/usr/local"
    assert facts["python"] == "/usr/local/bin/python"
    assert facts["pip"] == "/usr/local/bin/pip"
    assert facts["version"] == [3, 11]


@pytest.fixture(scope="module")
def probes(built_images: dict) -> dict[str, dict[str, Any]]:
    """What really happens in each fixture image, from one PROBE run per image."""
    return {name: _image_facts(entry["image"], PROBE) for name, entry in built_images.items()}


@pytest.mark.buildah
def test_broken_editable_install_before_source_cannot_import(built_images: dict) -> None:
    proc = run_in_image(built_images["service-broken"]["image"], ["python", "-c", "import acme"])
    assert proc.returncode == 1
    assert "ModuleNotFoundError: No module named 'acme'" in proc.stderr


@pytest.mark.buildah
def test_broken_source_is_in_the_image_but_not_on_sys_path(probes: dict) -> None:
    facts = probes["service-broken"]
    assert facts["source_in_app"] is True
    assert facts["import"] == {"ok": False, "error": "ModuleNotFoundError: No module named 'acme'"}


@pytest.mark.buildah
def test_broken_install_is_recorded_as_editable_without_pth(probes: dict) -> None:
    dist = probes["service-broken"]["dist"]
    assert dist["direct_url"] == {"dir_info": {"editable": True}, "url": "file:///app"}
    assert not [f for f in dist["files"] if f.endswith(".pth")], dist["files"]
    assert "../../../bin/acme" in dist["files"]


@pytest.mark.buildah
def test_broken_console_script_exists_but_fails(probes: dict) -> None:
    facts = probes["service-broken"]
    assert facts["script"] == "/usr/local/bin/acme"
    assert facts["run"]["rc"] == 1
    assert "ModuleNotFoundError: No module named 'acme'" in facts["run"]["stderr"]


@pytest.mark.buildah
def test_fixed_image_imports_and_runs(probes: dict) -> None:
    facts = probes["service-fixed"]
    assert facts["import"] == {
        "ok": True, "file": "/usr/local/lib/python3.11/site-packages/acme/__init__.py"
    }
    assert facts["script"] == "/usr/local/bin/acme"
    assert facts["run"] == {"rc": 0, "stdout": "acme-service 0.1.0 ok\n", "stderr": ""}
    assert "editable" not in json.dumps(facts["dist"]["direct_url"])


@pytest.mark.buildah
def test_multistage_keeps_module_but_loses_console_script(built_images: dict, probes: dict) -> None:
    facts = probes["service-multistage"]
    assert facts["import"]["ok"] is True
    assert facts["script"] is None
    assert "../../../bin/acme" in facts["dist"]["files"]  # recorded, but left in the builder
    _, config = _docker_archive(built_images["service-multistage"]["docker-archive"])
    assert config["config"]["Cmd"] == ["acme"]


@pytest.mark.buildah
def test_docker_archives_are_complete(built_images: dict) -> None:
    for name, entry in built_images.items():
        archive = entry["docker-archive"]
        assert tarfile.is_tarfile(archive), archive
        manifest, config = _docker_archive(archive)
        assert manifest["RepoTags"] == [entry["image"]]
        with tarfile.open(archive) as tar:
            members = set(tar.getnames())
        assert set(manifest["Layers"]) <= members, name
        assert len(manifest["Layers"]) == len(config["rootfs"]["diff_ids"]), name
        created = [h for h in config["history"] if not h.get("empty_layer")]
        assert len(created) == len(manifest["Layers"]), name


@pytest.mark.buildah
def test_oci_archives_are_complete(built_images: dict) -> None:
    for name, entry in built_images.items():
        archive = entry["oci-archive"]
        assert tarfile.is_tarfile(archive), archive
        index = _tar_json(archive, "index.json")
        assert _tar_json(archive, "oci-layout")["imageLayoutVersion"] == "1.0.0"
        (descriptor,) = index["manifests"]
        assert descriptor["annotations"]["org.opencontainers.image.ref.name"] == "latest"
        manifest = _tar_json(archive, "blobs/" + descriptor["digest"].replace(":", "/"))
        with tarfile.open(archive) as tar:
            members = set(tar.getnames())
        for blob in [manifest["config"], *manifest["layers"]]:
            assert "blobs/" + blob["digest"].replace(":", "/") in members, name


@pytest.mark.buildah
def test_one_layer_per_instruction_and_no_build_mount_traces(built_images: dict) -> None:
    archive = built_images["service-broken"]["docker-archive"]
    manifest, config = _docker_archive(archive)
    steps = [h["created_by"] for h in config["history"] if not h.get("empty_layer")]
    assert "COPY dir:" in steps[-1] and steps[-1].rstrip().endswith("in ./src/")
    assert steps[-2] == "/bin/sh -c pip install --no-cache-dir -e ."
    pip_layer = _layer_members(archive, manifest["Layers"][-2])
    assert "usr/local/bin/acme" in pip_layer
    for layer in manifest["Layers"][1:]:
        members = _layer_members(archive, layer)
        assert "etc/pip.conf" not in members
        assert not [m for m in members if m.startswith("run/imagepolicy-wheelhouse")]


@pytest.mark.buildah
def test_failed_build_raises_with_the_log(image_cache_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "ARG BASE\nFROM ${BASE}\nRUN echo imagepolicy-marker-output && exit 7\n", encoding="utf-8"
    )
    base_containers = ["containers", "--all", "--quiet", "--filter", f"ancestor={imagebuild.BASE_IMAGE}"]
    containers_before = subprocess.run(
        imagebuild._buildah_cmd(image_cache_dir) + base_containers,
        capture_output=True, text=True, check=True,
    ).stdout.split()
    with pytest.raises(ImageBuildError) as caught:
        imagebuild.build_image(
            tmp_path, tmp_path / "Dockerfile", "localhost/imagepolicy-test/failing:latest",
            cache_dir=image_cache_dir,
        )
    assert "imagepolicy-marker-output" in str(caught.value)
    assert str(tmp_path / "Dockerfile") in str(caught.value)
    containers = subprocess.run(
        imagebuild._buildah_cmd(image_cache_dir) + base_containers,
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert containers_before == containers, "the failed build left its working container"
