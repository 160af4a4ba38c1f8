"""PY003 module-not-importable: the context project's modules must resolve in the built image."""

from __future__ import annotations

from pathlib import Path

from image_ruletest import ACME_PROJECT, PASSWD, SITE312, buildkit_history, dist_info, dockerfile_of, official, python_findings
from ruletest import docs_blocks, rule_by_code

CODE = "PY003"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "images"


def _broken() -> list[dict]:
    """The motivating bug: editable install before the source, source copied afterwards."""
    install = dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app",
                        record=["../../../bin/acme"], scripts={"acme": "acme.cli:main"})
    install["/usr/local/bin/acme"] = b"#!/usr/local/bin/python3.12\nfrom acme.cli import main\n"
    return [official(), {"/app/pyproject.toml": b"[project]\n"}, install,
            {"/app/src/acme/__init__.py": b"", "/app/src/acme/cli.py": b""}]


def _fixed() -> list[dict]:
    install = dist_info(SITE312, "acme-service", "0.1.0", files={"acme/__init__.py": b"", "acme/cli.py": b""})
    return [official(), {"/app/src/acme/__init__.py": b""}, install]


def test_editable_install_before_source_fires_with_where_and_why(tmp_path):
    (finding,) = python_findings(tmp_path, _broken(), CODE, runtime={"WorkingDir": "/app", "Cmd": ["acme"]}, context=ACME_PROJECT)
    assert finding.severity.label == "error"
    assert finding.message.startswith("module acme cannot be imported by /usr/local/bin/python3 (Python 3.12, prefix /usr/local) run as root from /app: ")
    assert "distribution acme-service 0.1.0 is installed editable from /app but provides no modules" in finding.message
    assert "/app/src/acme exists but /app/src is not on sys.path" in finding.message
    assert f"sys.path searched: /app, /usr/local/lib/python312.zip, /usr/local/lib/python3.12, /usr/local/lib/python3.12/lib-dynload, {SITE312}" in finding.message
    assert finding.path_in_image == f"{SITE312}/acme_service-0.1.0.dist-info"
    assert finding.line is None and finding.file.endswith(".tar")
    assert "non-editable" in finding.fix
    assert finding.details["installed_by"]["created_by"] == "/bin/sh -c step 2"


def test_fixed_image_is_silent(tmp_path):
    assert python_findings(tmp_path, _fixed(), CODE, runtime={"WorkingDir": "/app"}, context=ACME_PROJECT) == []


def test_no_context_and_no_option_checks_nothing(tmp_path):
    assert python_findings(tmp_path, _broken(), CODE) == []


def test_modules_option_without_context(tmp_path):
    config = {"rules": {CODE: {"modules": ["acme.cli", "json_tools"]}}}
    findings = python_findings(tmp_path, _fixed(), CODE, config=config)
    assert [f.details["module"] for f in findings] == ["json_tools"]
    assert "module json_tools cannot be imported" in findings[0].message
    assert "no folder or file of that name exists on any of them" in findings[0].message


def test_no_python_interpreter(tmp_path):
    layers = [{"/etc/passwd": PASSWD, "/app/src/acme/__init__.py": b""}]
    (finding,) = python_findings(tmp_path, layers, CODE, context=ACME_PROJECT)
    assert finding.message.startswith("the image cannot import acme: no python interpreter found on PATH: no python3 or python in /usr/local/bin:")


def test_python_option_names_the_interpreter(tmp_path):
    layers = [{"/etc/passwd": PASSWD, "/opt/py/bin/python3.12": b"\x7fELF"}, _fixed()[2]]
    (finding,) = python_findings(tmp_path, layers, CODE, context=ACME_PROJECT, config={"rules": {CODE: {"python": "/opt/py/bin/python3.12"}}})
    assert "the configured interpreter /opt/py/bin/python3.12 does not exist in the image" in finding.message


def test_site_packages_copied_for_another_python_version(tmp_path):
    layers = [official("3.11"), dist_info("/usr/local/lib/python3.12/site-packages", "acme-service", files={"acme/__init__.py": b""})]
    (finding,) = python_findings(tmp_path, layers, CODE, context=ACME_PROJECT)
    assert "/usr/local/lib/python3.12/site-packages/acme exists, but in the site-packages of Python 3.12 (the interpreter is Python 3.11)" in finding.message


def test_pythonpath_pointing_at_the_source_root_is_enough(tmp_path):
    runtime = {"WorkingDir": "/app", "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "PYTHONPATH=/app/src"]}
    assert python_findings(tmp_path, _broken(), CODE, runtime=runtime, context=ACME_PROJECT) == []


def test_non_root_user_and_user_site(tmp_path):
    layers = [official(), {"/home/app/.local/lib/python3.12/site-packages/acme/__init__.py": b""}]
    assert python_findings(tmp_path, layers, CODE, runtime={"User": "app"}, context=ACME_PROJECT) == []
    findings = python_findings(tmp_path / "other", layers, CODE, runtime={"User": "1001"}, context=ACME_PROJECT)
    assert len(findings) == 1 and "run as user 1001 from /" in findings[0].message


def test_same_verdict_on_docker_and_oci_archives(tmp_path):
    runtime = {"WorkingDir": "/app"}
    docker = python_findings(tmp_path / "d", _broken(), CODE, runtime=runtime, context=ACME_PROJECT, shape="docker-legacy")
    oci = python_findings(tmp_path / "o", _broken(), CODE, runtime=runtime, context=ACME_PROJECT, shape="oci-archive")
    assert [(f.message, f.path_in_image) for f in docker] == [(f.message, f.path_in_image) for f in oci]
    assert len(oci) == 1


def test_docs_example_is_the_broken_service_and_use_instead_the_fixed_one():
    """Image rules' docs blocks are Dockerfiles; the real-image test (test_python_real_images) builds the same two."""
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    assert example.index("pip install --no-cache-dir -e .") < example.index("COPY src/ ./src/")
    assert instead.index("COPY src/ ./src/") < instead.index("pip install --no-cache-dir .")
    assert rule.options["properties"]["modules"]["default"] == []
    for block, fixture in ((example, "service-broken"), (instead, "service-fixed")):
        assert _steps(block) == _steps((FIXTURES / fixture / "Dockerfile").read_text()), fixture


def _steps(dockerfile: str) -> list[str]:
    """Instructions other than ARG/FROM and comments: the docs use python:3.12-slim, the fixtures ${BASE}."""
    return [line for line in dockerfile.splitlines() if line.strip() and not line.startswith(("#", "ARG", "FROM"))]


BROKEN_STEPS = ["WORKDIR /app", "COPY pyproject.toml ./", "RUN pip install --no-cache-dir -e .", "COPY src/ ./src/", 'CMD ["acme"]']


def test_with_the_dockerfile_the_finding_is_on_the_editable_install(tmp_path):
    (finding,) = python_findings(tmp_path, _broken(), CODE, runtime={"WorkingDir": "/app", "Cmd": ["acme"]}, context=ACME_PROJECT,
                                 history=buildkit_history(BROKEN_STEPS), dockerfile=dockerfile_of(BROKEN_STEPS))
    assert finding.file.endswith("Dockerfile") and (finding.line, finding.end_line) == (4, 4)
    assert finding.path_in_image == f"{SITE312}/acme_service-0.1.0.dist-info"


def test_a_module_that_is_not_installed_at_all_has_no_line(tmp_path):
    steps = ["COPY README.md /app/"]
    (finding,) = python_findings(tmp_path, [official(), {"/app/README.md": b""}], CODE, context=ACME_PROJECT,
                                 history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert finding.line is None and finding.file.endswith(".tar")
