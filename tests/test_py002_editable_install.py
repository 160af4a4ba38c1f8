"""PY002 editable-install: editable installs in the final image only."""

import pytest

from ruletest import HATCH_SERVICE, check, docs_blocks, lines, rule_by_code

CODE = "PY002"


@pytest.mark.parametrize("install", [
    "pip install -e .",
    "pip install --editable=.",
    "uv pip install -e /app",
    "uv sync",
    "poetry install",
    "pdm install",
    "python setup.py develop",
])
def test_editable_install_in_final_stage_fires(tmp_path, install):
    findings = check(tmp_path, f"""
        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN {install}
        """, HATCH_SERVICE, CODE)
    assert lines(findings) == [4], install
    assert findings[0].severity.label == "warning"


@pytest.mark.parametrize("install", [
    "pip install .",
    "uv sync --no-editable",
    "pdm install --no-editable",
    "poetry install --no-root",
    "pip install -e git+https://example.com/x.git#egg=x",
])
def test_non_editable_installs_are_silent(tmp_path, install):
    assert check(tmp_path, f"""
        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN {install}
        """, HATCH_SERVICE, CODE) == []


def test_editable_install_in_a_builder_stage_is_silent(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim AS dev
        WORKDIR /app
        COPY . .
        RUN pip install -e .

        FROM python:3.12-slim
        COPY --from=dev /app/dist /dist
        """, HATCH_SERVICE, CODE) == []


def test_editable_install_in_a_stage_the_final_stage_is_built_from(tmp_path):
    (f,) = check(tmp_path, """
        FROM python:3.12-slim AS base
        WORKDIR /app
        COPY . .
        RUN pip install -e .

        FROM base
        CMD ["acme"]
        """, HATCH_SERVICE, CODE)
    assert f.line == 4
    assert "stage 'base'" in f.message


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    assert check(tmp_path / "a", example, HATCH_SERVICE, CODE)
    assert check(tmp_path / "b", instead, HATCH_SERVICE, CODE) == []
