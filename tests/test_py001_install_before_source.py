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


# --- every way teams install (issue 10) --------------------------------------------------------

FLAT = {
    "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                      '[project]\nname = "acme"\nversion = "1"\n[tool.setuptools]\npackages = ["acme"]\n',
    "acme/__init__.py": "",
}


@pytest.mark.parametrize("requirements, line", [
    ("-e .\n", "requirements.txt line 1: -e ."),
    ("requests==2.32.3\n.\n", "requirements.txt line 2: ."),
    ("-r base.txt\n", "base.txt line 1: -e ."),
    ("--editable=. # the project\n", "requirements.txt line 1: --editable=."),
    ('./ ; sys_platform == "linux"\n', "requirements.txt line 1: ./ ; sys_platform == \"linux\""),
])
def test_requirements_files_naming_the_project_are_read(tmp_path, requirements, line):
    files = dict(HATCH_SERVICE, **{"requirements.txt": requirements, "base.txt": "-e .\n"})
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md requirements.txt base.txt ./
        RUN pip install --no-cache-dir -r requirements.txt
        COPY src/ ./src/
        """, files, CODE)
    assert f.line == 4 and f"({line})" in f.message, f.message


@pytest.mark.parametrize("requirements", [
    'requests\n',
    '. ; sys_platform == "win32"\n',
    '-c constraints.txt\nrequests\n',
    '# -e .\nrequests\n',
])
def test_requirements_files_without_the_project_stay_silent(tmp_path, requirements):
    files = dict(HATCH_SERVICE, **{"requirements.txt": requirements, "constraints.txt": ".\n"})
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md requirements.txt constraints.txt ./
        RUN pip install -r requirements.txt
        COPY src/ ./src/
        """, files, CODE) == []


def test_pipfile_lock_path_entry_under_pipenv_deploy(tmp_path):
    lock = '{"_meta": {}, "default": {"acme-service": {"editable": true, "path": "."}, "requests": {"version": "==2.32.3"}}}'
    files = dict(HATCH_SERVICE, **{"Pipfile": '[packages]\nacme-service = {path = ".", editable = true}\n', "Pipfile.lock": lock})
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md Pipfile Pipfile.lock ./
        RUN pip install pipenv && pipenv install --system --deploy
        COPY src/ ./src/
        """, files, CODE)
    assert "(Pipfile.lock [default] acme-service = {path = '.', editable = true})" in f.message


def test_conda_environment_pip_section(tmp_path):
    env = "name: app\ndependencies:\n  - python=3.12\n  - pip\n  - pip:\n    - -e .\n"
    files = dict(HATCH_SERVICE, **{"environment.yml": env})
    (f,) = check(tmp_path, """
        FROM mambaorg/micromamba:1.5
        WORKDIR /app
        COPY pyproject.toml README.md environment.yml ./
        RUN micromamba create -y -n app -f environment.yml
        COPY src/ ./src/
        """, files, CODE)
    assert f.line == 4 and "environment.yml pip section" in f.message


@pytest.mark.parametrize("install", [
    "pip --no-cache-dir install -e .",
    "python -m pip --disable-pip-version-check install .",
    "python3 -u -m pip install --no-deps .",
    "poetry sync --no-interaction",
    "conda run -n app pip install .",
    "env PIP_NO_CACHE_DIR=1 pip install .",
    "uv --no-cache pip install --system .",
])
def test_more_installers(tmp_path, install):
    assert lines(check(tmp_path, f"""
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md ./
        RUN {install}
        COPY src ./src
        """, HATCH_SERVICE, CODE)) == [4], install


@pytest.mark.parametrize("install", ["uv sync --no-install-workspace", "uv sync --only-group lint", "pip --no-cache-dir download ."])
def test_installers_of_no_local_project(tmp_path, install):
    assert check(tmp_path, f"""
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md ./
        RUN {install}
        COPY src ./src
        """, HATCH_SERVICE, CODE) == []


def test_pip_wheel_in_a_builder_before_the_source(tmp_path):
    (f,) = check(tmp_path, """
        FROM python:3.12-slim AS build
        WORKDIR /src
        COPY pyproject.toml README.md ./
        RUN pip wheel --no-deps -w /wheels .
        COPY src/ ./src/

        FROM python:3.12-slim
        COPY --from=build /wheels /wheels
        RUN pip install /wheels/*.whl
        """, HATCH_SERVICE, CODE)
    assert f.line == 4 and "builds a wheel of the project at /src" in f.message
    assert "the wheel it writes provides no module acme" in f.message


def test_uv_workspace_member_missing(tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "root"\nversion = "1"\ndependencies = ["lib"]\n'
                          '[tool.uv.sources]\nlib = {workspace = true}\n[tool.uv.workspace]\nmembers = ["packages/*"]\n'
                          '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
                          '[tool.hatch.build.targets.wheel]\npackages = ["root"]\n',
        "root/__init__.py": "",
        "packages/lib/pyproject.toml": '[project]\nname = "lib"\nversion = "1"\n[build-system]\nrequires = ["hatchling"]\n'
                                       'build-backend = "hatchling.build"\n[tool.hatch.build.targets.wheel]\npackages = ["src/lib"]\n',
        "packages/lib/src/lib/__init__.py": "",
    }
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml ./
        COPY packages/lib/pyproject.toml packages/lib/
        COPY root/ root/
        RUN uv sync
        COPY packages/ packages/
        """, files, CODE)
    assert f.line == 6 and "(workspace member lib)" in f.message and "/app/packages/lib/src/lib" in f.message


def test_source_bind_mounted_into_a_regular_install_is_silent(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        RUN --mount=type=bind,source=.,target=/src,rw pip install --no-cache-dir /src
        """, HATCH_SERVICE, CODE) == []
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md ./
        RUN --mount=type=bind,source=src,target=/app/src pip install .
        """, HATCH_SERVICE, CODE) == []


def test_editable_install_from_a_bind_mount_alone_fires(tmp_path):
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml README.md ./
        RUN --mount=type=bind,source=src,target=/app/src pip install -e .
        """, HATCH_SERVICE, CODE)
    assert "exist only while this RUN runs" in f.message


def test_setup_py_develop_of_discovered_packages_is_silent(tmp_path):
    files = {"setup.py": "from setuptools import find_packages, setup\nsetup(name='acme', packages=find_packages())\n",
             "acme/__init__.py": ""}
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY setup.py ./
        RUN python setup.py develop
        COPY acme/ ./acme/
        """, files, CODE) == []


def test_setuptools_py_modules_editable_is_silent_and_regular_install_fires(tmp_path):
    files = {"pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                               '[project]\nname = "app"\nversion = "1"\n[tool.setuptools]\npy-modules = ["app"]\n',
             "app.py": ""}
    dockerfile = """
        FROM python:3.12-slim
        WORKDIR /app
        COPY pyproject.toml ./
        RUN pip install {flag}.
        COPY app.py ./
        """
    assert check(tmp_path, dockerfile.format(flag="-e "), files, CODE) == []
    (f,) = check(tmp_path, dockerfile.format(flag=""), files, CODE)
    assert "The build succeeds" in f.message


# --- the two outcomes, against the real builds of tests/pybackends.py -----------------------

from pybackends import CASES, case_context  # noqa: E402


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_message_tells_the_outcome_the_real_build_showed(tmp_path, case):
    """tests/test_python_real_builds.py builds these cases and checks each `expect` is what really happens."""
    case_context(tmp_path, case)
    findings = check(tmp_path, (tmp_path / "Dockerfile").read_text(), {}, CODE)
    if case.expect == "works":
        assert findings == []
        return
    (f,) = findings
    assert f.line == 4
    if case.expect == "fails":
        assert "The build fails here:" in f.message, f.message
    else:
        assert "The build succeeds" in f.message and "fails at run time (ModuleNotFoundError)" in f.message, f.message


# Fix: the COPY that brings the source moves above the install (with the comment lines above each),
# everything else keeps its order; unsafe when a RUN, COPY or WORKDIR stands between them.
from fixcases import fix_tests  # noqa: E402

BROKEN = """
    FROM python:3.12-slim
    WORKDIR /app
    COPY pyproject.toml README.md ./
    # hadolint ignore=DL3013
    RUN pip install --no-cache-dir -U pip wheel && \\
        pip install --no-cache-dir -e .
    LABEL org.opencontainers.image.title=acme
    # the source
    COPY src/ ./src/
    CMD ["acme"]
    """
MOVED = """
    FROM python:3.12-slim
    WORKDIR /app
    COPY pyproject.toml README.md ./
    # the source
    COPY src/ ./src/
    # hadolint ignore=DL3013
    RUN pip install --no-cache-dir -U pip wheel && \\
        pip install --no-cache-dir -e .
    LABEL org.opencontainers.image.title=acme
    CMD ["acme"]
    """
globals().update(fix_tests(
    CODE,
    files=HATCH_SERVICE,
    safe=[
        (BROKEN, MOVED),
        # no newline at the end of the file, before or after
        ("FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml README.md ./\nRUN pip install --no-cache-dir .\nCOPY src ./src",
         "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml README.md ./\nCOPY src ./src\nRUN pip install --no-cache-dir ."),
    ],
    unsafe=[
        ("FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml README.md ./\nRUN pip install --no-cache-dir .\n"
         "RUN mkdir -p /app/data\nCOPY src/ ./src/\n",
         "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml README.md ./\nCOPY src/ ./src/\nRUN pip install --no-cache-dir .\n"
         "RUN mkdir -p /app/data\n"),
    ],
    no_fix=["FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml README.md ./\nRUN pip install --no-cache-dir .\n"],
))
