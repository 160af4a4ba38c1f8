"""Acceptance tests from an outside user's side: the README's promises, used the way CI uses them.

Each test runs the command line as a user would (a subprocess where the process
matters: pipes, FIFOs, tracebacks; in process where only the output matters) in a
throw-away folder that holds a ``.git`` so no config of this repository leaks in.
Tests marked ``xfail(strict=True)`` show a problem owned by another part of the
code (a rule, the shell plugin, the image reader); the reason says what and where.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from imagepolicy.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "service"


def run(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """``imagepolicy ARGS`` in a subprocess, without colour.

    On a timeout the whole process group is killed (ShellCheck children too, so a
    slow run leaves no orphan behind) and ``TimeoutExpired`` is raised.
    """
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "imagepolicy", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        scratch = _scratch_dirs_of_group(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        for folder in scratch:  # a killed run cannot remove its ShellCheck scripts itself
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _scratch_dirs_of_group(pgid: int) -> set[str]:
    """The ShellCheck scratch folders (``imagepolicy-sc-*``) that processes of group ``pgid`` work in."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cwd = os.readlink(stat.parent / "cwd")
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and Path(cwd).name.startswith("imagepolicy-sc-"):
            found.add(cwd)
    return found


def call(capsys, monkeypatch, cwd: Path, *args: str) -> tuple[int, str, str]:
    """``imagepolicy ARGS`` in this process (fast): exit code, stdout, stderr."""
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("NO_COLOR", "1")
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git work tree (config discovery stops at its top)."""
    (tmp_path / ".git").mkdir()
    return tmp_path


@pytest.fixture
def service(repo: Path) -> Path:
    """The bundled example service, copied into its own work tree."""
    dest = repo / "examples" / "service"
    shutil.copytree(EXAMPLE, dest)
    return repo


SIMPLE = "FROM debian:12\nARG X\nRUN echo $X $FOO\nUSER 1000\n"  # one SC2086 info


# --- the README's first command --------------------------------------------------------


def test_readme_first_command_checks_the_example_and_exits_1_with_the_two_documented_errors(service):
    proc = run("check", "examples/service", cwd=service)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    errors = [line for line in proc.stdout.splitlines() if " error: " in line]
    assert [e.split(" error:")[0] for e in errors] == [
        "examples/service/Dockerfile.broken:4 PY001",
        "examples/service/Dockerfile.multistage:9 SC3001",
    ]
    assert proc.stdout.rstrip().endswith("in 3 targets")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("## What it catches", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    for line in shown.splitlines():  # the README's first example is this run's output, word for word
        assert line in proc.stdout.splitlines(), f"README shows a line the first command does not print: {line[:90]}"


# --- odd files given as Dockerfiles ------------------------------------------------------


def test_a_fifo_named_as_a_dockerfile_is_an_input_error_not_a_hang(repo):
    os.mkfifo(repo / "Dockerfile")
    (repo / "ok.Dockerfile").write_text(SIMPLE)
    proc = run("check", "Dockerfile", "ok.Dockerfile", cwd=repo, timeout=10)
    assert proc.returncode == 2
    assert "Dockerfile: error: not a regular file" in proc.stdout
    assert "ok.Dockerfile:3 SC2086" in proc.stdout  # the other target is still checked
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.write_text(""), "the file is empty"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00junk\x80" * 100), "not a text file"),
        (lambda p: p.symlink_to(p.parent / "missing"), "No such file or directory"),
    ],
    ids=["empty", "binary", "broken-symlink"],
)
def test_unusable_dockerfiles_are_input_errors_with_exit_2(repo, capsys, monkeypatch, make, expected):
    make(repo / "Dockerfile")
    code, out, err = call(capsys, monkeypatch, repo, "check")
    assert code == 2
    assert expected in out
    assert "1 input error" in out


def test_bom_and_crlf_dockerfile_is_read_like_a_plain_one(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_bytes(b"\xef\xbb\xbf" + SIMPLE.replace("\n", "\r\n").encode())
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--format", "json")
    findings = json.loads(out)["findings"]
    assert code == 0
    assert [(f["rule"], f["line"]) for f in findings] == [("SC2086", 3)]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "yaml"], "--format 'yaml': unknown format"),
        (["--build-arg", "=x"], "--build-arg '=x': expected KEY=VALUE"),
        (["--context", "Dockerfile"], "--context Dockerfile: not a folder"),
        (["--output", "Dockerfile/out.txt"], "Dockerfile/out.txt: cannot write report"),
        (["--shard", "3/2"], "--shard 3/2: K must be between 1 and N"),
    ],
)
def test_usage_errors_exit_2_with_one_line_naming_the_flag(repo, capsys, monkeypatch, args, message):
    (repo / "Dockerfile").write_text(SIMPLE)
    code, _, err = call(capsys, monkeypatch, repo, "check", *args)
    assert code == 2
    assert err.startswith(f"imagepolicy: error: {message}")


# --- config files ----------------------------------------------------------------------


def test_recursive_yaml_alias_in_the_config_is_a_config_error_not_a_traceback(repo):
    (repo / "Dockerfile").write_text(SIMPLE)
    (repo / ".imagepolicy.yml").write_text("version: 1\nrules: &r {SC2086: *r}\n")
    proc = run("check", cwd=repo)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("imagepolicy: error: .imagepolicy.yml:2: rules")
    assert "refers to itself" in proc.stderr


def test_yaml_alias_bomb_in_the_config_is_read_quickly(repo):
    """Nested aliases expand to a million nodes: counted without walking each copy, and refused by config-values."""
    levels = ["a: &a [" + ", ".join(["x"] * 10) + "]"]
    for prev, name in zip("abcdef", "bcdefg"):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    (repo / "Dockerfile").write_text(SIMPLE)
    (repo / ".imagepolicy.yml").write_text("version: 1\n" + "\n".join(levels) + "\n")
    proc = run("check", cwd=repo, timeout=8)
    assert proc.returncode == 2
    assert ".imagepolicy.yml: exceeds the limit config-values=" in proc.stderr
    assert "(12,345,679 values with aliases expanded)" in proc.stderr  # 10**7 x plus the lists holding them


@pytest.mark.parametrize("name, text", [(".imagepolicy.yml", "version: 1\nrules: " + "[" * 3000 + "]" * 3000 + "\n"),
                                        (".imagepolicy.json", '{"version": 1, "rules": ' + "[" * 3000 + "]" * 3000 + "}")])
def test_a_config_nested_thousands_deep_is_a_config_error_not_a_traceback(repo, name, text):
    (repo / "Dockerfile").write_text(SIMPLE)
    (repo / name).write_text(text)
    proc = run("check", cwd=repo)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"imagepolicy: error: {name}: values are nested too deeply")


def test_json_config_saved_with_a_bom_is_read(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_text(SIMPLE)
    (repo / ".imagepolicy.json").write_bytes(b'\xef\xbb\xbf{"version": 1, "failure-threshold": "info"}')
    code, out, err = call(capsys, monkeypatch, repo, "check")
    assert (code, err) == (1, "")
    assert "SC2086 info" in out


def test_config_pointing_at_a_folder_says_it_is_a_folder(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_text(SIMPLE)
    (repo / "conf").mkdir()
    code, _, err = call(capsys, monkeypatch, repo, "check", "--config", "conf")
    assert code == 2
    assert "conf: is a folder" in err


def test_config_and_no_config_together_are_a_usage_error(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_text(SIMPLE)
    (repo / "c.yml").write_text("version: 1\nfailure-threshold: info\n")
    with pytest.raises(SystemExit) as exc:
        call(capsys, monkeypatch, repo, "check", "--config", "c.yml", "--no-config")
    assert exc.value.code == 2
    assert "--no-config" in capsys.readouterr().err


def test_config_above_the_git_root_is_not_read(tmp_path, capsys, monkeypatch):
    (tmp_path / ".imagepolicy.yml").write_text("version: 1\nfailure-threshold: info\n")
    work = tmp_path / "repo"
    (work / ".git").mkdir(parents=True)
    (work / "Dockerfile").write_text(SIMPLE)
    code, out, _ = call(capsys, monkeypatch, work, "check")
    assert code == 0 and "SC2086 info" in out


@pytest.mark.parametrize(
    "text, where",
    [
        ("version: 1\nextends: 5\n", ".imagepolicy.yml:2: extends"),
        ("version: 1\nfailure-threshold: [error]\n", ".imagepolicy.yml:2: failure-threshold"),
        ("version: 1\nrules: [PY001]\n", ".imagepolicy.yml:2: rules"),
        ("version: 1\nrules:\n  SC2086: true\n", ".imagepolicy.yml:3: rules.SC2086"),
        ("version: 1\nrules:\n  DL3006: {require-digest: 'yes'}\n", ".imagepolicy.yml:3: rules.DL3006.require-digest"),
        ("version: 1\nignore: {paths: x}\n", ".imagepolicy.yml:2: ignore"),
        ("version: 1\ntrusted-registries: docker.io\n", ".imagepolicy.yml:2: trusted-registries"),
        ("version: 1\nplugins: acme\n", ".imagepolicy.yml:2: plugins"),
        ("- version\n", ".imagepolicy.yml:1: (top level)"),
    ],
)
def test_every_documented_key_with_a_wrong_type_names_file_line_and_key(repo, capsys, monkeypatch, text, where):
    (repo / "Dockerfile").write_text(SIMPLE)
    (repo / ".imagepolicy.yml").write_text(text)
    code, _, err = call(capsys, monkeypatch, repo, "check")
    assert code == 2
    assert err.startswith(f"imagepolicy: error: {where}: ")


# --- images ----------------------------------------------------------------------------


def test_a_zip_file_given_as_image_is_one_readable_input_error(repo, capsys, monkeypatch):
    import zipfile

    with zipfile.ZipFile(repo / "app.zip", "w") as z:
        z.writestr("manifest.json", "[]")
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--image", "app.zip")
    assert code == 2
    error_line = next(line for line in out.splitlines() if line.startswith("app.zip: error:"))
    assert "method gz" not in out
    assert "expected a docker-archive or oci-archive" in error_line


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.write_bytes(b""), "the file is empty"),
        (lambda p: (p.mkdir(), (p / "x").write_text("x")), "not an image archive"),
        (lambda p: None, "no such file or folder"),
    ],
    ids=["empty-file", "plain-folder", "missing"],
)
def test_unusable_images_are_input_errors_and_the_dockerfile_is_still_checked(repo, capsys, monkeypatch, make, expected):
    (repo / "Dockerfile").write_text(SIMPLE)
    make(repo / "image.tar")
    code, out, _ = call(capsys, monkeypatch, repo, "check", "Dockerfile", "--image", "image.tar")
    assert code == 2
    assert expected in out
    assert "Dockerfile:3 SC2086" in out


# --- reports and pipes -----------------------------------------------------------------


def test_all_report_flags_at_once_write_well_formed_reports_with_the_same_findings(service, capsys, monkeypatch):
    out_dir = service / "out dir é"
    code, _, err = call(
        capsys, monkeypatch, service, "check", "examples/service", "missing.Dockerfile",
        "--junit", str(out_dir / "j.xml"), "--json", str(out_dir / "r.json"), "--sarif", str(out_dir / "r.sarif"),
        "--codeclimate", str(out_dir / "cc.json"), "--github-summary", str(out_dir / "summary.md"),
        "--format", "github", "--output", str(out_dir / "gh.txt"),
    )
    assert code == 2 and "missing.Dockerfile" in err
    data = json.loads((out_dir / "r.json").read_text())
    n = len(data["findings"])
    assert n >= 3 and len(data["errors"]) == 1
    results = json.loads((out_dir / "r.sarif").read_text())["runs"][0]["results"]
    assert len(results) == n + 1 and results[-1]["ruleId"] == "input-error"  # code scanning shows the error too
    assert len(json.loads((out_dir / "cc.json").read_text())) == n + 1  # the input error is an issue too
    root = ET.parse(out_dir / "j.xml").getroot()
    assert sum(tc.find("failure") is not None for tc in root.iter("testcase")) == n
    assert sum(tc.find("error") is not None for tc in root.iter("testcase")) == 1
    annotations = (out_dir / "gh.txt").read_text().splitlines()
    assert sum(a.startswith(("::error file=", "::warning file=", "::notice file=")) for a in annotations) >= n
    assert "PY001" in (out_dir / "summary.md").read_text()


def test_findings_still_fail_the_run_when_the_reader_closes_the_pipe(repo):
    """`imagepolicy check | head` under `set -o pipefail` must not turn a failing run green."""
    lines = ["FROM debian:12", *[f"MAINTAINER someone{i}" for i in range(3000)], "USER 1000"]
    (repo / "Dockerfile").write_text("\n".join(lines) + "\n")
    proc = subprocess.run(f"set -o pipefail; {sys.executable} -m imagepolicy check | true", shell=True,
                          executable="/bin/bash", cwd=repo, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr


# --- rule documentation ----------------------------------------------------------------


def test_explain_prints_the_four_sections_for_every_listed_code_name_and_alias(capsys, monkeypatch, tmp_path):
    code, out, _ = call(capsys, monkeypatch, tmp_path, "rules", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) > 50
    missing = {}
    for row in rows:
        for key in (row["rule"], row["name"], *row["aliases"]):
            code, out, err = call(capsys, monkeypatch, tmp_path, "explain", key)
            lacking = [s for s in ("## What it does", "## Why is this bad?", "## Example", "## Use instead") if s not in out]
            if code != 0 or err or lacking:
                missing[key] = (code, lacking, err)
    assert missing == {}


@pytest.mark.parametrize("alias, code", [("CIS-DI-0001", "IM001"), ("MaintainerDeprecated", "DL4000"),
                                         ("maintainer-deprecated", "DL4000"), ("dl3006", "DL3006")])
def test_explain_by_alias_or_name_shows_the_rule(capsys, monkeypatch, tmp_path, alias, code):
    rc, out, _ = call(capsys, monkeypatch, tmp_path, "explain", alias)
    assert rc == 0 and out.startswith(f"{code} ")


def test_explain_a_single_shellcheck_code_names_it_and_the_family(capsys, monkeypatch, tmp_path):
    rc, out, _ = call(capsys, monkeypatch, tmp_path, "explain", "SC2086")
    assert rc == 0
    assert out.startswith("SC2086: reported by the SC family rule")
    assert "## What it does" in out


# --- problems owned elsewhere (rules, shell plugin) -------------------------------------


def test_windows_absolute_copy_destination_is_not_relative(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_text(
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "SHELL [\"powershell\", \"-Command\"]\nCOPY . C:\\app\nWORKDIR C:\\app\nUSER 1000\n"
    )
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--format", "json")
    assert [f["rule"] for f in json.loads(out)["findings"] if f["rule"] == "DL3045"] == []


@pytest.mark.parametrize("run", ["RUN <<'EOT' bash", "RUN bash <<'EOT'"])
def test_quoted_heredoc_piped_into_bash_is_checked_as_bash(repo, capsys, monkeypatch, run):
    (repo / "Dockerfile").write_text(
        f"# syntax=docker/dockerfile:1\nFROM debian:12\n{run}\n  set -euo pipefail\n"
        "  arr=(a b c)\n  echo \"${arr[@]}\"\nEOT\nUSER 1000\n"
    )
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--format", "json")
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["line"]) for f in findings if f["rule"].startswith("SC")] == []
    assert code == 0


def test_unquoted_heredoc_piped_into_bash_is_expanded_by_sh_first_and_the_fix_says_to_quote_it(repo, capsys, monkeypatch):
    """`RUN <<EOT bash` runs `bash <<EOT` under /bin/sh, which expands ${arr[@]} itself (dash: Bad substitution)."""
    (repo / "Dockerfile").write_text(
        "# syntax=docker/dockerfile:1\nFROM debian:12\nRUN <<EOT bash\n  arr=(a b c)\n  echo \"${arr[@]}\"\nEOT\nUSER 1000\n"
    )
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--format", "json")
    errors = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["line"]) for f in errors] == [("SC3054", 5)]
    assert "<<'EOT'" in errors[0]["fix"]
    assert code == 1


def test_env_heavy_dockerfile_is_checked_in_seconds(repo):
    lines = ["FROM debian:12", *[f"ENV V{i}=v{i}" for i in range(1500)],
             *[f"RUN echo $V{i} > /tmp/f{i}" for i in range(3)], "USER 1000"]
    (repo / "Dockerfile").write_text("\n".join(lines) + "\n")
    try:
        proc = run("check", cwd=repo, timeout=5)  # 10 s on 2 cores today
    except subprocess.TimeoutExpired:
        pytest.fail("a 1,500-ENV, 3-RUN Dockerfile took more than 5 s")
    assert proc.returncode == 0


def test_continuation_on_the_last_line_is_no_empty_continuation(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_text("FROM debian:12\nUSER 1000\nRUN echo a \\\n")
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--format", "json")
    assert [f["line"] for f in json.loads(out)["findings"] if f["rule"] == "BK003"] == []


def test_malformed_json_cmd_gets_a_sensible_fix(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_text('FROM debian:12\nUSER 1000\nCMD ["a", "b"\n')
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--format", "json")
    fixes = [f["fix"] for f in json.loads(out)["findings"] if f["rule"] == "DL3025"]
    assert fixes and not any('"[a,"' in fix for fix in fixes)


def test_py001_names_the_dockerfile_specific_ignore_file(repo, capsys, monkeypatch):
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\n')
    (repo / "src" / "app").mkdir(parents=True)
    (repo / "src" / "app" / "__init__.py").write_text("")
    (repo / ".dockerignore").write_text("*.md\n")
    (repo / "app.Dockerfile").write_text("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
                                         "RUN pip install --no-cache-dir .\nUSER 10001\nCMD [\"app\"]\n")
    (repo / "app.Dockerfile.dockerignore").write_text("src/\n")
    code, out, _ = call(capsys, monkeypatch, repo, "check", "app.Dockerfile", "--format", "json")
    py001 = [f["message"] for f in json.loads(out)["findings"] if f["rule"] == "PY001"]
    assert len(py001) == 1 and "app.Dockerfile.dockerignore" in py001[0]


def test_user_without_argument_is_an_input_error(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_text("FROM debian:12\nUSER\n")
    code, out, _ = call(capsys, monkeypatch, repo, "check")
    assert code == 2 and "Dockerfile:2" in out


def _oci_layout(folder: Path, config: dict) -> Path:
    """A minimal OCI image layout: one empty layer and the given image config."""
    import hashlib
    import io
    import tarfile

    blobs = folder / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data: bytes) -> dict:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    layer_bytes = io.BytesIO()
    with tarfile.open(fileobj=layer_bytes, mode="w"):
        pass
    layer = blob(layer_bytes.getvalue())
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}, **config}
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **blob(json.dumps(config).encode())},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **layer}]}
    entry = {"mediaType": "application/vnd.oci.image.manifest.v1+json", **blob(json.dumps(manifest).encode())}
    (folder / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (folder / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))
    return folder


def test_a_well_formed_minimal_oci_layout_is_checked(repo, capsys, monkeypatch):
    _oci_layout(repo / "img", {"config": {"User": "10001", "Labels": {"a": "b"}}})
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--image", "img", "--format", "json")
    data = json.loads(out)
    assert data["errors"] == []
    assert "IM001" not in {f["rule"] for f in data["findings"]}  # runs as 10001


def test_an_image_config_with_wrong_types_is_one_input_error_naming_the_key(repo, capsys, monkeypatch):
    _oci_layout(repo / "img", {"config": {"User": "10001", "Labels": ["a=b"], "Env": "PATH=/bin"}})
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--image", "img", "--format", "json")
    errors = [e["message"] for e in json.loads(out)["errors"]]
    assert code == 2
    assert not any("internal error" in e for e in errors), errors
    assert any("Labels" in e for e in errors), errors


CRASHING_PLUGIN = '''"""A rule that crashes on every Dockerfile.

## What it does
Nothing useful.
## Why is this bad?
It crashes.
## Example
```dockerfile
FROM debian:12
```
## Use instead
```dockerfile
FROM debian:12
```
"""
from imagepolicy import hookimpl
from imagepolicy.model import rule


@rule("ZZ001", "always-crashes", "error", "dockerfile", "Crashes on purpose")
def check(dockerfile, ctx):
    raise ZeroDivisionError("on purpose")
    yield


@hookimpl
def imagepolicy_rules():
    return [check]


@hookimpl
def imagepolicy_check_dockerfile(dockerfile, session):
    return session.run_rules([check], dockerfile)
'''


@pytest.mark.parametrize("debug", [False, True])
def test_a_crashing_rule_is_reported_and_debug_shows_its_traceback(repo, debug):
    (repo / "crashy_rules.py").write_text(CRASHING_PLUGIN)
    (repo / ".imagepolicy.yml").write_text("version: 1\nplugins: [crashy_rules]\n")
    (repo / "Dockerfile").write_text(SIMPLE)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(repo)}
    # The plugin lives in the checked tree: only --allow-repo-plugins lets it load (see test_adversarial.py).
    proc = subprocess.run([sys.executable, "-m", "imagepolicy", "check", "--allow-repo-plugins", *(["--debug"] if debug else [])],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    if debug:  # the message promises it: "run with --debug for the traceback"
        assert "Traceback" in proc.stderr and "ZeroDivisionError: on purpose" in proc.stderr
    else:
        assert "internal error in rule ZZ001" in proc.stdout and "Traceback" not in proc.stderr
        assert "Dockerfile:3 SC2086" in proc.stdout  # the other rules still ran


def test_a_from_line_that_expands_to_a_bare_tag_is_an_input_error(repo, capsys, monkeypatch):
    (repo / "Dockerfile").write_text("ARG BASE=debian\nFROM ${BASE}:12\nUSER 1000\n")
    code, out, _ = call(capsys, monkeypatch, repo, "check", "--build-arg", "BASE=")
    assert code == 2 and "Dockerfile:2" in out


def test_a_long_dockerignore_over_a_big_context_is_read_in_seconds(tmp_path):
    """300 patterns over 20,000 files (a monorepo with node_modules): one pattern at a time took 7 s."""
    import time

    from imagepolicy.buildcontext import BuildContext

    for d in range(80):
        folder = tmp_path / "node_modules" / f"p{d}" / "lib"
        folder.mkdir(parents=True)
        for f in range(250):
            (folder / f"f{f}.js").touch()
    (tmp_path / ".dockerignore").write_text("".join(f"**/pattern{i}/*.tmp\n" for i in range(300)) + "*.md\n")
    (tmp_path / "README.md").touch()
    # CPU time, not wall time: on a shared machine (and beside another test worker) the wall clock
    # measures the neighbours; a quadratic matcher still shows as seconds of CPU.
    start = time.process_time()
    context = BuildContext(tmp_path)
    files = context.files
    elapsed = time.process_time() - start
    assert len(files) == 20_000 + 1  # .dockerignore itself is sent; README.md is not
    assert context.ignored_by("README.md").text == "*.md"
    assert elapsed < 4, f"{elapsed:.1f} s of CPU"
