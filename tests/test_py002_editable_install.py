"""PY002 editable-install: editable installs in the final image only."""

import pytest

from image_ruletest import SITE312, buildkit_history, dist_info, dockerfile_of, official, python_findings
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


# --- the built image ------------------------------------------------------------------------------

FINDER_PTH = b"import __editable___acme_0_1_finder; __editable___acme_0_1_finder.install()\n"


def test_image_editable_distribution_fires_with_its_dist_info(tmp_path):
    layers = [official(), dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app",
                                    files={"_acme_service.pth": b"/app/src\n"}), {"/app/src/acme/__init__.py": b""}]
    (finding,) = python_findings(tmp_path, layers, CODE)
    assert finding.severity.label == "warning"
    assert finding.path_in_image == f"{SITE312}/acme_service-0.1.0.dist-info"
    assert finding.message == (
        f"distribution acme-service 0.1.0 is installed editable from /app ({SITE312}/acme_service-0.1.0.dist-info/direct_url.json), "
        f"through {SITE312}/_acme_service.pth: its code is imported from that folder, not from site-packages"
    )
    assert "pip install ." in finding.fix and finding.line is None


def test_image_editable_without_wiring_says_it_provides_nothing(tmp_path):
    layers = [official(), dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app")]
    (finding,) = python_findings(tmp_path, layers, CODE)
    assert "with no .pth file or finder, so it provides no module" in finding.message


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


def test_image_orphan_finder_and_egg_link_are_reported(tmp_path):
    """No dist-info says editable (a hand-copied site-packages), but the hooks are still there."""
    layers = [official(), {
        f"{SITE312}/__editable__.acme-0.1.pth": FINDER_PTH,
        f"{SITE312}/__editable___acme_0_1_finder.py": b"MAPPING = {'acme': '/app/acme'}\n",
        f"{SITE312}/legacy.egg-link": b"/src/legacy\n.\n",
    }]
    findings = python_findings(tmp_path, layers, CODE)
    assert [f.path_in_image for f in findings] == [
        f"{SITE312}/__editable__.acme-0.1.pth", f"{SITE312}/__editable___acme_0_1_finder.py", f"{SITE312}/legacy.egg-link"]
    assert all("editable-install hook" in f.message for f in findings)


def test_image_editable_dist_outside_sys_path_is_not_reported(tmp_path):
    """Only what the default interpreter sees counts (PY005 handles other versions' site-packages)."""
    layers = [official(), dist_info("/opt/other/lib/python3.12/site-packages", "acme", editable=True)]
    assert python_findings(tmp_path, layers, CODE) == []


def test_rule_targets_both_kinds():
    assert rule_by_code(CODE).target == "any"


def test_image_findings_point_at_the_instruction_that_wrote_the_dist_info_or_hook(tmp_path):
    steps = ["COPY pyproject.toml ./", "RUN pip install -e .", "RUN cp /tmp/hook.egg-link /usr/local/lib/python3.12/site-packages/"]
    layers = [official(), {"/app/pyproject.toml": b"[project]\n"},
              dist_info(SITE312, "acme-service", "0.1.0", editable=True, url="file:///app", files={"_acme_service.pth": b"/app/src\n"}),
              {f"{SITE312}/legacy.egg-link": b"/src/legacy\n.\n"}]
    found = python_findings(tmp_path, layers, CODE, history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert [(f.path_in_image, f.line) for f in found] == [
        (f"{SITE312}/acme_service-0.1.0.dist-info", 3), (f"{SITE312}/legacy.egg-link", 4)]
