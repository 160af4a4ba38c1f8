"""Shared test setup: the helper modules in this folder are importable, the
real-image fixtures (buildah) are available to the tests that ask for them."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The persistent cache is off in the suite (a result kept by one test would change what the next one
# sees, e.g. how many ShellCheck processes run); tests of the cache turn it on with their own folder.
os.environ["IMAGEPOLICY_NO_CACHE"] = "1"

# Session fixtures that build real images with buildah (skipped with the reason
# when buildah/debootstrap are missing): built_images, image_cache_dir.
pytest_plugins = ["imagebuild", "dockerengine"]
