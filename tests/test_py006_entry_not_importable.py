"""PY006 entry-not-importable: the command the container starts, its entry module and imports.

From the Dockerfile alone (inline Dockerfiles and context files) and from synthesized images; the
same cases on real built images are in tests/test_python_real_cases.py (CI) and
tests/test_python_real_builds.py (opt-in).
"""

import io
import zipfile

import pytest

from image_ruletest import SITE312, File, dist_info, official, python_findings
from imagepolicy import limits
from ruletest import check, docs_blocks, rule_by_code

CODE = "PY006"
PKG = {"acme/__init__.py": "", "acme/__main__.py": "from acme import util\nfrom .util import X\n", "acme/util.py": "X = 1\n"}


def test_flattened_package_fires_on_the_cmd_line(tmp_path):
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY acme/ ./
        CMD ["python", "-m", "acme"]
        """, PKG, CODE)
    assert f.line == 4 and f.severity.label == "error"
    assert "cannot import acme: no module acme on sys.path (/app)" in f.message
    assert "`COPY acme/ ./` (line 3) copies the contents of acme/ into /app" in f.message
    assert "COPY acme/ /app/acme/" in f.fix


def test_package_copied_as_a_folder_is_silent(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY acme/ ./acme/
        CMD ["python", "-m", "acme"]
        """, PKG, CODE) == []


def test_flattened_script_with_relative_import(tmp_path):
    first, second = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY acme/ ./
        CMD ["python", "__main__.py"]
        """, PKG, CODE)
    assert "/app/__main__.py:1" in first.message and "cannot import acme" in first.message
    assert "attempted relative import with no known parent package" in second.message


DJANGO = {
    "manage.py": "import os\nimport sys\n\ndef main():\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
                 "    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n\n"
                 "if __name__ == '__main__':\n    main()\n",
    "mysite/__init__.py": "", "mysite/settings.py": "INSTALLED_APPS = ['polls']\n", "mysite/urls.py": "",
    "polls/__init__.py": "", "polls/models.py": "",
    "requirements.txt": "django==5.1\n",
}


def test_django_layout_flattened_by_one_copy(tmp_path):
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt ./
        RUN pip install -r requirements.txt
        COPY manage.py mysite/ polls/ ./
        CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
        """, DJANGO, CODE)
    assert f.line == 6
    assert "cannot import mysite.settings at /app/manage.py:5: no module mysite" in f.message


def test_django_layout_kept_is_silent(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt ./
        RUN pip install -r requirements.txt
        COPY . .
        CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]
        """, DJANGO, CODE) == []


APP = {"app.py": "import os\nimport requests\n\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\n\n"
                 "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy_extensions\n\n"
                 "def later():\n    import lxml\n"}


def test_missing_dependency_when_nothing_is_installed(tmp_path):
    findings = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY app.py ./
        CMD ["python", "app.py"]
        """, APP, CODE)
    assert [(f.details["import"], f.severity.label) for f in findings] == [("requests", "error"), ("lxml", "warning")]
    assert "/app/app.py:2" in findings[0].message and "sys.path (/app)" in findings[0].message


def test_dependencies_installed_by_an_unread_step_are_left_to_the_image_check(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        COPY app.py ./
        RUN pip install requests lxml
        CMD ["python", "app.py"]
        """, APP, CODE) == []


def test_pipenv_without_system_installs_into_a_venv_python_does_not_use(tmp_path):
    files = {"app.py": "import requests\n", "Pipfile": '[packages]\nrequests = "*"\n'}
    dockerfile = """
        FROM python:3.12-slim
        WORKDIR /app
        COPY Pipfile app.py ./
        RUN pip install pipenv && pipenv install {flag}
        CMD ["python", "app.py"]
        """
    (f,) = check(tmp_path, dockerfile.format(flag=""), files, CODE)
    assert "pipenv's own virtualenv" in f.message
    assert check(tmp_path, dockerfile.format(flag="--system"), files, CODE) == []


@pytest.mark.parametrize("cmd", [
    '["gunicorn", "-b", "0.0.0.0:8000", "acme.web:app"]',
    '["uvicorn", "acme.web:app", "--host", "0.0.0.0"]',
    '["python", "-m", "gunicorn", "acme.web:app"]',
    'exec gunicorn --workers 2 acme.web:app',
    '["celery", "-A", "acme.web", "worker"]',
    '["flask", "--app", "acme.web", "run"]',
])
def test_server_targets(tmp_path, cmd):
    files = {"acme/__init__.py": "", "acme/web.py": "from acme import util\napp = object()\n", "acme/util.py": ""}
    flat = check(tmp_path / "flat", f"FROM python:3.12-slim\nWORKDIR /app\nRUN pip install gunicorn\nCOPY acme/ ./\nCMD {cmd}\n",
                 files, CODE)
    assert len(flat) == 1 and "no module acme" in flat[0].message, cmd
    assert check(tmp_path / "ok", f"FROM python:3.12-slim\nWORKDIR /app\nRUN pip install gunicorn\nCOPY . .\nCMD {cmd}\n",
                 files, CODE) == []


def test_pythonsafepath_drops_the_working_directory(tmp_path):
    (f,) = check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /app
        ENV PYTHONSAFEPATH=1
        COPY acme/ ./acme/
        CMD ["python", "-m", "acme"]
        """, PKG, CODE)
    assert "sys.path ()" in f.message


def test_pythonpath_is_searched(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim
        WORKDIR /srv
        ENV PYTHONPATH=/app
        COPY acme/ /app/acme/
        CMD ["python", "-m", "acme"]
        """, PKG, CODE) == []


@pytest.mark.parametrize("healthcheck", ['HEALTHCHECK CMD ["python", "/app/probe.py"]',
                                         "HEALTHCHECK --interval=30s CMD python /app/probe.py",
                                         "HEALTHCHECK CMD python /app/probe.py || exit 1",
                                         "HEALTHCHECK CMD cd /app && python probe.py && echo healthy"])
def test_the_healthcheck_is_checked_from_the_dockerfile(tmp_path, healthcheck):
    """A real build showed it (tests/pycases.py, healthcheck_missing_dep): the HEALTHCHECK's script cannot import
    its dependency, while the Dockerfile-alone check looked at CMD/ENTRYPOINT only."""
    dockerfile = f"""
        FROM python:3.12-slim
        WORKDIR /app
        COPY probe.py ./
        {healthcheck}
        CMD ["sleep", "infinity"]
        """
    (f,) = check(tmp_path, dockerfile, {"probe.py": "import json\nimport requests\n"}, CODE)
    assert f.line == 4 and "(the final stage's HEALTHCHECK, run as root from /app) cannot import requests" in f.message
    assert check(tmp_path / "none", dockerfile.replace(healthcheck, "HEALTHCHECK NONE"), {"probe.py": "import requests\n"}, CODE) == []
    assert check(tmp_path / "ok", dockerfile, {"probe.py": "import json\n"}, CODE) == []


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    assert check(tmp_path / "a", example, PKG, CODE)
    assert check(tmp_path / "b", instead, PKG, CODE) == []


def test_deeply_nested_source_is_no_crash(tmp_path):
    files = {"app.py": "x = " + "[" * 150 + "]" * 150 + "\ny = " + "-" * 100_000 + "1\nimport requests\n"}
    assert check(tmp_path, "FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py ./\nCMD [\"python\", \"app.py\"]\n", files, CODE) == []


def test_import_graph_is_bounded(tmp_path):
    files = {f"m{i}.py": f"import m{i + 1}\n" for i in range(30)}
    files["m30.py"] = ""
    with limits.override(import_graph_modules=10):
        from ruletest import _loaded  # noqa: F401 - the engine turns the limit into an input error
        import textwrap
        from imagepolicy import config as config_mod
        from imagepolicy.engine import CheckRequest, run_checks
        from ruletest import write_tree

        write_tree(tmp_path, files)
        (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"m0.py\"]\n")
        pm, reg = _loaded()
        report = run_checks(pm, reg, config_mod.resolve(None, list(reg.rules), reg.presets),
                            CheckRequest(dockerfiles=[tmp_path / "Dockerfile"]))
        (result,) = report.results
        assert any("import-graph-modules" in e for e in result.errors), (result.errors, textwrap)


# --- built images (synthesized) ------------------------------------------------------------------


def test_image_flat_layout_console_script_crashes_from_its_own_folder(tmp_path):
    """CMD ["orrery"]: sys.path[0] is /usr/local/bin, not the WORKDIR that holds orrery/."""
    layers = [official(), {
        "/app/orrery/__init__.py": b"", "/app/orrery/cli.py": b"def main():\n    pass\n",
        "/usr/local/bin/orrery": File(b"#!/usr/local/bin/python3\nimport sys\nfrom orrery.cli import main\nsys.exit(main())\n", mode=0o755),
    }]
    (f,) = python_findings(tmp_path, layers, CODE, runtime={"Cmd": ["orrery"], "WorkingDir": "/app"})
    assert "cannot import orrery.cli at /usr/local/bin/orrery:3" in f.message
    assert f.message.split("sys.path (")[1].startswith("/usr/local/bin, ")
    assert f.path_in_image == "/usr/local/bin/orrery"


def test_image_module_entry_from_the_workdir(tmp_path):
    layers = [official(), {"/app/acme/__init__.py": b"", "/app/acme/__main__.py": b"import acme.util\nimport yaml\n",
                           "/app/acme/util.py": b""}, dist_info(SITE312, "PyYAML", files={"yaml/__init__.py": b""})]
    assert python_findings(tmp_path, layers, CODE, runtime={"Cmd": ["python3", "-m", "acme"], "WorkingDir": "/app"}) == []
    layers[2] = {}
    (f,) = python_findings(tmp_path / "b", layers, CODE, runtime={"Cmd": ["python3", "-m", "acme"], "WorkingDir": "/app"})
    assert "cannot import yaml at /app/acme/__main__.py:2" in f.message


def test_image_zipped_egg_on_sys_path_resolves(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eggmod/__init__.py", "")
    layers = [official(), {f"{SITE312}/eggmod-1.0-py3.12.egg": buffer.getvalue(),
                           f"{SITE312}/easy-install.pth": b"./eggmod-1.0-py3.12.egg\n",
                           "/app/run.py": b"import eggmod\n"}]
    assert python_findings(tmp_path, layers, CODE, runtime={"Cmd": ["python3", "run.py"], "WorkingDir": "/app"}) == []


def test_image_healthcheck_is_checked(tmp_path):
    layers = [official(), {"/app/probe.py": b"import missingdep\n"}]
    (f,) = python_findings(tmp_path, layers, CODE, runtime={
        "Cmd": ["sleep", "1"], "WorkingDir": "/app", "Healthcheck": {"Test": ["CMD", "python3", "/app/probe.py"]}})
    assert "HEALTHCHECK" in f.message and "missingdep" in f.message
