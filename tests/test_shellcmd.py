"""Splitting RUN scripts into simple commands, and the flag questions rules ask."""

from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.shellcmd import run_commands, split_commands


def test_split_on_operators_keeps_start_lines_and_removes_quotes():
    cmds = split_commands("apt-get update && \\\n  apt-get install -y 'curl' \"git\" ; echo $(date +%s) | tee x\n(cd /app && make)")
    assert [c.words for c in cmds] == [
        ("apt-get", "update"), ("apt-get", "install", "-y", "curl", "git"), ("echo", "$(date +%s)"), ("tee", "x"),
        ("cd", "/app"), ("make",),
    ]
    assert [c.line for c in cmds] == [1, 2, 2, 2, 3, 3]


def test_comments_and_assignments():
    (cmd,) = split_commands("DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install x # comment && not a command")
    assert cmd.name == "apt-get" and cmd.args == ("install", "x")


def test_flags_clusters_long_forms_and_values():
    (cmd,) = split_commands("pip install -qU --no-cache-dir --index-url=https://x -r req.txt pkg==1.0 -- -notaflag")
    assert cmd.has_flag("q") and cmd.has_flag("U") and cmd.has_flag("no-cache-dir")
    assert not cmd.has_flag("y")
    assert cmd.flag_value("index-url") == "https://x"
    assert cmd.flag_value("r", "requirement") == "req.txt"
    assert cmd.positional() == ["install", "req.txt", "pkg==1.0", "-notaflag"]
    assert cmd.has_args("install")


def test_run_commands_map_to_dockerfile_lines(tmp_path):
    df = parse_dockerfile(text="FROM debian:12\nRUN apt-get update \\\n # comment\n && apt-get install -y curl\n", context_dir=tmp_path)
    run = df.instructions[1]
    assert [(c.name, line) for c, line in run_commands(run)] == [("apt-get", 2), ("apt-get", 4)]


def test_cache_mounted_covers_the_target_and_paths_below_it(tmp_path):
    df = parse_dockerfile(text=(
        "FROM python:3.12\n"
        "RUN --mount=type=cache,target=/root/.cache pip install x\n"
        "RUN --mount=type=bind,target=/root/.cache/pip pip install x\n"
        "RUN --mount=type=cache,target=/root/.cache/pip/http pip install x\n"
    ), context_dir=tmp_path)
    from imagepolicy.shellcmd import mounted_over

    covered, bind, deeper = df.instructions[1:]
    assert mounted_over(covered, "/root/.cache/pip")
    assert not mounted_over(bind, "/root/.cache/pip")
    assert not mounted_over(deeper, "/root/.cache/pip")


def test_tmpfs_mounts_and_relative_targets_below_workdir_hold_paths_too(tmp_path):
    from imagepolicy.shellcmd import mounted_over

    df = parse_dockerfile(text=(
        "FROM debian:12\n"
        "RUN --mount=type=tmpfs,target=/var/lib/apt/lists apt-get update\n"
        "WORKDIR /var\n"
        "RUN --mount=type=cache,target=lib/apt apt-get update\n"
        "RUN --mount=type=secret,id=x,target=/var/lib/apt/lists apt-get update\n"
    ), context_dir=tmp_path)
    tmpfs, _workdir, relative, secret = df.instructions[1:]
    assert mounted_over(tmpfs, "/var/lib/apt/lists")
    assert mounted_over(relative, "/var/lib/apt/lists")  # BuildKit joins a relative target to WORKDIR
    assert not mounted_over(relative, "/lib/apt/lists")
    assert not mounted_over(secret, "/var/lib/apt/lists")


def test_covers_a_path_below_a_folder_and_nothing_beside_it():
    from imagepolicy.shellcmd import covers

    assert covers("/var/cache", "/var/cache/apk") and covers("/var/cache/", "/var/cache") and covers("/", "/x")
    assert not covers("/var/cache/apk", "/var/cache") and not covers("/var/ca", "/var/cache")


def _pipes(script: str) -> list[tuple[int, int]]:
    from imagepolicy.shellcmd import parse_script

    return [(p.line, p.depth) for p in parse_script(script).pipes]


def test_pipes_skip_or_quotes_comments_clobber_and_case_patterns():
    assert _pipes("curl -s x | sh") == [(1, 0)]
    assert _pipes("a || b; echo '|' \"|\" \\| >| f # c | d") == []
    assert _pipes("a || b | c") == [(1, 0)]
    assert _pipes("echo x#y | cat") == [(1, 0)]  # a # inside a word is no comment
    assert _pipes('case "$(uname -m)" in x86_64|amd64) a=x ;; (aarch64|arm64) a=y ;; esac') == []
    assert _pipes("case $x in\n  a|b)\n    echo a | tr a b\n    ;;\nesac\n") == [(3, 0)]


def test_pipes_inside_command_substitutions_are_found():
    assert _pipes('arch="$(dpkg --print-architecture | awk -F- \'{ print $NF }\')"') == [(1, 1)]
    assert _pipes("for f in `ls | grep x`; do echo $f; done") == [(1, 1)]
    assert _pipes("cat <<EOF > /x\n$(id | cut -d' ' -f1)\nEOF\n") == [(2, 1)]  # an unquoted heredoc expands it
    assert _pipes("cat <<'EOF' > /x\n$(id | cut -d' ' -f1)\nEOF\n") == []  # a quoted one is text


def test_quotes_inside_a_substitution_do_not_end_it():
    cmds = split_commands('V=$(echo "a)b") apt-get install -y curl')
    assert [c.argv for c in cmds] == [("apt-get", "install", "-y", "curl")]
    from imagepolicy.shellcmd import parse_script

    assert [(c.words, c.depth) for c in parse_script('x="$(echo \'(\' "$(printf \')\')")" && y').commands] == [
        (("x=$(echo '(' \"$(printf ')')\")",), 0), (("echo", "(", "$(printf ')')"), 1), (("printf", ")"), 2), (("y",), 0),
    ]


def test_removes_a_folder_its_contents_or_a_folder_above():
    from imagepolicy.shellcmd import removes

    def rm(text: str) -> bool:
        (cmd,) = split_commands(text)
        return removes(cmd, "/var/cache/yum")

    assert rm("rm -rf /var/cache/yum") and rm("rm -rf /var/cache/yum/*") and rm("rm -rf /var/cache/")
    assert not rm("rm -r /var/cache/yum/x86_64")
    assert not rm("rm -rf /var/cache/dnf") and not rm("echo /var/cache/yum") and not rm("rm -rf cache/yum")


def test_redirections_are_not_words_and_do_not_split_commands():
    cmds = split_commands("make 2>&1 | tee log && pip install x >> out 2>/dev/null &> all < in.txt; cat <<< hi")
    assert [c.words for c in cmds] == [("make",), ("tee", "log"), ("pip", "install", "x"), ("cat",)]


def test_heredoc_bodies_are_skipped_unless_a_shell_runs_them():
    cmds = split_commands("cat <<EOF > /etc/x\napt-get install foo\nEOF\nbash -e <<-'END'\n\tsudo ls\n\tEND\necho done\n")
    assert [(c.words, c.line) for c in cmds] == [(("cat",), 1), (("bash", "-e"), 4), (("sudo", "ls"), 5), (("echo", "done"), 7)]


def test_reserved_words_do_not_hide_the_command_name():
    cmds = split_commands("if true; then cd /x; fi; for p in a b; do pip install $p; done; ! grep x y")
    assert [c.name for c in cmds] == ["true", "cd", "pip", "grep"]


def test_compound_commands_tests_and_functions():
    cmds = split_commands("[[ -f x && $(id -u) -gt 0 ]] && a; (( i++ )); f() { b; }; function g { c; }; { d; } > log")
    assert [c.name for c in cmds] == ["[[", "a", "b", "c", "d"]
    cmds = split_commands('case "$1" in\n  start) run --now ;;\n  *) echo usage; exit 1 ;;\nesac\nafter')
    assert [(c.name, c.line) for c in cmds] == [("run", 2), ("echo", 3), ("exit", 3), ("after", 5)]


def test_a_heredoc_fed_to_a_shell_named_after_it_is_that_shells_script():
    cmds = split_commands("<<-EOT bash\n\tcd /app\n\tmake\n\tEOT\n")
    assert [(c.name, c.line) for c in cmds] == [("bash", 1), ("cd", 2), ("make", 3)]


def test_comments_follow_the_dockerfiles_joining_but_not_in_a_heredoc_body():
    # RUN a # note \  +  && b: the Dockerfile joins the lines, so `&& b` is part of the comment.
    assert [c.name for c in split_commands("a # note \\\n && b\nc\n")] == ["a", "c"]
    assert [c.name for c in split_commands("a # note \\\nb\n", heredoc_body=True)] == ["a", "b"]


def test_powershell_statements():
    cmds = split_commands("if ($env:X -eq 'true') { pip install --no-cache-dir chroma-hnswlib }; Remove-Item x", dialect="powershell")
    assert [c.words for c in cmds] == [("if",), ("pip", "install", "--no-cache-dir", "chroma-hnswlib"), ("Remove-Item", "x")]


def test_instruction_commands_cover_exec_form_shell_c_and_substitutions(tmp_path):
    from imagepolicy.shellcmd import instruction_commands

    df = parse_dockerfile(text=(
        "FROM debian:12\n"
        'RUN ["apt-get", "install", "curl"]\n'
        'RUN ["/bin/sh", "-c", "cd /x && make"]\n'
        "RUN v=$(sudo id -u) && echo `whoami` $((1<<2))\n"
    ), context_dir=tmp_path)
    exec_form, shell_c, nested = df.instructions[1:]
    assert [(c.argv, line) for c, line in instruction_commands(exec_form)] == [(("apt-get", "install", "curl"), 2)]
    assert [c.name for c, _ in instruction_commands(shell_c)] == ["cd", "make"]
    assert [(c.name, line, c.depth) for c, line in instruction_commands(nested)] == [
        ("", 4, 0), ("sudo", 4, 1), ("echo", 4, 0), ("whoami", 4, 1),
    ]
    assert [c.name for c, _ in instruction_commands(nested, nested=False)] == ["", "echo"]


def test_operands_skip_flag_values():
    (cmd,) = split_commands("apt-get install -yt bookworm -o Dpkg::Options::=x --target-release=b curl -- -x")
    assert cmd.operands("t", "o", "target-release") == ["install", "curl", "-x"]
    (cmd,) = split_commands("apk add --virtual .deps -tx gcc")
    assert cmd.operands("t", "virtual") == ["add", "gcc"]


def test_expand_word_uses_arg_and_env_and_keeps_unknown_variables(tmp_path):
    from imagepolicy.shellcmd import expand_word

    df = parse_dockerfile(text="FROM debian:12\nARG V=1.2\nENV PKGS=\"a=1 b=2\"\nRUN true\n", context_dir=tmp_path)
    run = df.instructions[-1]

    def words(script: str) -> list:
        (cmd,) = split_commands(script)
        return [expand_word(run, w) for w in cmd.argv_words[1:]]

    assert words("x curl=$V $PKGS $UNKNOWN plain") == [["curl=1.2"], ["a=1", "b=2"], ["$UNKNOWN"], ["plain"]]
    assert words('x "$PKGS" "pkg @ git+https://x@${REF}" php-${PHP_VERSION} ${V//./-}') == [
        ["a=1 b=2"], ["pkg @ git+https://x@${REF}"], ["php-${PHP_VERSION}"], ["1-2"],
    ]
    assert words("x $(cat list) `cat list` pre$(id)") == [None, None, None]  # known only at run time
    assert expand_word(run, "curl=$V") == ["curl=1.2"]


def test_hostile_nesting_is_read_without_exhausting_the_stack():
    from imagepolicy.shellcmd import MAX_NESTING, parse_script

    deep = "echo " + "$(" * 5000 + "id" + ")" * 5000 + " && after"
    parsed = parse_script(deep)
    assert len(parsed.commands) == MAX_NESTING + 1 and parsed.commands[-1].name == "after"
    assert parse_script("echo " + "${a:-" * 5000 + "x" + "}" * 5000 + "; after").commands[-1].name == "after"
    heredocs = "".join(f"bash <<E{i}\n" for i in range(2000)) + "id\n" + "".join(f"E{i}\n" for i in reversed(range(2000)))
    assert len(parse_script(heredocs).commands) <= MAX_NESTING
