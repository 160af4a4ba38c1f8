"""Shared test setup: the helper modules in this folder are importable, the
real-image fixtures (buildah) are available to the tests that ask for them."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The persistent cache is off in the suite (a result kept by one test would change what the next one
# sees, e.g. how many ShellCheck processes run); tests of the cache turn it on with their own folder.
os.environ["IMAGEPOLICY_NO_CACHE"] = "1"

# Session fixtures that build real images with buildah (skipped with the reason
# when buildah/debootstrap are missing): built_images, image_cache_dir.
pytest_plugins = ["imagebuild", "dockerengine"]

# pytest-xdist (`-n auto --dist loadgroup` in pyproject.toml) runs the suite on every core. Tests share
# expensive state within their module (a corpus run, a built wheel, module fixtures), so each module
# is one group and runs in one worker. Everything that builds or runs real images (buildah's storage,
# the image cache, the private dockerd and registry) is one group too, so those tests run one at a
# time in a single worker, as they did before xdist, while the other workers take the rest.
IMAGE_FIXTURES = {"image_cache_dir", "built_images", "docker_engine", "test_registry", "podman_service"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    first = set()
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        images = (item.get_closest_marker("buildah") or item.get_closest_marker("docker")
                  or IMAGE_FIXTURES.intersection(getattr(item, "fixturenames", ())))
        item.add_marker(pytest.mark.xdist_group("real-images" if images else item.nodeid.split("::")[0]))
        if images:
            first.add(item.nodeid)
    # The real-image group is the longest (minutes on a cold cache): it starts first, the others fill in.
    items.sort(key=lambda item: item.nodeid not in first)


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` for the whole suite only: a run of named modules or tests (``pytest tests/test_x.py``) stays in
    this process, since starting workers costs more than such a run gains. ``-n N`` and
    ``$PYTEST_XDIST_AUTO_NUM_WORKERS`` still choose for themselves."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return 0
    return None
