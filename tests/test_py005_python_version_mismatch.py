"""PY005 python-version-mismatch: site-packages with no matching interpreter in the image."""

from __future__ import annotations

import re

from image_ruletest import OFFICIAL_PATH, SITE312, buildkit_history, dist_info, dockerfile_of, official, python_findings
from image_synth import File, Symlink
from ruletest import docs_blocks, rule_by_code

CODE = "PY005"
SITE311 = "/usr/local/lib/python3.11/site-packages"


def test_site_packages_from_another_python_fires(tmp_path):
    layers = [official("3.11"), dist_info(SITE312, "requests", "2.32.3", files={"requests/__init__.py": b""})]
    (finding,) = python_findings(tmp_path, layers, CODE)
    assert finding.severity.label == "error"
    assert finding.path_in_image == SITE312
    assert re.fullmatch(
        re.escape(f"{SITE312} holds packages for Python 3.12 (requests-2.32.3.dist-info) but the image has no python3.12 "
                  "(interpreters found: 3.11 (/usr/local/bin/python3.11)); added by layer 1 ") + r"sha256:[0-9a-f]{12} \(RUN step 1\)",
        finding.message)


def test_matching_interpreter_is_silent(tmp_path):
    layers = [official("3.12"), dist_info(SITE312, "requests", files={"requests/__init__.py": b""})]
    assert python_findings(tmp_path, layers, CODE) == []


def test_empty_site_packages_of_another_version_is_silent(tmp_path):
    layers = [official("3.11"), {"/usr/local/lib/python3.12/site-packages/README.txt": b""}]
    assert python_findings(tmp_path, layers, CODE) == []


def test_a_second_interpreter_anywhere_in_the_image_counts(tmp_path):
    layers = [official("3.11"), {"/opt/py/bin/python3.12": File(b"\x7fELF", mode=0o755)}, dist_info(SITE312, "x", files={"x.py": b""})]
    assert python_findings(tmp_path, layers, CODE) == []


def test_venv_whose_python_link_dangles_fires(tmp_path):
    """A venv copied from a 3.12 builder onto a 3.11 base: its python3.12 link points nowhere."""
    venv = {"/opt/venv/bin/python3.12": Symlink("/usr/local/bin/python3.12"),
            **dist_info("/opt/venv/lib/python3.12/site-packages", "acme", files={"acme/__init__.py": b""})}
    (finding,) = python_findings(tmp_path, [official("3.11"), venv], CODE)
    assert finding.path_in_image == "/opt/venv/lib/python3.12/site-packages"


def test_other_versions_site_packages_on_the_path_fires_even_with_its_interpreter(tmp_path):
    layers = [official("3.11"), official("3.12"), dist_info(SITE312, "x", files={"x.py": b""})]
    layers[1].pop("/usr/local/bin/python3")  # python3 stays 3.11
    layers[1].pop("/usr/local/bin/python")
    runtime = {"Env": [OFFICIAL_PATH, f"PYTHONPATH={SITE312}"]}
    (finding,) = python_findings(tmp_path, layers, CODE, runtime=runtime)
    assert finding.message == (
        f"{SITE312} holds packages for Python 3.12 (x-1.0.dist-info) and is on the sys.path of "
        "/usr/local/bin/python3 (Python 3.11) through PYTHONPATH"
    )


def test_docs_blocks_mix_python_versions():
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    assert "FROM python:3.12-slim AS builder" in example and "FROM python:3.11-slim\n" in example
    assert example.count("3.11") == 1 and instead.count("3.11") == 2


def test_ignore_paths_option(tmp_path):
    layers = [official("3.11"), dist_info("/opt/vendor/tool/lib/python3.9/site-packages", "x", files={"x.py": b""})]
    assert len(python_findings(tmp_path / "a", layers, CODE)) == 1
    config = {"rules": {CODE: {"ignore-paths": ["/opt/vendor/*/lib/python3.9/site-packages"]}}}
    assert python_findings(tmp_path / "b", layers, CODE, config=config) == []


def test_with_the_dockerfile_the_finding_is_on_the_copy_that_added_the_folder(tmp_path):
    steps = [f"COPY --from=builder {SITE312} {SITE312}", 'CMD ["python3"]']
    dockerfile = "FROM python:3.12 AS builder\nRUN pip install requests\n\n" + dockerfile_of(steps, "python:3.11")
    layers = [official("3.11"), dist_info(SITE312, "requests", "2.32.3", files={"requests/__init__.py": b""})]
    (finding,) = python_findings(tmp_path, layers, CODE, history=buildkit_history(steps), dockerfile=dockerfile)
    assert finding.file.endswith("Dockerfile") and finding.line == 5
