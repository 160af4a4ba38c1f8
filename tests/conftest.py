"""Shared test setup: the helper modules in this folder are importable, the
real-image fixtures (buildah) are available to the tests that ask for them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# Session fixtures that build real images with buildah (skipped with the reason
# when buildah/debootstrap are missing): built_images, image_cache_dir.
pytest_plugins = ["imagebuild", "dockerengine"]
