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

# pytest-xdist is a test extra for the fast tier only: `pytest -m "not buildah and not docker" -n 2
# --dist loadfile` keeps each module (and what it shares: a corpus run, a built wheel, module fixtures)
# in one worker. The whole suite runs in one process: its real-image tests share one buildah storage,
# image cache, dockerd and registry, and must not run in two workers at once. xdist's `loadgroup`
# cannot keep them together here: with pytest 9 it no longer tags a test with its group (it sets
# `Item._nodeid`, which pytest 9 does not read), so each test was scheduled on its own and two workers
# built and saved the same images at once on a cold cache.


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` for the whole suite only: a run of named modules or tests (``pytest tests/test_x.py``) stays in
    this process, since starting workers costs more than such a run gains. ``-n N`` and
    ``$PYTEST_XDIST_AUTO_NUM_WORKERS`` still choose for themselves."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return 0
    return None
