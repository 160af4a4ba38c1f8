"""`imagepolicy fix` on the example's broken Dockerfile gives an image that really imports the package.

Issue 13's acceptance: the bundled example's ``Dockerfile.broken`` builds green and
crashes with ModuleNotFoundError (``tests/test_real_images.py`` shows it on the
``service-broken`` fixture); after ``imagepolicy fix`` a real build with buildah
(``tests/imagebuild.py``) imports ``datastore`` and runs its console script.
One build of four layers on the shared test base image: about 30 s cold.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imagebuild import build_image, run_in_image

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "service"


@pytest.mark.buildah
def test_fixed_broken_example_builds_an_image_that_imports_the_package(image_cache_dir: Path, tmp_path: Path):
    context = tmp_path / "service"
    shutil.copytree(EXAMPLE, context)
    (context / ".git").mkdir()  # no config of this repository
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "fix", "Dockerfile.broken"], cwd=context,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "fixed PY001" in proc.stdout
    fixed = (context / "Dockerfile.broken").read_text()
    assert fixed.index("COPY src/ ./src/") < fixed.index("RUN pip install")
    # Builds here cannot pull python:3.12-slim: the same FROM, pointed at the local test base image.
    assert fixed.startswith("FROM python:3.12-slim\n")
    build = context / "Dockerfile.build"
    build.write_text("ARG BASE=python:3.12-slim\nFROM ${BASE}\n" + fixed.split("\n", 1)[1])
    image = build_image(context, build, "localhost/imagepolicy-test/fixed-example:latest", cache_dir=image_cache_dir,
                        layers=False)
    probe = run_in_image(image, ["sh", "-c", "cd / && python -c 'import datastore; print(datastore.__name__)' "
                                             "&& datastore greeting=hello greeting"], cache_dir=image_cache_dir,
                         expect_output=True)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["datastore", "hello"]
