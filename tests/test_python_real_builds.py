"""Real builds behind PY001's two outcomes (tests/pybackends.py): opt-in, not run by CI.

Set IMAGEPOLICY_PY_REAL_BUILDS=1 to run (needs buildah, as tests/imagebuild.py). One image builds
every backend case (about 75 s on 2 cores); one container probes every import. The same cases are
judged from the Dockerfile alone by tests/test_py001_install_before_source.py, which asserts the
`expect` recorded here. Last run (pip 23.0.1, Python 3.11, hatchling 1.33, flit_core 4.2,
uv_build 0.13, setuptools 66/84, pdm-backend 2.5, poetry-core 2.5): every case as expected.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

import pybackends
from imagebuild import build_image, run_in_image

pytestmark = [
    pytest.mark.buildah,
    pytest.mark.skipif(not os.environ.get("IMAGEPOLICY_PY_REAL_BUILDS"), reason="opt-in: set IMAGEPOLICY_PY_REAL_BUILDS=1"),
]


def test_each_backend_case_fails_crashes_or_works_as_pybackends_says(image_cache_dir, tmp_path):
    root = pybackends.matrix_context(tmp_path / "matrix")
    ref = build_image(root, root / "Dockerfile", "localhost/imagepolicy-test/py-backends:latest",
                      cache_dir=image_cache_dir, wheels=pybackends.BACKEND_WHEELS)
    proc = run_in_image(ref, ["python3", "/probe.py", *[c.name for c in pybackends.CASES]], cache_dir=image_cache_dir)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    got = {name: "fails" if r["rc"] else ("works" if r["import"] == "ok" else "crashes") for name, r in results.items()}
    assert got == {c.name: c.expect for c in pybackends.CASES}, results
    shutil.rmtree(root)
