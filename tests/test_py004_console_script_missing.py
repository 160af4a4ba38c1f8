"""PY004 console-script-missing: declared console scripts exist in the image with a working #! interpreter."""

from __future__ import annotations

from image_ruletest import ACME_PROJECT, SITE312, buildkit_history, dist_info, dockerfile_of, official, python_findings
from image_synth import WHITEOUT, File, Symlink
from ruletest import docs_blocks, rule_by_code

CODE = "PY004"
SCRIPT = File(b"#!/usr/local/bin/python3.12\nimport sys\nfrom acme.cli import main\nsys.exit(main())\n", mode=0o755)


def _installed(script=SCRIPT, bin_path: str = "/usr/local/bin/acme") -> dict:
    files = dist_info(SITE312, "acme-service", "0.1.0", files={"acme/__init__.py": b"", "acme/cli.py": b""},
                      scripts={"acme": "acme.cli:main"})
    rec = f"{SITE312}/acme_service-0.1.0.dist-info/RECORD"
    files[rec] = files[rec] + b"../../../bin/acme,,\n"
    if script is not None:
        files[bin_path] = script
    return files


def test_script_lost_by_a_multistage_copy_fires(tmp_path):
    (finding,) = python_findings(tmp_path, [official(), _installed(script=None)], CODE, runtime={"Cmd": ["acme"]}, context=ACME_PROJECT)
    assert finding.severity.label == "error"
    assert finding.message == (
        "console script acme ([project.scripts] of acme-service) is not in /usr/local/bin nor anywhere on PATH "
        "(/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin); the image's CMD/ENTRYPOINT runs `acme`"
    )
    assert finding.path_in_image == "/usr/local/bin/acme"
    assert "whole venv" in finding.fix


def test_installed_script_is_silent(tmp_path):
    assert python_findings(tmp_path, [official(), _installed()], CODE, context=ACME_PROJECT) == []


def test_without_context_the_distributions_record_says_which_scripts_pip_wrote(tmp_path):
    (finding,) = python_findings(tmp_path, [official(), _installed(script=None)], CODE)
    assert f"console script acme (console_scripts of acme-service 0.1.0 in {SITE312}/acme_service-0.1.0.dist-info)" in finding.message
    assert "CMD" not in finding.message


def test_scripts_elsewhere_on_path_count(tmp_path):
    layers = [official(), _installed(bin_path="/opt/tools/acme")]
    runtime = {"Env": ["PATH=/usr/local/bin:/opt/tools:/usr/bin:/bin"]}
    assert python_findings(tmp_path, layers, CODE, runtime=runtime, context=ACME_PROJECT) == []


def test_shebang_interpreter_missing_fires(tmp_path):
    """A venv's bin copied to an image without the venv's python."""
    script = File(b"#!/opt/venv/bin/python\nfrom acme.cli import main\n", mode=0o755)
    (finding,) = python_findings(tmp_path, [official(), _installed(script=script)], CODE, context=ACME_PROJECT)
    assert finding.message == "console script /usr/local/bin/acme ([project.scripts] of acme-service) cannot start: its #! interpreter /opt/venv/bin/python does not exist in the image"
    assert finding.path_in_image == "/usr/local/bin/acme"


def test_shebang_through_a_dangling_symlink_fires(tmp_path):
    layers = [official(), {"/opt/venv/bin/python": Symlink("/usr/bin/python3.11")},
              _installed(script=File(b"#!/opt/venv/bin/python\n", mode=0o755))]
    (finding,) = python_findings(tmp_path, layers, CODE, context=ACME_PROJECT)
    assert "its #! interpreter /opt/venv/bin/python does not exist in the image" in finding.message


def test_env_shebang_and_pip_trampoline(tmp_path):
    env_ok = File(b"#!/usr/bin/env python3\n", mode=0o755)
    assert python_findings(tmp_path / "a", [official(), _installed(script=env_ok)], CODE, context=ACME_PROJECT) == []
    env_bad = File(b"#!/usr/bin/env python3.9\n", mode=0o755)
    (finding,) = python_findings(tmp_path / "b", [official(), _installed(script=env_bad)], CODE, context=ACME_PROJECT)
    assert "runs `/usr/bin/env python3.9` but there is no python3.9 on PATH" in finding.message
    trampoline = File(b"#!/bin/sh\n'''exec' \"/build/very/long/venv/bin/python\" \"$0\" \"$@\"\n' '''\n", mode=0o755)
    (finding,) = python_findings(tmp_path / "c", [official(), _installed(script=trampoline)], CODE, context=ACME_PROJECT)
    assert "its #! interpreter /build/very/long/venv/bin/python does not exist" in finding.message


def test_scripts_option(tmp_path):
    config = {"rules": {CODE: {"scripts": ["acme-worker"]}}}
    (finding,) = python_findings(tmp_path, [official(), _installed()], CODE, config=config)
    assert finding.message.startswith("console script acme-worker (PY004 option `scripts`) is not in /usr/local/bin")


def test_third_party_scripts_not_recorded_are_not_expected(tmp_path):
    """entry_points.txt alone (e.g. a distro package) does not say pip wrote a script to bin/."""
    layers = [official(), dist_info(SITE312, "tool", files={"tool.py": b""}, scripts={"tool": "tool:main"})]
    assert python_findings(tmp_path, layers, CODE) == []


def test_docs_blocks_copy_lib_versus_whole_venv():
    rule = rule_by_code(CODE)
    (example,) = docs_blocks(rule, "Example")
    (instead,) = docs_blocks(rule, "Use instead")
    assert "COPY --from=builder /opt/venv/lib/ /usr/local/lib/" in example
    assert "COPY --from=builder /opt/venv /opt/venv" in instead and 'ENV PATH="/opt/venv/bin:$PATH"' in instead


def test_with_the_dockerfile_a_lost_script_points_at_the_copy_of_site_packages(tmp_path):
    steps = ["COPY --from=builder /opt/venv/lib/ /usr/local/lib/", 'CMD ["acme"]']
    dockerfile = "FROM python:3.12 AS builder\nRUN python -m venv /opt/venv && /opt/venv/bin/pip install .\n\n" + dockerfile_of(steps, "python:3.12")
    (finding,) = python_findings(tmp_path, [official(), _installed(script=None)], CODE, runtime={"Cmd": ["acme"]}, context=ACME_PROJECT,
                                 history=buildkit_history(steps), dockerfile=dockerfile)
    assert finding.file.endswith("Dockerfile") and finding.line == 5


def test_with_the_dockerfile_a_deleted_script_points_at_the_deletion(tmp_path):
    steps = ["RUN pip install .", "RUN rm /usr/local/bin/acme"]
    layers = [official(), _installed(), {"/usr/local/bin/acme": WHITEOUT}]
    (finding,) = python_findings(tmp_path, layers, CODE, context=ACME_PROJECT, history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert finding.line == 3


def test_with_the_dockerfile_a_broken_shebang_points_at_the_script_writer(tmp_path):
    steps = ["RUN pip install ."]
    script = File(b"#!/opt/venv/bin/python\n", mode=0o755)
    (finding,) = python_findings(tmp_path, [official(), _installed(script=script)], CODE, context=ACME_PROJECT,
                                 history=buildkit_history(steps), dockerfile=dockerfile_of(steps))
    assert "cannot start" in finding.message and finding.line == 2
