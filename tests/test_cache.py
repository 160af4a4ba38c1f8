"""The persistent cache as users meet it: a second run over an unchanged monorepo is fast and reports the same,
and every input a finding depends on invalidates what was kept.

Runs go through the installed ``imagepolicy`` command (the console script, which replays unchanged runs)
with ``--cache-dir`` in the test's folder; the suite's ``IMAGEPOLICY_NO_CACHE`` is removed for them.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
EXAMPLE = REPO / "examples" / "service"
COMMAND = Path(sys.executable).with_name("imagepolicy")
#: Corpus files that are no buildable Dockerfile (an input error would keep the run from being cached).
LEFT_OUT = re.compile(r"before-from|onbuild-trigger|unparsed|escape-directive")


def env(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("IMAGEPOLICY_")}
    return {**values, "NO_COLOR": "1", **extra}


def run(cwd: Path, cache: Path | None, *args: str, **extra: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run the command; (process, CPU seconds it and its children used)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [str(COMMAND), *args] + (["--cache-dir", str(cache)] if cache is not None else [])
    proc = subprocess.run(command, cwd=cwd, env=env(**extra), capture_output=True, text=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return proc, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def entries(cache: Path, kind: str) -> set[str]:
    return {p.name for p in (cache / "v1" / kind).glob("*/*.json")}


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A repository of services: one folder per corpus Dockerfile, plus the example Python service."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    for source in sorted(CORPUS.glob("*.Dockerfile")):
        if not LEFT_OUT.search(source.name):
            folder = root / "services" / source.name.removesuffix(".Dockerfile")
            folder.mkdir(parents=True)
            shutil.copyfile(source, folder / "Dockerfile")
    shutil.copytree(EXAMPLE, root / "services" / "acme")
    return root


def test_a_second_run_over_an_unchanged_monorepo_is_fast_and_reports_the_same(monorepo, tmp_path):
    cache = tmp_path / "cache"
    reports = [tmp_path / "first", tmp_path / "second"]
    runs = []
    for out in reports:
        proc, cpu = run(monorepo, cache, "check", ".", "--format", "json", "--junit", str(out / "junit.xml"),
                        "--sarif", str(out / "report.sarif"), "--codeclimate", str(out / "codequality.json"))
        assert proc.returncode == 1, proc.stderr
        runs.append((proc, cpu, entries(cache, "file"), entries(cache, "shellcheck")))
    (first, first_cpu, files, scripts), (second, second_cpu, files_after, scripts_after) = runs
    report = json.loads(first.stdout)
    assert report["errors"] == [] and len(report["findings"]) > 100
    assert len(files) == len(list(monorepo.rglob("Dockerfile*")))  # every Dockerfile's result was kept
    assert second.stdout == first.stdout and second.stderr == first.stderr
    for name in ("junit.xml", "report.sarif", "codequality.json"):
        assert (reports[1] / name).read_bytes() == (reports[0] / name).read_bytes(), name
    assert files_after == files and scripts_after == scripts, "the second run checked nothing again"
    # ShellCheck and every rule ran in the first run only: the second reads files and the cache.
    assert second_cpu < 0.5 * first_cpu, (first_cpu, second_cpu)


def test_each_input_a_finding_depends_on_invalidates_only_its_own_results(tmp_path):
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    (repo / ".git").mkdir(parents=True)
    write(repo, {
        "copy/Dockerfile": """
            # check=experimental=CopyIgnoredFile
            FROM debian:12
            COPY *.txt /srv
            COPY app.py /srv/
        """,
        "copy/a.txt": "a\n",
        "copy/app.py": "print('hi')\n",
        "args/Dockerfile": """
            ARG TAG=3.12-slim
            FROM python:${TAG}
            RUN echo "$HOME"
        """,
    })
    shutil.copytree(EXAMPLE, repo / "acme")

    def findings(*args: str, **extra: str) -> set[tuple[str, str, int]]:
        proc, _ = run(repo, cache, "check", ".", "--format", "json", *args, **extra)
        assert proc.returncode in (0, 1), proc.stderr
        return {(f["file"], f["rule"], f["line"]) for f in json.loads(proc.stdout)["findings"]}

    base = findings()
    kept = entries(cache, "file")
    assert ("acme/Dockerfile.broken", "PY001", 4) in base
    assert not any(f[1] == "DL3021" for f in base) and not any(f[1] == "BK014" for f in base)
    assert findings() == base and entries(cache, "file") == kept

    # A new file in the build context: COPY *.txt now copies two files to a destination without a slash.
    (repo / "copy" / "b.txt").write_text("b\n")
    assert ("copy/Dockerfile", "DL3021", 3) in findings()
    # The .dockerignore: app.py is left out of the context, so its COPY fails.
    (repo / "copy" / ".dockerignore").write_text("app.py\n")
    assert ("copy/Dockerfile", "BK014", 4) in findings()
    # A context file a Python rule reads: without pyproject.toml there is no project to install early.
    (repo / "acme" / "pyproject.toml").unlink()
    assert not any(f[0] == "acme/Dockerfile.broken" and f[1] == "PY001" for f in findings())
    # A build argument: the default tag is pinned, latest is not.
    assert ("args/Dockerfile", "DL3007", 2) in findings("--build-arg", "TAG=latest")
    # The Dockerfile itself.
    (repo / "args" / "Dockerfile").write_text("FROM python:3.12-slim\nRUN sudo true\n")
    now = findings()
    assert ("args/Dockerfile", "DL3004", 2) in now
    # The config: a rule turned off.
    (repo / ".imagepolicy.yml").write_text("version: 1\nrules:\n  DL3004: off\n")
    assert ("args/Dockerfile", "DL3004", 2) not in findings()
    # What did not change was not checked again: the other files' results were reused.
    unchanged = {f for f in base if f[0].startswith("acme/Dockerfile") and f[0] != "acme/Dockerfile.broken"}
    assert unchanged <= now


@contextmanager
def _active_cache(folder: Path, monkeypatch) -> Iterator[Any]:
    """A cache in ``folder``, the current one while the block runs (as the CLI makes it for a run)."""
    from imagepolicy import cache as cache_mod

    monkeypatch.delenv("IMAGEPOLICY_NO_CACHE", raising=False)
    store, _ = cache_mod.open_cache(str(folder))
    cache_mod.activate(store)
    try:
        yield store
    finally:
        cache_mod.activate(None)


def _count_shellcheck_runs(monkeypatch) -> list[int]:
    """How many files each ShellCheck process is given, one number a process, as ShellCheck runs."""
    from imagepolicy.plugins.shell import shellcheck

    calls: list[int] = []
    real = shellcheck._run
    monkeypatch.setattr(shellcheck, "_run", lambda command, files, cwd: calls.append(len(files)) or real(command, files, cwd))
    return calls


def test_shellcheck_runs_once_per_script_and_version(tmp_path, monkeypatch):
    from imagepolicy.plugins.shell import shellcheck

    with _active_cache(tmp_path / "cache", monkeypatch):
        calls = _count_shellcheck_runs(monkeypatch)
        scripts = [shellcheck.Script("a", "echo $1\n"), shellcheck.Script("b", "[[ -n \"$1\" ]] && echo ok\n")]
        first = shellcheck.shellcheck_scripts(scripts)
        assert calls == [2] and {r.code for r in first} == {"SC2086", "SC3010"}
        # The same scripts under other ids (another Dockerfile): answered from the cache.
        again = shellcheck.shellcheck_scripts([shellcheck.Script("x", "echo $1\n"), shellcheck.Script("y", "[[ -n \"$1\" ]] && echo ok\n")])
        assert calls == [2] and [(r.script_id, r.code, r.line) for r in again] == [("x", "SC2086", 1), ("y", "SC3010", 1)]
        # Another dialect is another script; bash runs [[ ]].
        bash = shellcheck.shellcheck_scripts([shellcheck.Script("z", "[[ -n \"$1\" ]] && echo ok\n", "bash")])
        assert calls == [2, 1] and bash == []
        # Another ShellCheck version: nothing kept applies.
        monkeypatch.setattr(shellcheck, "tool_version", lambda exe: "99.0")
        shellcheck.shellcheck_scripts(scripts)
        assert calls == [2, 1, 2]


def test_broken_or_hostile_entries_are_misses_and_never_change_a_report(tmp_path):
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    (repo / ".git").mkdir(parents=True)
    write(repo, {"Dockerfile": "FROM debian:12\nRUN sudo apt-get install -y curl\n"})
    clean, _ = run(repo, cache, "check", "Dockerfile", "--format", "json")
    assert clean.returncode == 1
    secret = tmp_path / "secret.txt"
    secret.write_text('{"format": 1}')
    kinds = [p for p in (cache / "v1").iterdir() if p.is_dir()]
    damaged = 0
    for number, entry in enumerate(sorted(p for kind in kinds for p in kind.glob("*/*.json"))):
        entry.unlink()
        how = number % 4
        if how == 0:
            entry.write_bytes(b"\x00not json")
        elif how == 1:
            entry.symlink_to(secret)  # never followed
        elif how == 2:  # well-formed, but the key of another entry: a clean result planted under this name
            entry.write_text(json.dumps({"format": 1, "kind": entry.parent.parent.name, "key": "0" * 64,
                                         "value": {"stdout": "", "stderr": "", "exit": 0}}))
        else:
            entry.write_text(json.dumps({"format": 1, "kind": entry.parent.parent.name, "key": entry.parent.name + entry.stem,
                                         "value": {"findings": "nonsense", "rules": 7, "stdout": 5}}))
        damaged += 1
    assert damaged >= 5
    again, _ = run(repo, cache, "check", "Dockerfile", "--format", "json")
    assert (again.returncode, again.stdout, again.stderr) == (clean.returncode, clean.stdout, clean.stderr)
    assert secret.read_text() == '{"format": 1}'


def test_concurrent_runs_share_one_cache_safely(tmp_path, monorepo):
    cache = tmp_path / "cache"
    command = [str(COMMAND), "check", "services", "--format", "json", "--cache-dir", str(cache)]
    procs = [subprocess.Popen(command, cwd=monorepo, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    assert [proc.returncode for proc in procs] == [1, 1, 1], outputs[0][1]
    assert outputs[0] == outputs[1] == outputs[2]
    assert not list(cache.rglob("*.tmp")), "no half-written entry is left"
    warm, _ = run(monorepo, cache, "check", "services", "--format", "json")
    assert (warm.stdout, warm.stderr) == outputs[0]


def test_the_cache_stays_within_its_size_bound(tmp_path, monorepo):
    """A run over the monorepo stores about 320 KB; with a bound of 128 KB the least recently used go."""
    cache, bound = tmp_path / "cache", 128 * 1024

    def total() -> int:
        return sum(p.stat().st_size for p in (cache / "v1").rglob("*.json"))

    unbounded, _ = run(monorepo, tmp_path / "unbounded", "check", "services", "--format", "json")
    proc, _ = run(monorepo, cache, "check", "services", "--format", "json", IMAGEPOLICY_CACHE_MAX_MB="0.125")
    assert proc.returncode == 1 and proc.stdout == unbounded.stdout
    assert sum(p.stat().st_size for p in (tmp_path / "unbounded" / "v1").rglob("*.json")) > 2 * bound
    assert 0 < total() <= bound
    again, _ = run(monorepo, cache, "check", "services", "--format", "json", IMAGEPOLICY_CACHE_MAX_MB="0.125")
    assert again.stdout == proc.stdout and total() <= bound


def test_results_of_another_imagepolicy_version_are_never_used(tmp_path, monkeypatch, capsys):
    import imagepolicy
    from imagepolicy import cli, installed

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo, {"Dockerfile": "FROM debian:12\nRUN sudo true\n"})
    monkeypatch.chdir(repo)
    monkeypatch.delenv("IMAGEPOLICY_NO_CACHE", raising=False)
    cache = tmp_path / "cache"

    def kept_after_run() -> set[str]:
        installed.forget()
        assert cli.main(["check", "Dockerfile", "--cache-dir", str(cache)]) == 1
        return entries(cache, "file")

    first = kept_after_run()
    assert kept_after_run() == first
    monkeypatch.setattr(imagepolicy, "__version__", "99.0.0")
    assert len(kept_after_run() - first) == 1, "a new version keeps its own result"
    installed.forget()


def test_where_the_cache_lives(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo, {"Dockerfile": "FROM debian:12\n"})
    # The user cache folder, unless it lies inside the folder being checked (a change could plant entries there).
    xdg = tmp_path / "xdg"
    proc = subprocess.run([str(COMMAND), "check", "Dockerfile"], cwd=repo, env=env(XDG_CACHE_HOME=str(xdg)),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and entries(xdg / "imagepolicy", "file")
    assert (xdg / "imagepolicy" / ".gitignore").read_text().splitlines()[-1] == "*"
    inside = repo / ".cache"
    proc = subprocess.run([str(COMMAND), "check", "Dockerfile"], cwd=repo, env=env(XDG_CACHE_HOME=str(inside)),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and not inside.exists()
    assert "lies inside the folder being checked" in proc.stderr and "--cache-dir" in proc.stderr
    # IMAGEPOLICY_CACHE_DIR names it; --no-cache and IMAGEPOLICY_NO_CACHE=1 keep nothing.
    named = tmp_path / "named"
    proc = subprocess.run([str(COMMAND), "check", "Dockerfile"], cwd=repo, env=env(IMAGEPOLICY_CACHE_DIR=str(named)),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and entries(named, "file")
    for args, extra in ((["--no-cache"], {}), ([], {"IMAGEPOLICY_NO_CACHE": "1"})):
        off = tmp_path / "off"
        proc = subprocess.run([str(COMMAND), "check", "Dockerfile", *args], cwd=repo,
                              env=env(IMAGEPOLICY_CACHE_DIR=str(off), **extra), capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and not off.exists()


def test_an_unchanged_one_file_run_is_replayed_without_loading_the_checker(tmp_path):
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    (repo / ".git").mkdir(parents=True)
    write(repo, {"Dockerfile": "FROM debian:12\nRUN sudo apt-get install -y curl\n", "app.txt": "x\n"})
    first, _ = run(repo, cache, "check", "Dockerfile")
    assert first.returncode == 1 and "DL3004" in first.stdout
    assert entries(cache, "run")
    # The same command through the same interpreter, telling whether the CLI (and the rules) were imported.
    probe = ("import sys\nfrom imagepolicy.launch import main\nsys.argv = ['imagepolicy', *sys.argv[1:]]\ncode = main()\n"
             "open(%r, 'w').write(str('imagepolicy.cli' in sys.modules))\nsys.exit(code)\n")
    marker = tmp_path / "loaded.txt"
    interpreter = COMMAND.read_text().splitlines()[0].removeprefix("#!").strip()  # the command's own (a run is keyed by it)

    def replayed(*args: str, **extra: str) -> tuple[subprocess.CompletedProcess, bool]:
        proc = subprocess.run([interpreter, "-c", probe % str(marker), "check", "Dockerfile", *args, "--cache-dir", str(cache)],
                              cwd=repo, env=env(**extra), capture_output=True, text=True, timeout=120)
        return proc, marker.read_text() == "False"

    proc, fast = replayed()
    assert fast and (proc.returncode, proc.stdout, proc.stderr) == (first.returncode, first.stdout, first.stderr)
    # Any input changed: the run goes through the checker (and records itself again).
    (repo / "app.txt").write_text("y\n")  # the build context
    proc, fast = replayed()
    assert not fast and proc.stdout == first.stdout
    proc, fast = replayed()
    assert fast
    (repo / ".imagepolicy.yml").write_text("version: 1\nrules:\n  DL3004: off\n")  # a config appears
    proc, fast = replayed()
    assert not fast and "DL3004" not in proc.stdout
    proc, fast = replayed("--format", "json")  # another command line
    assert not fast and json.loads(proc.stdout)["findings"] == []
    proc, fast = replayed(NO_COLOR="")  # the environment it read
    assert not fast
    # The same bytes, but the Dockerfile is now a link out of the checked tree: the checker refuses it.
    outside = tmp_path / "outside.Dockerfile"
    outside.write_bytes((repo / "Dockerfile").read_bytes())
    replayed()
    (repo / "Dockerfile").unlink()
    (repo / "Dockerfile").symlink_to(outside)
    proc, fast = replayed()
    assert not fast and proc.returncode == 2, proc.stderr


def test_the_github_action_restores_and_fills_its_results_cache(tmp_path):
    """Two runs of the action on one runner: the second reuses every result and reports the same; cache: false keeps none."""
    from test_action_harness import Runner, load_action

    steps = load_action()["runs"]["steps"]
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache@") and "results" in s["with"]["path"])
    check = next(s for s in steps if s.get("id") == "check")
    assert steps.index(restore) < steps.index(check)
    assert restore["with"]["path"] == check["env"]["IMAGEPOLICY_CACHE_DIR"]
    assert "restore-keys" in restore["with"], "a new run saves under a key of its own, restoring the newest earlier one"

    workspace = tmp_path / "workspace"
    shutil.copytree(EXAMPLE, workspace)
    results = tmp_path / "runner-temp" / "imagepolicy" / "results-cache"
    first = Runner(tmp_path, workspace, {"dockerfiles": "."}).run()
    kept = entries(results, "file")
    assert first.exit_status == 1 and len(kept) == 3
    second = Runner(tmp_path, workspace, {"dockerfiles": "."}).run()
    assert second.stdout == first.stdout and entries(results, "file") == kept
    assert Path(second.outputs["sarif"]).read_bytes() == Path(first.outputs["sarif"]).read_bytes()
    shutil.rmtree(results)
    off = Runner(tmp_path, workspace, {"dockerfiles": ".", "cache": "false"}).run()
    assert off.stdout == first.stdout and not results.exists()


def test_shellcheck_comments_are_kept_one_entry_per_dockerfile_and_an_edit_checks_only_its_new_runs(tmp_path, monkeypatch):
    from imagepolicy import cache as cache_mod
    from imagepolicy.dockerfile import parse_dockerfile
    from imagepolicy.plugins.shell import scripts

    def parsed(name: str, text: str):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        return parse_dockerfile(path, display_path=name)

    a = "FROM debian:12\nRUN echo $1\nRUN [[ -n \"$1\" ]] && echo ok\n"
    b = "FROM debian:12\nRUN echo $1\n"  # the same RUN as a's first: checked once
    edited = a + "RUN echo $2\n"

    def check(*dockerfiles) -> list[list[tuple[str, int]]]:
        return [sorted((v.code, v.line) for v in found) for found in scripts.check_dockerfiles(dockerfiles)]

    monkeypatch.setattr(cache_mod, "_active", None)  # no cache: what every run must report
    expected = check(parsed("a/Dockerfile", a), parsed("b/Dockerfile", b)) + check(parsed("a/Dockerfile", edited))
    assert expected[0] == [("SC2086", 2), ("SC3010", 3)] and ("SC2086", 4) in expected[2]

    with _active_cache(tmp_path / "cache", monkeypatch):
        checked = _count_shellcheck_runs(monkeypatch)
        first = check(parsed("a/Dockerfile", a), parsed("b/Dockerfile", b))
        assert checked == [2] and len(entries(tmp_path / "cache", "shellcheck")) == 2
        # The edited Dockerfile: only its new RUN goes to ShellCheck, the others come from its entry.
        assert check(parsed("a/Dockerfile", edited)) == expected[2:] and checked == [2, 1]
        assert first == expected[:2]
        # Nothing new: no ShellCheck at all.
        assert check(parsed("a/Dockerfile", edited), parsed("b/Dockerfile", b)) == expected[2:] + expected[1:2]
        assert checked == [2, 1]


def test_once_a_batchs_last_results_are_in_its_entries_are_stored_and_its_scratch_files_gone(tmp_path, monkeypatch):
    # The comments of a chunk are known before its groups' entries are written and, after the last
    # chunk, the scratch folder removed: results must wait for both (the command ends with os._exit).
    from imagepolicy import cleanup
    from imagepolicy.plugins.shell import shellcheck

    folders = []
    real, remove = cleanup.scratch_folder, cleanup.remove
    monkeypatch.setattr(cleanup, "scratch_folder", lambda *a, **k: folders.append(real(*a, **k)) or folders[-1])
    monkeypatch.setattr(cleanup, "remove", lambda folder: time.sleep(0.3) or remove(folder))  # a slow disk
    with _active_cache(tmp_path / "cache", monkeypatch):
        batch = shellcheck.new_batch(chunk_size=3, jobs=2)
        groups = {f"g{g}": [shellcheck.Script(f"{g}:{i}", f"echo ${i} {g}\n") for i in range(1, 4)] for g in range(5)}
        for name, scripts in groups.items():
            batch.add(scripts, group=name)
        batch.close()
        time.sleep(0.2)  # ShellCheck is done by now, the folder's removal not yet
        for scripts in groups.values():
            assert [r.code for r in batch.results([s.id for s in scripts])] == ["SC2086"] * 3
        assert len(folders) == 1 and not os.path.exists(folders[0])
        assert len(entries(tmp_path / "cache", "shellcheck")) == 5
