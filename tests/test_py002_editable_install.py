"""PY002 editable-install: an editable install whose project folder the final image does not have.

Decision (see the rule's docs): editable installs whose folder stays in the image work (uv's two-step
recipe, every poetry image) and are silent; the wiring shipped without the folder is reported.
"""

import pytest

from image_ruletest import SITE312, buildkit_history, dist_info, dockerfile_of, official, python_findings
from ruletest import HATCH_SERVICE, check, docs_blocks, lines, rule_by_code

CODE = "PY002"

BUILDER = """
    FROM python:3.12-slim AS builder
    WORKDIR /app
    COPY . .
    RUN python -m venv /opt/venv && {install}

    FROM python:3.12-slim
    COPY --from=builder /opt/venv /opt/venv
    CMD ["acme"]
    """


@pytest.mark.parametrize("install", [
    "/opt/venv/bin/pip install -e .",
    "/opt/venv/bin/pip install --editable=.",
    "uv pip install -e /app",
    "uv sync",
    "poetry install",
    "pdm install",
    "python setup.py develop",
])
def test_editable_wiring_copied_without_its_folder_fires(tmp_path, install):
    findings = check(tmp_path, BUILDER.format(install=install), HATCH_SERVICE, CODE)
    assert lines(findings) == [4], install
    (f,) = findings
    assert f.severity.label == "warning"
    assert "`COPY --from=builder /opt/venv /opt/venv` (line 7) but not /app" in f.message


@pytest.mark.parametrize("install", ["/opt/venv/bin/pip install .", "uv sync --no-editable", "pdm install --no-editable"])
def test_non_editable_builder_installs_are_silent(tmp_path, install):
    assert check(tmp_path, BUILDER.format(install=install), HATCH_SERVICE, CODE) == []


def test_folder_copied_to_the_final_image_too_is_silent(tmp_path):
    assert check(tmp_path, BUILDER.format(install="/opt/venv/bin/pip install -e .") + "COPY . /app\n", HATCH_SERVICE, CODE) == []


@pytest.mark.parametrize("dockerfile", [
    # uv's own recommended two-step recipe (docs.astral.sh/uv/guides/integration/docker)
    """
    FROM python:3.12-slim
    WORKDIR /app
    RUN --mount=type=bind,source=pyproject.toml,target=pyproject.toml uv sync --no-install-project
    COPY . /app
    RUN uv sync
    """,
    # a working poetry image: poetry installs the root editable
    """
    FROM python:3.12-slim
    WORKDIR /app
    COPY pyproject.toml README.md ./
    RUN poetry install --no-root
    COPY src/ ./src/
    RUN poetry install
    """,
    "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -e .\n",
])
def test_editable_installs_that_work_are_silent(tmp_path, dockerfile):
    assert check(tmp_path, dockerfile, HATCH_SERVICE, CODE) == []


def test_requirements_file_editable_line_in_a_builder(tmp_path):
    files = dict(HATCH_SERVICE, **{"requirements.txt": "-e .\n"})
    (f,) = check(tmp_path, BUILDER.format(install="/opt/venv/bin/pip install -r requirements.txt"), files, CODE)
    assert "(requirements.txt line 1: -e .)" in f.message


def test_editable_install_in_an_unused_builder_is_silent(tmp_path):
    assert check(tmp_path, """
        FROM python:3.12-slim AS dev
        WORKDIR /app
        COPY . .
        RUN pip install -e .

        FROM python:3.12-slim
        COPY --from=dev /app/dist /dist
        """.replace("COPY --from=dev /app/dist /dist", "COPY README.md /"), HATCH_SERVICE, CODE) == []


def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    assert check(tmp_path / "a", example, HATCH_SERVICE, CODE)
    assert check(tmp_path / "b", instead, HATCH_SERVICE, CODE) == []


# --- the built image ------------------------------------------------------------------------------

FINDER_PTH = b"import __editable___acme_0_1_finder; __editable___acme_0_1_finder.install()\n"


def test_image_editable_distribution_without_its_folder_fires(tmp_path):
    layers = [official(), dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app",
                                    files={"_acme_service.pth": b"/app/src\n"})]
    (finding,) = python_findings(tmp_path, layers, CODE)
    assert finding.severity.label == "warning"
    assert finding.path_in_image == f"{SITE312}/acme_service-0.1.0.dist-info"
    assert finding.message == (
        f"distribution acme-service 0.1.0 is installed editable from /app ({SITE312}/acme_service-0.1.0.dist-info/direct_url.json), "
        "which does not exist in the image: its modules are imported from that folder, so they cannot be imported"
    )
    assert "pip install ." in finding.fix and finding.line is None


def test_image_editable_distribution_with_its_folder_is_silent(tmp_path):
    layers = [official(), dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app",
                                    files={"_acme_service.pth": b"/app/src\n"}), {"/app/src/acme/__init__.py": b""}]
    assert python_findings(tmp_path, layers, CODE) == []


def test_image_regular_install_from_a_local_folder_is_silent(tmp_path):
    layers = [official(), dist_info(SITE312, "acme-service", "0.1.0", url="file:///app", files={"acme/__init__.py": b""})]
    assert python_findings(tmp_path, layers, CODE) == []


def test_image_setuptools_finder_reported_once_with_its_distribution(tmp_path):
    layers = [official(), {
        f"{SITE312}/__editable__.acme-0.1.pth": FINDER_PTH,
        f"{SITE312}/__editable___acme_0_1_finder.py": b"MAPPING = {'acme': '/app/acme'}\n",
        **dist_info(SITE312, "acme", "0.1", editable=True, record=["__editable__.acme-0.1.pth", "__editable___acme_0_1_finder.py"]),
    }]
    (finding,) = python_findings(tmp_path, layers, CODE)
    assert finding.path_in_image == f"{SITE312}/acme-0.1.dist-info"


def test_image_orphan_hooks_pointing_nowhere_are_reported(tmp_path):
    """No dist-info says editable (a hand-copied site-packages), but the hooks are still there."""
    layers = [official(), {
        f"{SITE312}/__editable__.acme-0.1.pth": FINDER_PTH,
        f"{SITE312}/__editable___acme_0_1_finder.py": b"MAPPING = {'acme': '/app/acme'}\n",
        f"{SITE312}/legacy.egg-link": b"/src/legacy\n.\n",
        f"{SITE312}/present.egg-link": b"/srv/present\n.\n",
        "/srv/present/present/__init__.py": b"",
    }]
    findings = python_findings(tmp_path, layers, CODE)
    assert [f.path_in_image for f in findings] == [f"{SITE312}/__editable___acme_0_1_finder.py", f"{SITE312}/legacy.egg-link"]
    assert all("editable-install hook that points at" in f.message for f in findings)


def test_image_editable_dist_outside_sys_path_is_not_reported(tmp_path):
    """Only what the default interpreter sees counts (PY005 handles other versions' site-packages)."""
    layers = [official(), dist_info("/opt/other/lib/python3.12/site-packages", "acme", editable=True)]
    assert python_findings(tmp_path, layers, CODE) == []


def test_rule_targets_both_kinds():
    assert rule_by_code(CODE).target == "any"


def test_image_findings_point_at_the_instruction_that_wrote_the_dist_info_or_hook(tmp_path):
    steps = ["COPY pyproject.toml ./", "RUN pip install -e .", "RUN cp /tmp/hook.egg-link /usr/local/lib/python3.12/site-packages/"]
    layers = [official(), {"/work/pyproject.toml": b"[project]\n"},
              dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app", files={"_acme_service.pth": b"/app/src\n"}),
              {f"{SITE312}/legacy.egg-link": b"/src/legacy\n.\n"}]
    found = python_findings(tmp_path, layers, CODE, history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert [(f.path_in_image, f.line) for f in found] == [
        (f"{SITE312}/acme_service-0.1.0.dist-info", 3), (f"{SITE312}/legacy.egg-link", 4)]


# Fix: the builder's install becomes non-editable where it is written.
from fixcases import fix_tests  # noqa: E402

globals().update(fix_tests(
    CODE,
    files=HATCH_SERVICE,
    safe=[
        (BUILDER.format(install=before), BUILDER.format(install=after)) for before, after in [
            ("/opt/venv/bin/pip install -e .", "/opt/venv/bin/pip install ."),
            ("/opt/venv/bin/pip install --editable=.", "/opt/venv/bin/pip install ."),
            ("/opt/venv/bin/pip install -e/app", "/opt/venv/bin/pip install /app"),
            ("uv pip install -e /app", "uv pip install /app"),
            ("uv sync --frozen", "uv sync --no-editable --frozen"),
            ("pdm install", "pdm install --no-editable"),
        ]
    ],
    no_fix=[BUILDER.format(install="poetry install"), BUILDER.format(install="python setup.py develop")],
))
