"""A hostile pull request against every entry point: issue 8's classes, one test (or a few) each.

Each run is the installed CLI in a subprocess under a 10 s and 500 MB bound (tests/bounded.py),
checked for what no input may cause: an exit code other than 0/1/2, a traceback or internal error,
a leaked secret, a line a CI runner would obey, a process left behind. The checkout is a throw-away
git work tree (``repo``) with a folder beside it (``outside``) that plays the runner's home,
secrets and other projects.

Classes: repository code never runs (the action, the GitLab job, the console script, pre-commit,
``python -m``); nothing is read outside the checked tree (the environment through /proc, files
beside the checkout, FIFOs); reports are never written through a link; no CI command is injected
through names or messages; a cancelled run kills ShellCheck and removes its scratch files; config
and ignore files are bounded (alias bombs, NUL bytes, huge numbers, nesting, reversed ranges,
deep folders, catastrophic globs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bounded import assert_contained, command, command_lines, run_bounded

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "examples" / "service"
REPORT_FLAGS = {"--junit": "junit.xml", "--json": "report.json", "--sarif": "report.sarif",
                "--codeclimate": "codequality.json", "--github-summary": "summary.md"}
CLEAN = "FROM debian:12\nUSER 1000\n"
FINDING = "FROM debian:12\nARG X\nRUN echo $X $FOO\nUSER 1000\n"  # SC2086 (info) on line 3


@pytest.fixture
def secret() -> str:
    return "ipsecret" + uuid.uuid4().hex


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    (work / ".git").mkdir(parents=True)
    return work


@pytest.fixture
def outside(tmp_path: Path, secret: str) -> Path:
    """Beside the checkout: a file and a folder holding the secret, and a victim file to overwrite."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "credentials").write_text(f"TOKEN={secret}\n")
    (folder / "Dockerfile").write_text(f"FROM debian:12\nRUN echo {secret}\n")
    (folder / "victim").write_text("precious\n")
    return folder


def _report_args(folder: Path) -> list[str]:
    return [arg for flag, name in REPORT_FLAGS.items() for arg in (flag, str(folder / name))]


# --- 1. no repository code runs --------------------------------------------------------------

PLANTED = {
    "imagepolicy.py": "open({marker!r}, 'a').write('imagepolicy.py ran\\n')\nprint('exit 0, all clean')\n",
    "yaml.py": "open({marker!r}, 'a').write('yaml.py ran\\n')\n",
    "evil.py": "open({marker!r}, 'a').write('evil.py ran\\n')\n",
    "pluggy.py": "open({marker!r}, 'a').write('pluggy.py ran\\n')\n",
}


def _plant(work: Path, marker: Path) -> None:
    """The pull request: modules shadowing imagepolicy and a dependency, and a config naming its own plugin."""
    shutil.copytree(EXAMPLE, work, dirs_exist_ok=True)
    for name, code in PLANTED.items():
        (work / name).write_text(code.format(marker=str(marker)))
    (work / ".imagepolicy.yml").write_text("version: 1\nplugins: [evil]\n")


def _refused_plugin(text: str) -> bool:
    """The config's plugin is refused: found in the checkout (on sys.path) or not installed (off it)."""
    return bool(re.search(r"'evil' (would be imported from evil\.py, inside|is not installed; the module of that "
                          r"name in) the checked tree", text)) and "pass --allow-repo-plugins" in text


def test_the_github_action_runs_no_code_from_the_checkout(tmp_path, repo):
    from test_action_harness import Runner

    marker = tmp_path / "ran"
    _plant(repo, marker)
    result = Runner(tmp_path, repo, {"dockerfiles": "."}).run()
    assert not marker.exists(), marker.read_text()
    assert result.exit_status == 2 and result.outputs["exit-code"] == "2"
    assert _refused_plugin(result.stderr)
    [annotation] = [a for a in result.annotations if a.level == "error"]
    assert _refused_plugin(annotation.message)


def test_the_gitlab_job_runs_no_code_from_the_checkout(tmp_path, repo):
    from test_ci_integrations import run_gitlab_job

    marker = tmp_path / "ran"
    _plant(repo, marker)
    proc, _ = run_gitlab_job(tmp_path, repo, {"dockerfiles": "."})
    assert not marker.exists(), marker.read_text()
    assert proc.returncode == 2 and _refused_plugin(proc.stderr)


def test_the_gitlab_job_installs_with_isolated_python():
    from test_ci_integrations import gitlab_job

    _, job = gitlab_job()
    python_lines = [line for line in job["before_script"] if re.search(r"\bpython\b", line)]
    assert python_lines and all(" -I -m " in line for line in python_lines), python_lines


def test_the_console_script_and_pre_commit_run_no_code_from_the_checkout(tmp_path, repo):
    marker = tmp_path / "ran"
    _plant(repo, marker)
    for args in (["check", "."], ["check", "Dockerfile", "Dockerfile.broken"], ["rules"]):
        result = run_bounded(args, cwd=repo)  # pre-commit's entry is this console script
        assert_contained(result, exit_codes=(2,))
        assert _refused_plugin(result.stderr)
    assert not marker.exists(), marker.read_text()


def test_python_dash_m_keeps_the_checkout_off_sys_path_for_dependencies(tmp_path, repo):
    """``python -m imagepolicy`` in the checkout: its yaml.py and pluggy.py are not imported."""
    marker = tmp_path / "ran"
    _plant(repo, marker)
    (repo / "imagepolicy.py").unlink()  # only -I/-P or the console script can protect imagepolicy's own name
    result = run_bounded(["check", "."], cwd=repo, argv=[sys.executable, "-m", "imagepolicy", "check", "."])
    assert_contained(result, exit_codes=(2,))
    assert not marker.exists(), marker.read_text()


def test_repository_plugins_load_only_when_the_invoker_allows_them(tmp_path, repo):
    marker = tmp_path / "ran"
    (repo / "evil.py").write_text(PLANTED["evil.py"].format(marker=str(marker)))
    (repo / ".imagepolicy.yml").write_text("version: 1\nplugins: [evil]\n")
    (repo / "Dockerfile").write_text(CLEAN)
    refused = run_bounded(["check"], cwd=repo, env={"PYTHONPATH": str(repo)})  # even when on sys.path
    assert_contained(refused, exit_codes=(2,))
    assert _refused_plugin(refused.stderr) and not marker.exists()
    allowed = run_bounded(["check", "--allow-repo-plugins"], cwd=repo)
    assert_contained(allowed, exit_codes=(0,))
    assert marker.read_text() == "evil.py ran\n"


# --- 2. nothing read outside the checked tree -------------------------------------------------


# Standard output in the two formats made for logs; every other format is written as a report file by
# the same run (the same renderers and the same writer as --format/--output).
@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_dockerfile_linked_to_proc_self_environ_leaks_nothing(repo, secret, fmt):
    (repo / "Dockerfile").symlink_to("/proc/self/environ")
    (repo / "ok.Dockerfile").write_text(FINDING)
    reports = repo / "reports"
    result = run_bounded(["check", "--format", fmt, "Dockerfile", "ok.Dockerfile", *_report_args(reports)],
                         cwd=repo, env={"CI_JOB_TOKEN": secret})
    assert_contained(result, secret=secret, files=reports.iterdir(), exit_codes=(2,),
                     github_format=fmt == "github")
    assert "the Dockerfile resolves into /proc, a kernel file system" in result.output
    report = json.loads((reports / "report.json").read_text())
    assert [f["rule"] for f in report["findings"]] == ["SC2086"], "the other target is still checked"


def test_inputs_linked_out_of_the_checkout_are_refused_without_quoting_them(repo, outside, secret):
    (repo / "app").mkdir()
    (repo / "app" / "Dockerfile").symlink_to(outside / "Dockerfile")
    (repo / "web").mkdir()
    (repo / "web" / "Dockerfile").write_text(CLEAN)
    (repo / "web" / ".dockerignore").symlink_to(outside / "credentials")
    (repo / "ok.Dockerfile").write_text(FINDING)
    reports = repo / "reports"
    result = run_bounded(["check", "--format", "json", "app/Dockerfile", "web/Dockerfile", "ok.Dockerfile",
                          *_report_args(reports)], cwd=repo)
    assert_contained(result, secret=secret, files=reports.iterdir(), exit_codes=(2,), max_stderr_lines=2)
    errors = dict((e["target"], e["message"]) for e in json.loads(result.stdout)["errors"])
    assert errors["app/Dockerfile"].startswith("app/Dockerfile: the Dockerfile is a symbolic link (or lies below one) "
                                               "that leads outside the checked tree")
    assert errors["web/Dockerfile"].startswith("web/.dockerignore: the ignore file is a symbolic link (or lies below "
                                               "one) that leads outside the checked tree")


def test_files_a_plugin_reads_through_a_link_out_of_the_checkout_are_refused(repo, outside, secret):
    """The Python rules read pyproject.toml from the build context: a link out of it is refused for that target."""
    (outside / "pyproject.toml").write_text(f'[project]\nname = "{secret}"\nversion = "1"\n')
    (repo / "app" / "src").mkdir(parents=True)
    (repo / "app" / "pyproject.toml").symlink_to(outside / "pyproject.toml")
    (repo / "app" / "Dockerfile").write_text("FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml ./\n"
                                             "RUN pip install --no-cache-dir -e .\nCOPY src/ ./src/\nUSER 1000\n")
    (repo / "ok.Dockerfile").write_text(FINDING)
    result = run_bounded(["check", "--format", "json", "app/Dockerfile", "ok.Dockerfile"], cwd=repo)
    assert_contained(result, secret=secret, exit_codes=(2,))
    [error] = json.loads(result.stdout)["errors"]
    assert error["target"] == "app/Dockerfile"
    assert "app/pyproject.toml: the file is a symbolic link (or lies below one) that leads outside" in error["message"]


def test_every_open_below_the_root_is_guarded_in_process(repo, outside, monkeypatch):
    """The audit hook: links and '..' out of the root are refused, paths the invoker named outside are not."""
    from imagepolicy import tree

    (repo / "sub").mkdir()
    (repo / "link").symlink_to(outside)
    (repo / "inner").symlink_to(repo / "sub")
    (repo / "sub" / "x").write_text("inside\n")
    monkeypatch.chdir(repo)
    with tree.use(None):
        for spelled in ("link/credentials", "sub/../../outside/credentials", str(repo / "link" / ".." / "outside" / "victim"),
                        "../outside/credentials"):
            with pytest.raises(tree.OutsideTree, match="outside the checked tree"):
                open(spelled).close()
        with pytest.raises(PermissionError):
            os.listdir("link")
        assert open("inner/x").read() == "inside\n" and open("inner/../sub/x").read() == "inside\n"
        assert open(outside / "credentials").read().startswith("TOKEN=")  # named outside: not the checkout's
        tree.allow_outside(outside / "victim")
        assert open("../outside/victim").read() == "precious\n"
    assert open("link/credentials").read().startswith("TOKEN="), "no root in force: no checks"


@pytest.mark.parametrize("setup, args, expected", [
    (lambda repo, out: (repo / ".imagepolicy.yml").symlink_to(out / "credentials"), [],
     ".imagepolicy.yml: the config file is a symbolic link"),
    (lambda repo, out: (repo / "pyproject.toml").symlink_to(out / "credentials"), [],
     "pyproject.toml: the config file is a symbolic link"),
    (lambda repo, out: (repo / "conf.yml").symlink_to(out / "credentials"), ["--config", "conf.yml"],
     "conf.yml: the config file is a symbolic link"),
    (lambda repo, out: (repo / "ctx").symlink_to(out), ["--context", "ctx"],
     "--context ctx: the build context is a symbolic link"),
], ids=["discovered-config", "pyproject", "config-flag", "context-link"])
def test_configs_and_contexts_outside_the_tree_stop_the_run_naming_them(repo, outside, secret, setup, args, expected):
    (repo / "Dockerfile").write_text(CLEAN)
    setup(repo, outside)
    result = run_bounded(["check", *args, "Dockerfile"], cwd=repo)
    assert_contained(result, secret=secret, exit_codes=(2,))
    assert result.stderr.startswith(f"imagepolicy: error: {expected}"), result.stderr


def test_paths_the_invoker_names_outside_the_tree_are_read(repo, outside, secret):
    """Not the checkout's: a shared config, another project's Dockerfile and context, a report folder."""
    (outside / "shared.yml").write_text("version: 1\nfailure-threshold: info\n")
    (outside / "Dockerfile").write_text(FINDING)
    result = run_bounded(["check", "--format", "json", "--config", "../outside/shared.yml", "--context", "../outside",
                          "--junit", "../outside/junit.xml", "../outside/Dockerfile"], cwd=repo)
    assert_contained(result, exit_codes=(1,))
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["SC2086"]
    assert ET.parse(outside / "junit.xml").getroot().find(".//failure") is not None


def test_a_searched_folder_linked_outside_is_a_target_error_and_a_linked_gitignore_is_not_read(repo, outside, secret):
    (repo / "vendor").symlink_to(outside)
    (repo / "svc").mkdir()
    (repo / "svc" / "Dockerfile").write_text(FINDING)
    (outside / "gitignore").write_text("Dockerfile\n")
    (repo / "svc" / ".gitignore").symlink_to(outside / "gitignore")  # git does not follow it either
    result = run_bounded(["check", "--format", "json", "vendor", "svc"], cwd=repo)
    assert_contained(result, secret=secret, exit_codes=(2,))
    report = json.loads(result.stdout)
    assert [e["target"] for e in report["errors"]] == ["vendor"]
    assert "vendor: the folder to search is a symbolic link" in report["errors"][0]["message"]
    assert [(f["file"], f["rule"]) for f in report["findings"]] == [("svc/Dockerfile", "SC2086")]


def test_fifos_as_inputs_are_refused_not_waited_on(repo):
    os.mkfifo(repo / "Dockerfile")
    os.mkfifo(repo / "image.tar")
    (repo / "web").mkdir()
    (repo / "web" / "Dockerfile").write_text(CLEAN)
    os.mkfifo(repo / "web" / ".dockerignore")
    (repo / "ok.Dockerfile").write_text(FINDING)
    result = run_bounded(["check", "--format", "json", "Dockerfile", "web/Dockerfile", "ok.Dockerfile",
                          "--image", "image.tar"], cwd=repo)
    assert_contained(result, exit_codes=(2,), max_stderr_lines=4)  # a note (image with 3 Dockerfiles), 3 errors
    messages = [e["message"] for e in json.loads(result.stdout)["errors"]]
    assert len(messages) == 3 and all("FIFO" in m for m in messages), messages
    os.mkfifo(repo / "conf.yml")
    config = run_bounded(["check", "--config", "conf.yml", "ok.Dockerfile"], cwd=repo)
    assert_contained(config, exit_codes=(2,))
    assert "conf.yml: the config file is not a regular file" in config.stderr


def test_an_image_archive_named_outside_the_tree_is_read_but_one_linked_out_of_it_is_not(repo, outside, secret):
    (repo / "Dockerfile").write_text(CLEAN)
    (repo / "image.tar").symlink_to(outside / "credentials")
    result = run_bounded(["check", "--format", "json", "Dockerfile", "--image", "image.tar",
                          "--image", str(outside / "credentials")], cwd=repo)
    assert_contained(result, secret=secret, exit_codes=(2,), max_stderr_lines=2)
    errors = [e["message"] for e in json.loads(result.stdout)["errors"]]
    assert errors[0].startswith("image.tar: the image is a symbolic link (or lies below one) that leads outside")
    assert "outside the checked tree" not in errors[1], "named by the invoker: read (and not an image)"


# --- 3. reports are never written through a link ------------------------------------------------


def test_report_paths_linked_by_the_checkout_are_replaced_not_followed(repo, outside):
    (repo / "Dockerfile").write_text(FINDING)
    reports = repo / "imagepolicy-reports"
    reports.mkdir()
    for name in REPORT_FLAGS.values():
        (reports / name).symlink_to(outside / "victim")
    (repo / "out.txt").symlink_to(outside / "victim")
    result = run_bounded(["check", "--output", "out.txt", *_report_args(reports)], cwd=repo)
    assert_contained(result, exit_codes=(0,))
    assert (outside / "victim").read_text() == "precious\n"
    for path in [repo / "out.txt", *(reports / name for name in REPORT_FLAGS.values())]:
        assert path.is_file() and not path.is_symlink(), path
    assert json.loads((reports / "report.json").read_text())["findings"][0]["rule"] == "SC2086"
    assert not [p for p in reports.iterdir() if p.name.endswith(".tmp")], "no temporary file left"


def test_a_report_folder_linked_outside_the_tree_is_refused(repo, outside):
    (repo / "Dockerfile").write_text(FINDING)
    (repo / "imagepolicy-reports").symlink_to(outside)
    before = sorted(p.name for p in outside.iterdir())
    result = run_bounded(["check", "--junit", "imagepolicy-reports/junit.xml"], cwd=repo)
    assert_contained(result, exit_codes=(2,))
    assert "imagepolicy-reports: the report folder is a symbolic link" in result.stderr
    assert sorted(p.name for p in outside.iterdir()) == before


# --- 4. no CI log command injected --------------------------------------------------------------


INJECTING_NAMES = [
    "::warning file=README.md::INJECTED.Dockerfile",
    "##[error]legacy.Dockerfile",
    "x\n::error title=Injected::line break.Dockerfile",
    "y\r::error::carriage return.Dockerfile",
    "z\x1b[2K\x1b]0;title\x07##vso[task.setvariable variable=x]1.Dockerfile",
]


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_file_names_and_messages_cannot_inject_ci_commands(repo, fmt):
    for name in INJECTING_NAMES:
        (repo / name).write_text(FINDING)
    (repo / "::error::empty.Dockerfile").write_text("")  # an input error line starting with the name
    (repo / ".imagepolicy.yml").write_text("version: 1\nfailure-threshold: info\n")
    reports = repo.parent / "reports"
    result = run_bounded(["check", "--format", fmt, ".", *_report_args(reports)], cwd=repo)
    assert_contained(result, exit_codes=(2,), github_format=fmt == "github")
    assert result.stdout.strip(), "the findings are reported"
    for report in reports.iterdir():
        assert not command_lines(report.read_text()), report.name
    if fmt == "text":
        assert "\\::warning file=README.md::INJECTED.Dockerfile:3 SC2086 info" in result.stdout


def test_config_errors_quoting_keys_cannot_inject_commands(repo):
    (repo / "Dockerfile").write_text(CLEAN)
    (repo / ".imagepolicy.yml").write_text('version: 1\nrules:\n  "x\\n::error::injected\\r::warning::cr": off\n')
    result = run_bounded(["check"], cwd=repo)
    assert_contained(result, exit_codes=(2,))
    assert result.stderr.startswith("imagepolicy: error: .imagepolicy.yml:3: rules.")


# --- 5. a cancelled run ---------------------------------------------------------------------------


def _shellcheck_children(pid: int) -> dict[int, str]:
    """ShellCheck processes that are children of ``pid``, with their working folder."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cwd = os.readlink(stat.parent / "cwd")
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and Path(cwd).name.startswith("imagepolicy-sc-"):
            found[int(stat.parent.name)] = cwd
    return found


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_cancelled_run_kills_shellcheck_and_removes_its_scratch_files(repo, signum, code):
    lines = ["FROM debian:12"]
    for i in range(80):  # ShellCheck needs seconds for these: time to cancel it
        lines.append("RUN " + " && ".join(f"echo $V{i}x{j} | grep -q x{j}" for j in range(20)))
    (repo / "Dockerfile").write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(command(["check", "Dockerfile"]), cwd=repo, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        children: dict[int, str] = {}
        while not children and time.monotonic() < deadline and proc.poll() is None:
            children = _shellcheck_children(proc.pid)
            time.sleep(0.02)
        assert children, "ShellCheck never started"
        os.kill(proc.pid, signum)  # the job is cancelled: only imagepolicy gets the signal
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == code
    assert err.strip() == f"imagepolicy: stopped by {signal.Signals(signum).name}; child processes killed and scratch files removed"
    time.sleep(0.1)
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
             and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    assert not alive, "ShellCheck outlived imagepolicy"
    assert not [folder for folder in set(children.values()) if Path(folder).exists()], "scratch files left"


# --- 6. config and ignore files are bounded ---------------------------------------------------------


@pytest.mark.parametrize("name, text, expected", [
    (".imagepolicy.yml", "version: 1\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
     + "".join(f"x{i}: &x{i} [*x{i-1}, *x{i-1}, *x{i-1}, *x{i-1}, *x{i-1}, *x{i-1}, *x{i-1}, *x{i-1}, *x{i-1}, *x{i-1}]\n"
               for i in range(1, 9)) + "ignore:\n  - paths: *x8\n",
     ".imagepolicy.yml: exceeds the limit config-values=20000 values (2,345,679,014 values with aliases expanded)"),
    (".imagepolicy.yml", "version: 1\nfailure-threshold: err\x00or\n",
     ".imagepolicy.yml:2: invalid YAML: the character U+0000 is not allowed in a YAML file"),
    (".imagepolicy.yml", "version: " + "9" * 100_000 + "\n",
     ".imagepolicy.yml:1: invalid YAML: an integer of 100,000 digits cannot be read"),
    (".imagepolicy.json", '{"version": ' + "9" * 100_000 + "}",
     ".imagepolicy.json:1: invalid JSON: an integer of 100,000 digits cannot be read"),
    ("pyproject.toml", "[tool.imagepolicy]\nversion = " + "9" * 100_000 + "\n",
     "pyproject.toml:2: invalid TOML: an integer of 100,000 digits cannot be read"),
    (".imagepolicy.yml", "version: 1\nrules: " + "[" * 100 + "]" * 100 + "\n",
     ".imagepolicy.yml: exceeds the limit config-depth=32 levels"),
    (".imagepolicy.yml", "version: 0x_\n", ".imagepolicy.yml:1: invalid YAML: '0x_' is not valid as an integer"),
    (".imagepolicy.yml", "version: 1\nfailure-threshold: !!float abc\n",
     ".imagepolicy.yml:2: invalid YAML: 'abc' is not valid as a number"),
    (".imagepolicy.yml", "version: 1\nfailure-threshold: !!timestamp 2001-02-30\n",
     ".imagepolicy.yml:2: invalid YAML: '2001-02-30' is not valid as a date"),
    (".imagepolicy.yml", "version: 1\nignore:\n  - paths: ['[z-a]']\n",
     ".imagepolicy.yml:3: ignore[0].paths[0]: invalid glob '[z-a]': the range z-a is reversed"),
], ids=["alias-bomb", "nul", "long-int-yaml", "long-int-json", "long-int-toml", "deep", "bad-int", "bad-float",
        "bad-date", "reversed-range"])
def test_hostile_configs_are_one_line_errors(repo, name, text, expected):
    (repo / "Dockerfile").write_text(CLEAN)
    (repo / name).write_text(text)
    result = run_bounded(["check"], cwd=repo)
    assert_contained(result, exit_codes=(2,))
    assert result.stderr.startswith(f"imagepolicy: error: {expected}"), result.stderr
    assert "invalid literal" not in result.stderr and "Exceeds the limit" not in result.stderr


def test_a_reversed_range_in_a_dockerignore_fails_that_target_only(repo):
    (repo / "bad").mkdir()
    (repo / "bad" / "Dockerfile").write_text(CLEAN)
    (repo / "bad" / ".dockerignore").write_text("*.md\n[z-a]\n")
    (repo / "good").mkdir()
    (repo / "good" / "Dockerfile").write_text(FINDING)
    result = run_bounded(["check", "--format", "json", ".", "--junit", "junit.xml"], cwd=repo)
    assert_contained(result, exit_codes=(2,))
    report = json.loads(result.stdout)
    assert report["errors"] == [{"target": "bad/Dockerfile", "message": "bad/.dockerignore:2: invalid pattern '[z-a]': "
                                 "the range z-a is reversed (it matches nothing); write it as a-z"}]
    assert [f["file"] for f in report["findings"]] == ["good/Dockerfile"]
    suites = [s.get("name") for s in ET.parse(repo / "junit.xml").getroot().iter("testsuite")]
    assert suites == ["bad/Dockerfile", "good/Dockerfile"]


DEPTH = 1_200  # Python's os.walk and shutil.rmtree recurse once per level: RecursionError below ~1,000


@pytest.fixture
def deep_folder(repo: Path):
    """``repo/ctx`` with a folder DEPTH levels deep (made with relative steps: the absolute path is too long).

    Moved out of pytest's tmp folder afterwards (its cleanup uses shutil.rmtree, which would fail on it)
    and removed by ``rm -rf`` in the background (seconds on a slow disk).
    """
    base = repo / "ctx"
    base.mkdir()
    here = os.getcwd()
    try:
        os.chdir(base)
        for _ in range(DEPTH):
            os.mkdir("d")
            os.chdir("d")
        Path("x.txt").write_text("x\n")
    finally:
        os.chdir(here)
    try:
        yield base
    finally:
        import tempfile

        trash = tempfile.mkdtemp(prefix="imagepolicy-deep-test-")
        os.rename(base / "d", Path(trash) / "d")
        subprocess.Popen(["rm", "-rf", trash], start_new_session=True)


def test_a_folder_1200_deep_in_a_build_context_or_a_searched_tree_is_an_input_error(repo, deep_folder):
    # The Python rules look for the project's source in the context: that walks it.
    (repo / "ctx" / "Dockerfile").write_text("FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml ./\n"
                                             "RUN pip install --no-cache-dir .\nCOPY src/ ./src/\nUSER 1000\n")
    (repo / "ctx" / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "1"\n')
    (repo / "ok.Dockerfile").write_text(FINDING)
    result = run_bounded(["check", "--format", "json", "ctx/Dockerfile", "ok.Dockerfile"], cwd=repo)
    assert_contained(result, exit_codes=(2,))
    report = json.loads(result.stdout)
    [error] = report["errors"]
    assert error == {"target": "ctx/Dockerfile", "message": "ctx: exceeds the limit path-depth=256 folders (folders more "
                     "than 256 levels deep): depth of a folder below a build context or a searched folder; if the input "
                     "is legitimate, raise it with --limit path-depth=N"}
    assert "ok.Dockerfile" in [f["file"] for f in report["findings"]]
    searched = run_bounded(["check", "--format", "json", "ctx", "ok.Dockerfile"], cwd=repo)
    assert_contained(searched, exit_codes=(2,))
    assert json.loads(searched.stdout)["errors"][0]["target"] == "ctx"
    raised = run_bounded(["check", "--limit", "path-depth=2000", "ctx/Dockerfile"], cwd=repo)
    assert_contained(raised, exit_codes=(1,))  # walked DEPTH deep without recursion; the rules ran on it
    assert "ctx/Dockerfile:4 PY001 error" in raised.stdout


CATASTROPHIC = "**/**/**/a*a*a*a*a*a*b"


def test_catastrophic_globs_in_every_ignore_list_end_in_time(repo):
    long_name = "a" * 250
    (repo / ".dockerignore").write_text(CATASTROPHIC + "\n" + "\n".join(f"**/{'a*' * 6}{i}b" for i in range(50)) + "\n")
    (repo / ".gitignore").write_text(CATASTROPHIC + "\n")
    (repo / ".imagepolicy.yml").write_text(f"version: 1\nignore:\n  - paths: ['{CATASTROPHIC}']\n")
    for depth in range(20):
        folder = repo.joinpath(*["a" * 40] * depth)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(5):
            (folder / f"{long_name}{i}").write_text("x\n")
    (repo / "Dockerfile").write_text("FROM debian:12\nCOPY . /app\nARG X\nRUN echo $X $FOO\nUSER 1000\n")
    result = run_bounded(["check", "--format", "json", "."], cwd=repo)
    assert_contained(result, exit_codes=(0,))
    assert result.cpu < 5, result.describe()  # CPU: the wall clock of a shared machine measures the neighbours
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["SC2086"]
