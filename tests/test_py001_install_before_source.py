"""PY001 install-before-source: fires on the RUN line, silent on near misses."""

import pytest

from ruletest import HATCH_SERVICE, check, docs_blocks, lines, rule_by_code

CODE = "PY001"


def test_editable_install_before_source_fires_on_the_run_line(tmp_path):
    findings = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md ./
        RUN pip install --no-cache-dir -U pip wheel && \\
            pip install --no-cache-dir -e .
        COPY src/ ./src/
        """, HATCH_SERVICE, CODE)
    assert lines(findings) == [4]
    (f,) = findings
    assert f.end_line == 5
    assert "/app/src/acme (from src/acme)" in f.message
    assert "`COPY src/ ./src/` at line 6" in f.message
    assert "Move `COPY src/ ./src/` (line 6) above this RUN" in f.fix
    assert "non-editable" in f.fix
    assert f.severity.label == "error"


@pytest.mark.parametrize("install", [
    "pip install .",
    "pip3 install --no-cache-dir ./",
    "python -m pip install /app",
    "python3 -m pip install -e '.[dev]'",
    "uv pip install --system .",
    "uv sync --frozen",
    "poetry install --no-interaction",
    "pdm install --prod",
    "cd /app && pip install .",
])
def test_every_installer_of_the_local_project_is_recognised(tmp_path, install):
    findings = check(tmp_path, f"""
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md ./
        RUN {install}
        COPY src ./src
        """, HATCH_SERVICE, CODE)
    assert lines(findings) == [4], install


@pytest.mark.parametrize("install", [
    "pip install -r requirements.txt",
    "pip install requests",
    "poetry install --no-root",
    "uv sync --no-install-project",
    "pdm install --no-self",
    "pip install git+https://example.com/x.git",
])
def test_installs_that_do_not_build_the_project_stay_silent(tmp_path, install):
    files = dict(HATCH_SERVICE, **{"requirements.txt": "requests\n"})
    findings = check(tmp_path, f"""
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md requirements.txt ./
        RUN {install}
        COPY src ./src
        """, files, CODE)
    assert findings == []


def test_source_copied_first_is_silent(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md ./
        COPY src/ ./src/
        RUN pip install .
        """, HATCH_SERVICE, CODE) == []


def test_whole_context_copy_is_silent(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN pip install .
        """, HATCH_SERVICE, CODE) == []


def test_source_excluded_by_dockerignore_fires_and_names_the_pattern(tmp_path):
    files = dict(HATCH_SERVICE, **{".dockerignore": "# keep the context small\nsrc\n"})
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN pip install .
        """, files, CODE)
    assert f.line == 4
    assert ".dockerignore line 2 (`src`)" in f.message


def test_the_dockerfile_specific_ignore_file_is_named_when_it_excludes_the_source(tmp_path):
    files = dict(HATCH_SERVICE, **{".dockerignore": "*.md\n", "Dockerfile.dockerignore": "src\n"})
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY . .
        RUN pip install --no-cache-dir .
        """, files, CODE)
    assert "excluded by Dockerfile.dockerignore line 1 (`src`)" in f.message
    assert "make sure Dockerfile.dockerignore does not exclude it" in f.fix


def test_install_into_another_path_than_the_source(tmp_path):
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        COPY pyproject.toml README.md /srv/app/
        COPY src/ /opt/src/
        RUN pip install /srv/app
        """, HATCH_SERVICE, CODE)
    assert "/srv/app/src/acme" in f.message
    assert "never copied" in f.message


def test_project_in_a_subfolder_of_the_context(tmp_path):
    files = {f"backend/{k}": v for k, v in HATCH_SERVICE.items()}
    findings = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY backend/pyproject.toml backend/README.md ./
        RUN pip install .
        COPY backend/src ./src
        """, files, CODE)
    assert lines(findings) == [4]
    assert "(from backend/src/acme)" in findings[0].message


def test_setuptools_flat_layout(tmp_path):
    files = {
        "setup.cfg": "[metadata]\nname = tool\n[options]\npackages = find:\n",
        "setup.py": "from setuptools import setup\nsetup()\n",
        "tool/__init__.py": "",
    }
    assert lines(check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY setup.cfg setup.py ./
        RUN pip install .
        COPY tool ./tool
        """, files, CODE)) == [4]


def test_variables_in_paths_are_resolved(tmp_path):
    assert lines(check(tmp_path, """
        FROM python:3.12-slim
        ARG APP=/app
        WORKDIR ${APP}
        COPY pyproject.toml README.md ./
        RUN pip install $APP
        COPY src ${APP}/src
        """, HATCH_SERVICE, CODE)) == [5]


def test_multistage_copy_from_builder_counts_as_present(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim AS source
        WORKDIR /app
        COPY . .

        FROM python:3.12-slim
        WORKDIR /app
        COPY --from=source /app /app
        RUN pip install .
        """, HATCH_SERVICE, CODE) == []


def test_non_python_context_is_silent(tmp_path):
    assert check(tmp_path, """
        FROM node:20
        WORKDIR /app
        COPY package.json ./
        RUN npm ci && pip install .
        """, {"package.json": "{}"}, CODE) == []


def test_pragma_ignores_the_finding(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md ./
        # imagepolicy ignore=PY001
        RUN pip install -e .
        COPY src/ ./src/
        """, HATCH_SERVICE, CODE) == []


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    assert check(tmp_path / "a", example, HATCH_SERVICE, CODE)
    assert check(tmp_path / "b", instead, HATCH_SERVICE, CODE) == []
