"""The Dockerfile model: lines, directives, heredocs, stages, ARG/ENV, flags, pragmas, COPY timeline.

Every case is an inline Dockerfile; expectations follow BuildKit's parser
(``frontend/dockerfile/parser``), its instruction checks
(``instructions/parse.go``) and its word expansion (``shell/lex.go``).
"""

from __future__ import annotations

import io
import subprocess
import textwrap

import pytest

from imagepolicy.dockerfile import (
    Dockerfile,
    expand_variables,
    iter_run_instructions,
    parse_dockerfile,
    process_word,
    process_words,
)
from imagepolicy.model import InputError


def parse(text: str, ctx=None, **kwargs) -> Dockerfile:
    """Parse an inline Dockerfile (dedented, leading newline dropped)."""
    return parse_dockerfile(text=textwrap.dedent(text).lstrip("\n"), context_dir=ctx, **kwargs)


def spans(df: Dockerfile) -> list[tuple[str, int, int]]:
    return [(i.keyword, i.line, i.end_line) for i in df.instructions]


def error(text: str, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        parse(text, **kwargs)
    return str(info.value)


def write(root, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def script_lines(instr) -> dict[int, str]:
    """Dockerfile line number -> script line, through the script_line invariant."""
    return {instr.script_line + k: text for k, text in enumerate(instr.script.split("\n")[:-1])}


def assert_script_maps(df: Dockerfile, instr) -> None:
    """Every non-blank script line sits on the Dockerfile line it claims (modulo blanking)."""
    lines = df.text.split("\n")
    for number, text in script_lines(instr).items():
        if text.strip() and text.strip() != "\\":
            assert text.rstrip("\\ ").strip() in lines[number - 1], (number, text, lines[number - 1])


def shell_ok(script: str) -> bool:
    """Does dash accept the script's syntax (sh -n, nothing executed)?"""
    return subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True).returncode == 0


# --- lines, continuations, encodings -----------------------------------------------


def test_continuations_with_comment_and_blank_lines_inside_keep_one_instruction():
    df = parse(
        """
        FROM alpine
        RUN apk add \\
            # a comment inside the continuation
            curl \\

            git
        RUN echo next
        """
    )
    assert spans(df) == [("FROM", 1, 1), ("RUN", 2, 6), ("RUN", 7, 7)]
    run = df.instructions[1]
    assert run.value.split() == ["apk", "add", "curl", "git"]
    assert "# a comment" not in run.value


def test_escape_token_followed_by_blanks_still_continues_and_escaped_escape_does_not():
    df = parse("FROM alpine\nRUN echo a \\  \n  b\nRUN echo c \\\\\nRUN echo d\n")
    assert spans(df) == [("FROM", 1, 1), ("RUN", 2, 3), ("RUN", 4, 4), ("RUN", 5, 5)]


def test_crlf_and_bom_read_like_lf(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"\xef\xbb\xbfFROM alpine\r\nRUN echo a \\\r\n  b\r\nUSER app\r\n")
    df = parse_dockerfile(path)
    assert spans(df) == [("FROM", 1, 1), ("RUN", 2, 3), ("USER", 4, 4)]
    assert df.instructions[0].args == "alpine"
    assert df.instructions[2].user is None and df.stages[0].end_state[2] == "app"
    # text= input with a BOM too
    assert spans(parse_dockerfile(text="\ufeffFROM alpine\r\n")) == [("FROM", 1, 1)]


def test_lowercase_keywords_and_indented_instructions():
    df = parse("from alpine\n  run echo hi\n\tuser nobody\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "USER"]


def test_inline_hash_is_not_a_comment():
    df = parse("FROM alpine\nRUN echo # not a comment\n")
    assert df.instructions[1].args == "echo # not a comment"


# --- parser directives ---------------------------------------------------------------


def test_escape_directive_backtick_continues_lines_and_script_uses_backslash():
    df = parse(
        """
        # escape=`
        FROM mcr.microsoft.com/windows/servercore
        RUN echo a `
            && echo b
        COPY a.txt `
            C:/dest/
        """
    )
    assert df.directives["escape"] == "`"
    assert spans(df) == [("FROM", 2, 2), ("RUN", 3, 4), ("COPY", 5, 6)]
    run = df.instructions[1]
    assert run.script.split("\n")[0].endswith("echo a \\")
    assert df.instructions[2].sources == ["a.txt"]


def test_syntax_escape_and_check_directives_at_the_top():
    df = parse(
        """
        # syntax=docker/dockerfile:1.7
        #escape=\\
        # check=skip=JSONArgsRecommended,StageNameCasing;error=true
        FROM alpine
        """
    )
    assert df.directives == {
        "syntax": "docker/dockerfile:1.7",
        "escape": "\\",
        "check": "skip=JSONArgsRecommended,StageNameCasing;error=true",
    }
    assert df.check_skip == {"JSONArgsRecommended", "StageNameCasing"}


@pytest.mark.parametrize(
    "head",
    [
        "FROM alpine\n# escape=`\n",  # after an instruction
        "# a comment first\n# escape=`\nFROM alpine\n",  # after another comment
        "# foo=bar\n# escape=`\nFROM alpine\n",  # after an unknown directive
        "\n# escape=`\nFROM alpine\n",  # after a blank line
    ],
)
def test_directives_only_count_at_the_very_top(head):
    df = parse_dockerfile(text=head + "RUN echo a `\n")
    assert "escape" not in df.directives
    assert df.instructions[-1].args == "echo a `"


def test_check_directive_below_the_top_is_a_comment():
    df = parse("FROM alpine\n# check=skip=all\nRUN true\n")
    assert df.check_skip == frozenset()
    assert parse("# check=skip=all\nFROM alpine\n").check_skip == {"all"}


def test_repeated_or_invalid_directive_is_an_input_error():
    assert error("# escape=`\n# escape=\\\nFROM alpine\n").startswith("Dockerfile:2: only one escape")
    assert error("# escape=x\nFROM alpine\n").startswith("Dockerfile:1: invalid escape directive")


# --- heredocs --------------------------------------------------------------------------


def test_run_heredoc_body_is_the_script_and_lines_that_look_like_instructions_are_body():
    df = parse(
        """
        FROM alpine
        RUN <<EOF
        FROM scratch
        apk add curl
        EOF
        RUN echo after
        """
    )
    assert spans(df) == [("FROM", 1, 1), ("RUN", 2, 5), ("RUN", 6, 6)]
    run = df.instructions[1]
    (doc,) = run.heredocs
    assert (doc.name, doc.line, doc.end_line, doc.expand) == ("EOF", 3, 5, True)
    assert doc.body == "FROM scratch\napk add curl\n"
    assert run.script == doc.body and run.script_line == 3
    assert len(df.stages) == 1


def test_dash_heredoc_strips_leading_tabs_from_body_and_terminator():
    df = parse("FROM alpine\nRUN <<-EOT\n\tapk add curl\n\t\techo hi\n\tEOT\nRUN true\n")
    doc = df.instructions[1].heredocs[0]
    assert doc.strip_tabs and doc.body == "apk add curl\necho hi\n"
    assert doc.end_line == 5 and spans(df)[-1] == ("RUN", 6, 6)


@pytest.mark.parametrize("opener", ["<<'EOF'", '<<"EOF"', "<<E'O'F"])
def test_quoted_delimiter_disables_expansion(opener):
    df = parse(f"FROM alpine\nCOPY {opener} /etc/motd\nhello $USER\nEOF\n")
    doc = df.instructions[1].heredocs[0]
    assert doc.name == "EOF" and doc.expand is False and doc.body == "hello $USER\n"
    assert df.instructions[1].dest == "/etc/motd"


def test_two_heredocs_on_one_line_are_read_in_order():
    # BuildKit: every word of the line that is <<NAME opens one, bodies follow in order.
    df = parse(
        """
        FROM alpine
        COPY <<robots.txt <<humans.txt /usr/share/html/
        User-agent: *
        robots.txt
        Made by us
        humans.txt
        RUN <<A cat && <<B cat
        a
        A
        b
        B
        """
    )
    copy, run = df.instructions[1], df.instructions[2]
    assert [(h.name, h.line, h.end_line) for h in copy.heredocs] == [("robots.txt", 3, 4), ("humans.txt", 5, 6)]
    assert copy.sources == [] and copy.dest == "/usr/share/html" and copy.dest_is_dir
    assert [h.name for h in run.heredocs] == ["A", "B"] and (run.line, run.end_line) == (7, 11)
    # not "only a heredoc": the script is the command plus the verbatim bodies
    assert run.script_line == 7 and shell_ok(run.script)
    assert_script_maps(df, run)


def test_command_with_heredoc_keeps_command_line_in_script():
    df = parse(
        """
        FROM python:3.12
        RUN --mount=type=cache,target=/root/.cache \\
            python3 <<EOF
        print("hi")
        EOF
        """
    )
    run = df.instructions[1]
    assert run.flags == [("mount", "type=cache,target=/root/.cache")]
    assert run.script_line == 2
    lines = script_lines(run)
    assert lines[2].strip() in ("", "\\") and "mount" not in lines[2]
    assert lines[3].strip() == "python3 <<EOF" and lines[4] == 'print("hi")' and lines[5] == "EOF"
    assert shell_ok(run.script)


@pytest.mark.parametrize(
    "shebang, dialect",
    [("#!/bin/sh -e", "busybox"), ("#!/usr/bin/env -S bash -x", "bash"), ("#!/bin/ash", "busybox"), ("#!/usr/bin/env python3", None)],
)
def test_heredoc_shebang_with_arguments(shebang, dialect):
    df = parse(f"FROM alpine\nRUN <<EOF\n{shebang}\ntrue\nEOF\n")
    assert df.instructions[1].shell_dialect == dialect


def test_heredoc_shebang_sets_dialect():
    df = parse("FROM alpine\nRUN <<EOF\n#!/usr/bin/env bash\nset -o pipefail\nEOF\nRUN <<EOF\n#!/usr/bin/python3\nprint(1)\nEOF\n")
    bash_run, py_run = df.instructions[1], df.instructions[2]
    assert bash_run.shell_dialect == "bash"
    assert py_run.shell_dialect is None


def test_unterminated_heredoc_is_an_input_error_on_its_line():
    message = error("FROM alpine\nRUN true\nRUN <<EOF\necho hi\n")
    assert message.startswith("Dockerfile:3: here-document <<EOF is never closed")


@pytest.mark.parametrize(
    "run",
    [
        "RUN echo '<<EOF'",  # quoted: a word starting with a quote
        "RUN echo $((1<<2))",  # arithmetic shift
        'RUN cat <<< "here string"',  # here-string
        'RUN ["sh", "-c", "cat <<EOF"]',  # JSON form never has heredocs
        "CMD cat <<EOF",  # only RUN, COPY and ADD take heredocs
    ],
)
def test_not_heredocs(run):
    df = parse(f"FROM alpine\n{run}\nUSER nobody\n")
    assert df.instructions[1].heredocs == []
    assert spans(df)[-1] == ("USER", 3, 3)


def test_heredoc_with_fd_and_odd_name():
    df = parse("FROM alpine\nRUN 3<<'END-OF-FILE' cat <&3\n$HOME\nEND-OF-FILE\n")
    doc = df.instructions[1].heredocs[0]
    assert (doc.name, doc.expand, doc.body) == ("END-OF-FILE", False, "$HOME\n")


# --- malformed input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("FROM alpine\nFOO bar\n", 2, "unknown instruction 'FOO'"),
        ("RUN true\nFROM alpine\n", 1, "RUN before the first FROM"),
        ("ARG X=1\n", 1, "no FROM instruction"),
        ("FROM alpine\nCOPY only-one\n", 2, "COPY requires at least a source and a destination"),
        ("FROM alpine\nADD \\\n  one\n", 2, "ADD requires at least a source and a destination"),
        ("FROM alpine garbage\n", 1, "unexpected words after the image"),
        ("FROM alpine AS one two\n", 1, "unexpected words after the image"),
        ("FROM alpine AS 1st\n", 1, "invalid stage name '1st'"),
        ("FROM\n", 1, "FROM needs an image"),
        ("FROM :12\n", 1, "FROM :12 is not an image reference (no image name before the tag)"),
        ("FROM debian:\n", 1, "FROM debian: is not an image reference (an empty tag"),
        ("FROM /debian\n", 1, "FROM /debian is not an image reference (an empty name part"),
        ("FROM debian@\n", 1, "(an empty digest after '@')"),
        ("FROM alpine\nSHELL /bin/bash -c\n", 2, "SHELL requires the JSON form"),
        ("FROM alpine\nENV ONLYKEY\n", 2, "ENV ONLYKEY has no value"),
        ("FROM alpine\nENV A=1 B\n", 2, "cannot find '='"),
        ('FROM alpine\nENV A="unterminated\n', 2, "double-quote"),
        ("FROM alpine\nONBUILD FROM alpine\n", 2, "FROM isn't allowed as an ONBUILD trigger"),
        ("FROM scratch\nWORKDIR ${X:?must be set}\n", 2, "must be set"),
    ],
)
def test_malformed_input_names_file_and_line(text, line, words):
    message = error(text)
    assert message.startswith(f"Dockerfile:{line}: "), message
    assert words in message


@pytest.mark.parametrize(
    "instruction, words",
    [
        ("USER", "USER requires exactly one argument"),
        ("USER   \\\n", "USER requires exactly one argument"),
        ("STOPSIGNAL", "STOPSIGNAL requires exactly one argument"),
        ("MAINTAINER", "MAINTAINER requires exactly one argument"),
        ("LABEL", "LABEL requires at least one argument"),
        ("EXPOSE", "EXPOSE requires at least one argument"),
        ("VOLUME", "VOLUME requires at least one argument"),
        ("VOLUME []", "VOLUME needs non-empty paths"),
        ('VOLUME ["/data", " "]', "VOLUME needs non-empty paths"),
        ("HEALTHCHECK", "HEALTHCHECK requires at least one argument"),
        ("HEALTHCHECK --interval=5s CMD", "HEALTHCHECK CMD needs a command"),
        ("SHELL []", "SHELL requires at least one argument"),
    ],
)
def test_instructions_buildkit_refuses_without_arguments_are_input_errors(instruction, words):
    message = error(f"FROM alpine\n{instruction}\n")
    assert message.startswith("Dockerfile:2: ") and words in message, message


def test_instructions_buildkit_accepts_empty_stay_accepted():
    df = parse("FROM alpine\nRUN\nCMD\nENTRYPOINT\nHEALTHCHECK NONE\nUSER ${UNSET}\nVOLUME /data\n")
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK", "USER", "VOLUME"]
    # USER with a variable the base image may set: unknown, kept as written (not judged as "no user")
    assert df.instructions[-1].user == "${UNSET}"
    df = parse("FROM scratch\nUSER ${UNSET}\nVOLUME /data\n")
    assert df.instructions[-1].user is None  # nothing can set it on scratch: no user


@pytest.mark.parametrize("ending", ["\n", "", "\r\n"])
def test_a_continuation_on_the_last_line_ends_with_the_file(ending):
    df = parse(f"FROM alpine\nRUN echo a \\{ending}")
    run = df.instructions[-1]
    assert (run.line, run.end_line, run.original) == (2, 2, "RUN echo a \\")
    assert len(df.lines) == 2


def test_an_empty_build_arg_in_a_from_line_is_an_input_error_and_valid_references_pass():
    message = error("ARG BASE=debian\nFROM ${BASE}:12\n", build_args={"BASE": ""})
    assert message.startswith("Dockerfile:2: FROM ${BASE}:12 expands to ':12' with --build-arg BASE=, which is not")
    message = error("ARG REG=docker.io\nARG TAG=12\nFROM ${REG}/debian:$TAG\n", build_args={"TAG": ""})
    assert message.startswith("Dockerfile:3: FROM ${REG}/debian:$TAG expands to 'docker.io/debian:' with --build-arg TAG=,")
    # Only defaults make it invalid: the build may pass build arguments, and BK013 reports it.
    # An ARG without a value is unknown, not empty: the image stays as written and is linted.
    stage = parse("ARG TAG\nFROM debian:${TAG}\n").stages[0]
    assert (stage.base, stage.base_known) == ("debian:${TAG}", False)
    assert [s.base for s in parse("ARG TAG=\nFROM debian:${TAG}\n", build_args={"OTHER": ""}).stages] == ["debian:"]
    df = parse("FROM localhost:5000/team/debian:12@sha256:abc AS a\nFROM a\nFROM scratch\n")
    assert [s.base for s in df.stages] == ["localhost:5000/team/debian:12@sha256:abc", "a", "scratch"]


def test_empty_and_comment_only_files():
    for text in ("", "\n\n", "# just a comment\n"):
        message = error(text)
        assert message.startswith("Dockerfile:") and "needs a FROM" in message


def test_binary_and_missing_files_are_input_errors(tmp_path):
    binary = tmp_path / "Dockerfile"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\xff\xfe\x00\x00")
    with pytest.raises(InputError, match=r"Dockerfile: not a text file"):
        parse_dockerfile(binary)
    with pytest.raises(InputError, match=r"cannot read Dockerfile"):
        parse_dockerfile(tmp_path / "missing")


def test_display_path_used_in_errors(tmp_path):
    with pytest.raises(InputError, match=r"^services/api/Dockerfile:1: "):
        parse_dockerfile(text="NOPE x\n", display_path="services/api/Dockerfile")


# --- stages ----------------------------------------------------------------------------


MULTISTAGE = """
FROM python:3.12 AS Builder
WORKDIR /src
COPY . .
RUN pip wheel -w /wheels .

FROM builder AS tester
RUN pytest

FROM golang:1.22 AS tools
RUN go build -o /out/tool ./cmd/tool

FROM python:3.12-slim AS final
COPY --from=BUILDER /wheels /wheels
COPY --from=2 /out/tool /usr/local/bin/tool
"""


def test_stages_names_refs_and_final_image():
    df = parse(MULTISTAGE)
    builder, tester, tools, final = df.stages
    assert [s.name for s in df.stages] == ["Builder", "tester", "tools", "final"]
    assert df.final_stage is final and final.is_final and not builder.is_final
    assert tester.base_stage is builder and tester.lineage() == [tester, builder]
    assert df.stage_named("BUILDER") is builder and df.stage_named("2") is tools and df.stage_named("9") is None
    copy_wheels, copy_tool = final.instructions
    assert copy_wheels.from_stage is builder and copy_tool.from_stage is tools
    # builder and tools reach the final image through COPY --from; tester does not
    assert (builder.in_final_image, tester.in_final_image, tools.in_final_image, final.in_final_image) == (True, False, True, True)
    assert builder.label == "stage 'Builder'"
    assert all(i.stage is st for st in df.stages for i in st.instructions)


def test_from_stage_chain_reaches_final():
    df = parse("FROM alpine AS base\nFROM base AS mid\nFROM mid\nRUN true\n")
    base, mid, last = df.stages
    assert last.base_stage is mid and mid.base_stage is base
    assert last.lineage() == [last, mid, base]
    assert base.in_final_image and mid.in_final_image
    assert last.label == "stage 2"


def test_from_refers_to_stages_by_name_only():
    # BuildKit resolves FROM against stage names; "FROM 0" is an image called 0.
    df = parse("FROM alpine\nFROM 0\n")
    assert df.stages[1].base_stage is None and df.stages[1].base == "0"
    assert not df.stages[0].in_final_image


def test_copy_from_later_stage_or_unknown_name_is_an_image():
    df = parse("FROM alpine AS a\nCOPY --from=b /x /x\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\nFROM alpine AS b\n")
    first, second = df.stages[0].instructions
    assert first.from_stage is None and first.from_image == "b"
    assert second.from_image == "nginx:1.27"


def test_platform_flag_expanded_with_automatic_args():
    df = parse("FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine:${TARGETARCH:-x}\n")
    assert df.stages[0].platform == "linux/amd64"
    assert df.stages[1].base == "alpine:amd64" and df.stages[1].base_raw == "alpine:${TARGETARCH:-x}"


# --- ARG / ENV ----------------------------------------------------------------------------


def test_global_arg_in_from_and_build_arg_override():
    text = """
    ARG PY=3.11
    ARG BASE=python:${PY}-slim
    FROM ${BASE}
    ARG PY
    RUN true
    """
    df = parse(text)
    assert df.stages[0].base == "python:3.11-slim"
    assert df.global_args == {"PY": "3.11", "BASE": "python:3.11-slim"}
    assert df.instructions[-1].argvars == {"PY": "3.11"}  # redeclared: inherits the global default
    df = parse(text, build_args={"PY": "3.13"})
    assert df.stages[0].base == "python:3.13-slim"
    assert df.instructions[-1].variables["PY"] == "3.13"


def test_global_args_are_not_visible_in_a_stage_without_redeclaration():
    df = parse("ARG VERSION=1\nFROM alpine\nRUN echo $VERSION\nARG TARGETARCH\nRUN true\n")
    first, _arg, second = df.stages[0].instructions
    assert "VERSION" not in first.variables
    assert second.variables["TARGETARCH"] == "amd64"  # automatic platform ARG, once declared


def test_arg_without_default_and_build_arg():
    df = parse("FROM alpine\nARG TOKEN\nARG MODE=dev\nRUN true\n", build_args={"MODE": "prod"})
    run = df.instructions[-1]
    assert run.argvars == {"TOKEN": None, "MODE": "prod"}
    assert run.variables == {"MODE": "prod"}
    # ARG A B declares two names (no legacy form for ARG)
    assert parse("FROM alpine\nARG A B\nRUN true\n").instructions[-1].argvars == {"A": None, "B": None}


def test_env_forms_quotes_and_substitutions():
    df = parse(
        """
        FROM scratch
        ENV A=1
        ENV B="two words" C='$A' D=\\$A E=${A:-x} F=${NOPE:-dflt} G=${A:+alt} H=${NOPE:+alt} I=$A-${A}
        ENV LEGACY some value here
        ENV Q "quoted legacy"
        RUN true
        """
    )
    env = df.instructions[-1].env
    assert env == {
        "A": "1",
        "B": "two words",
        "C": "$A",  # single quotes: literal
        "D": "$A",  # escaped dollar
        "E": "1",
        "F": "dflt",
        "G": "alt",
        "H": "",
        "I": "1-1",
        "LEGACY": "some value here",
        "Q": "quoted legacy",
    }
    # On an image, $NOPE may come from the base: those values are unknown and stay as written.
    df = parse("FROM alpine\nENV F=${NOPE:-dflt} H=${NOPE:+alt} A=1 P=/opt/bin:$PATH\nRUN true\n")
    run = df.instructions[-1]
    assert run.env == {"F": "${NOPE:-dflt}", "H": "${NOPE:+alt}", "A": "1", "P": "/opt/bin:$PATH"}
    assert run.unknown_env == {"F", "H", "P"} and dict(run.variables) == {"A": "1"}


def test_env_values_in_one_instruction_see_the_previous_environment():
    # Docker docs: ENV abc=bye def=$abc gives def the *old* abc.
    df = parse("FROM alpine\nENV abc=hello\nENV abc=bye def=$abc\nRUN true\n")
    assert df.instructions[-1].env == {"abc": "bye", "def": "hello"}


def test_env_overrides_arg_and_is_inherited_through_from_stage():
    df = parse(
        """
        FROM alpine AS base
        ARG MODE=arg
        ENV MODE=env PATH=/opt/bin:/usr/bin
        FROM base AS app
        RUN true
        """
    )
    base_last = df.stages[0].instructions[-1]
    assert base_last.variables["MODE"] == "arg"  # before the ENV runs
    run = df.stages[1].instructions[0]
    assert run.env == {"MODE": "env", "PATH": "/opt/bin:/usr/bin"}
    assert run.argvars == {} and run.variables["MODE"] == "env"


def test_expand_variables_and_process_word():
    scope = {"A": "1", "EMPTY": ""}
    missing: list[str] = []
    assert expand_variables("$A ${A} ${EMPTY:-d} ${EMPTY-d} ${A:+x} ${NOPE} \\$A", scope, missing) == "1 1 d  x  $A"
    assert missing == ["NOPE"]
    assert process_word("'$A' \"$A\" \\$A ${A}b", scope) == "$A 1 $A 1b"
    assert process_words('a "b c" $A\'d\'', scope) == ["a", "b c", "1d"]
    assert process_word("${V#*/}-${V##*/}-${V%/*}-${V%%/*}", {"V": "a/b/c"}) == "b/c-c-a/b-a"
    # BuildKit's patterns know * and ? only: [ac] is literal (convertShellPatternToRegex escapes brackets)
    assert process_word("${V/b/X}|${V//[ac]/_}|${V/nomatch/X}", {"V": "a/b/c"}) == "a/X/c|a/b/c|a/b/c"
    assert process_word("${V//?/_}|${V//[ac]/_}", {"V": "a/b", "W": ""}) == "___|a/b"
    with pytest.raises(ValueError):
        process_word("'open", scope)


# --- WORKDIR, USER, SHELL -------------------------------------------------------------


def test_workdir_chaining_user_shell_and_inheritance():
    df = parse(
        """
        FROM alpine AS base
        ENV APP=/srv
        WORKDIR $APP
        WORKDIR app
        WORKDIR ../lib/
        USER 1000:1000
        SHELL ["/bin/bash", "-o", "pipefail", "-c"]
        RUN true
        FROM base
        RUN true
        FROM alpine
        RUN true
        """
    )
    run = df.stages[0].instructions[-1]
    assert (run.workdir, run.user, run.shell) == ("/srv/lib", "1000:1000", ("/bin/bash", "-o", "pipefail", "-c"))
    assert run.shell_dialect == "bash"
    workdirs = [i.workdir for i in df.stages[0].instructions]
    assert workdirs == ["/", "/", "/srv", "/srv/app", "/srv/lib", "/srv/lib", "/srv/lib"]
    child = df.stages[1].instructions[0]
    assert (child.workdir, child.user, child.shell_dialect) == ("/srv/lib", "1000:1000", "bash")
    fresh = df.stages[2].instructions[0]
    assert (fresh.workdir, fresh.user, fresh.shell, fresh.shell_dialect) == ("/", None, ("/bin/sh", "-c"), "busybox")


def test_shell_pragma_sets_dialect_for_next_instruction():
    df = parse("FROM debian:12\n# imagepolicy shell=bash\n\nRUN [[ -f x ]]\nRUN true\n")
    first, second = df.instructions[1:]
    assert first.shell_pragma == "bash" and first.shell_dialect == "bash"
    assert second.shell_pragma is None and second.shell_dialect == "sh"


def test_powershell_has_no_dialect():
    df = parse('FROM mcr.microsoft.com/powershell\nSHELL ["pwsh", "-Command"]\nRUN Write-Host hi\n')
    assert df.instructions[-1].shell_dialect is None


# --- flags and mounts ---------------------------------------------------------------------


def test_run_flags_and_mounts():
    df = parse(
        """
        FROM python:3.12
        RUN --mount=type=cache,target=/root/.cache,sharing=locked \\
            --mount=type=secret,id=npmrc,dst=/root/.npmrc \\
            --mount=type=bind,source=requirements.txt,target=/tmp/req.txt \\
            --network=none pip install -r /tmp/req.txt
        """
    )
    run = df.instructions[1]
    assert run.flag("network") == "none" and run.flag("security") is None
    assert run.args == "pip install -r /tmp/req.txt"
    assert [(m.type, m.target) for m in run.mounts] == [
        ("cache", "/root/.cache"),
        ("secret", "/root/.npmrc"),
        ("bind", "/tmp/req.txt"),
    ]
    assert run.mounts[0].options["sharing"] == "locked"
    # flags on continuation lines are blanked out of the script
    assert "--" not in run.script and run.script_line == 2
    assert script_lines(run)[5].strip() == "pip install -r /tmp/req.txt"
    assert shell_ok(run.script)


def test_copy_flags():
    df = parse(
        """
        FROM alpine AS builder
        FROM alpine
        COPY --from=builder --chown=1000:1000 --chmod=755 --link /app /app
        ADD --checksum=sha256:abc https://example.com/x.tar.gz /tmp/
        """
    )
    copy, add = df.stages[1].instructions
    assert copy.flag("from") == "builder" and copy.flag("chown") == "1000:1000"
    assert copy.flag("chmod") == "755" and copy.flag("link") == "" and copy.flag_values("link") == [""]
    assert copy.from_stage is df.stages[0] and copy.sources == ["/app"] and copy.dest == "/app"
    assert add.sources == ["https://example.com/x.tar.gz"] and add.dest == "/tmp" and add.dest_is_dir


def test_exec_and_shell_forms():
    df = parse('FROM alpine\nCMD ["python", "-m", "app"]\nENTRYPOINT exec app\nRUN ["echo", "hi"]\nCMD [broken\n')
    cmd, entry, run, broken = df.instructions[1:]
    assert cmd.is_exec_form and cmd.json_args == ["python", "-m", "app"] and cmd.words() == ["python", "-m", "app"]
    assert not entry.is_exec_form and entry.words() == ["exec", "app"]
    assert run.is_exec_form and run.script is None
    assert not broken.is_exec_form


# --- pragmas ----------------------------------------------------------------------------


def test_ignore_pragmas_attach_to_next_instruction_across_blank_and_comment_lines():
    df = parse(
        """
        # hadolint global ignore=DL3059
        FROM debian:12
        # hadolint ignore=DL3008,DL3015

        # why: pinned elsewhere
        RUN apt-get install -y curl
        # imagepolicy ignore=PY001 PY002
        RUN pip install .
        RUN true
        """
    )
    apt, pip, last = df.instructions[1:]
    assert apt.ignores == {"DL3008", "DL3015"}
    assert pip.ignores == {"PY001", "PY002"}
    assert last.ignores == frozenset()
    assert df.global_ignores == {"DL3059"}
    tools = {(p.tool, p.scope) for p in df.pragmas}
    assert tools == {("hadolint", "global"), ("hadolint", "next"), ("imagepolicy", "next")}


# --- scripts: the ShellCheck line invariant -------------------------------------------


def test_script_line_invariant_for_shell_form_with_comments_and_blank_lines():
    df = parse(
        """
        FROM alpine
        RUN set -eux; \\
            # install
            apk add --no-cache curl; \\

            curl --version
        """
    )
    run = df.instructions[1]
    assert run.script_line == 2
    lines = script_lines(run)
    assert lines[2].strip() == "set -eux; \\"
    assert lines[3] == "\\" and lines[5] == "\\"
    assert lines[4].strip() == "apk add --no-cache curl; \\" and lines[6].strip() == "curl --version"
    assert shell_ok(run.script)
    assert_script_maps(df, run)


def test_onbuild_run_has_a_script():
    df = parse("FROM alpine\nONBUILD RUN --network=none make \\\n    install\nONBUILD COPY . /src\n")
    onbuild = df.instructions[1]
    inner = onbuild.onbuild
    assert inner.keyword == "RUN" and inner.flag("network") == "none"
    assert inner.script_line == 2 and "ONBUILD" not in inner.script and "--network" not in inner.script
    assert script_lines(inner)[3].strip() == "install"
    assert [i.line for i in iter_run_instructions(df)] == [2]
    assert df.instructions[2].onbuild.keyword == "COPY"


def test_onbuild_run_heredoc():
    df = parse("FROM alpine\nONBUILD RUN <<EOF\necho hi\nEOF\nUSER app\n")
    inner = df.instructions[1].onbuild
    assert inner.script == "echo hi\n" and inner.script_line == 3
    assert spans(df)[-1] == ("USER", 5, 5)


def test_exec_form_run_has_no_script():
    df = parse('FROM alpine\nRUN ["/bin/sh", "-c", "echo hi"]\n')
    assert df.instructions[1].script is None


# --- COPY / ADD and the file timeline ------------------------------------------------


@pytest.fixture
def project(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname='acme'\n",
            "README.md": "# acme\n",
            "src/acme/__init__.py": "",
            "src/acme/cli.py": "",
            "docs/guide.md": "",
            "node_modules/left-pad/index.js": "",
            "a.txt": "",
            "b.txt": "",
            ".dockerignore": "node_modules\n**/*.md\n!README.md\n",
        },
    )
    return tmp_path


def test_copy_sources_and_destinations(project):
    df = parse(
        """
        FROM python:3.12
        WORKDIR /app
        COPY pyproject.toml README.md ./
        COPY src/ ./src/
        COPY a.txt renamed.txt
        COPY a.txt ../
        COPY *.txt /texts
        COPY ["a.txt", "/json dest/"]
        """,
        project,
    )
    c1, c2, c3, c4, c5, c6 = df.stages[0].instructions[1:]
    assert (c1.sources, c1.dest, c1.dest_is_dir) == (["pyproject.toml", "README.md"], "/app", True)
    assert (c2.sources, c2.dest, c2.dest_is_dir) == (["src/"], "/app/src", True)
    assert (c3.dest, c3.dest_is_dir) == ("/app/renamed.txt", False)
    assert (c4.dest, c4.dest_is_dir) == ("/", True)
    assert c5.sources == ["*.txt"] and c5.dest == "/texts"
    assert (c6.sources, c6.dest, c6.dest_is_dir) == (["a.txt"], "/json dest", True)


def test_provider_before_and_after_a_run(project):
    df = parse(
        """
        FROM python:3.12
        WORKDIR /app
        COPY pyproject.toml README.md ./
        RUN pip install .
        COPY src/ ./src/
        """,
        project,
    )
    run = df.instructions[3]
    toml = df.provider(run, "/app/pyproject.toml")
    assert toml is not None and toml.instruction.line == 3 and toml.source == "pyproject.toml" and toml.known
    assert df.provider(run, "/app/src/acme/__init__.py") is None
    later = df.later_providers(run, "/app/src/acme/__init__.py")
    assert [(p.instruction.line, p.source) for p in later] == [(5, "src/acme/__init__.py")]
    assert [p.source for p in df.later_providers(run, "/app/src")] == ["src"]
    assert df.later_providers(run, "/app/src/acme/missing.py") == []
    # a folder above a destination exists once the COPY ran
    assert df.provider(run, "/app").instruction.line == 3


def test_whole_context_copy_respects_dockerignore(project):
    df = parse("FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN true\n", project)
    run = df.instructions[-1]
    assert df.provider(run, "/app/src/acme/cli.py").source == "src/acme/cli.py"
    assert df.provider(run, "/app/README.md").source == "README.md"  # re-included by !README.md
    assert df.provider(run, "/app/docs/guide.md") is None  # **/*.md
    assert df.provider(run, "/app/node_modules/left-pad/index.js") is None  # node_modules


def test_file_copies_into_dir_renamed_and_globbed(project):
    df = parse(
        """
        FROM alpine
        COPY a.txt /dir/
        COPY a.txt /renamed
        COPY *.txt /globbed/
        RUN true
        """,
        project,
    )
    run = df.instructions[-1]
    assert df.provider(run, "/dir/a.txt").source == "a.txt"
    assert df.provider(run, "/renamed").source == "a.txt"
    assert df.provider(run, "/globbed/b.txt").instruction.line == 4
    assert df.provider(run, "/dir/b.txt") is None


def test_copy_from_stage_and_through_from_stage(project):
    df = parse(
        """
        FROM python:3.12 AS builder
        WORKDIR /app
        COPY src/ ./src/
        FROM builder AS final
        COPY --from=builder /app/src /opt/src
        COPY --from=alpine /etc/os-release /etc/os-release-alpine
        RUN true
        """,
        project,
    )
    run = df.instructions[-1]
    inherited = df.provider(run, "/app/src/acme/__init__.py")  # from the parent stage via FROM builder
    assert inherited.instruction.line == 3 and inherited.source == "src/acme/__init__.py"
    copied = df.provider(run, "/opt/src/acme/cli.py")
    assert copied.instruction.line == 5 and copied.source == "/app/src/acme/cli.py" and copied.known
    assert df.provider(run, "/opt/src/acme/nope.py") is None
    external = df.provider(run, "/etc/os-release-alpine")
    assert external.instruction.line == 6 and external.known is False


def test_relative_stage_source_is_from_the_stage_root(project):
    df = parse("FROM alpine AS b\nWORKDIR /w\nCOPY a.txt /out/a.txt\nFROM alpine\nCOPY --from=b out/a.txt /a\nRUN true\n", project)
    provider = df.provider(df.instructions[-1], "/a")
    assert provider.source == "/out/a.txt"


def test_ignored_and_missing_sources_are_not_provided(project):
    df = parse("FROM alpine\nCOPY docs/ /docs/\nCOPY node_modules /nm\nRUN true\n", project)
    run = df.instructions[-1]
    assert df.provider(run, "/docs/guide.md") is None
    assert df.provider(run, "/nm/left-pad/index.js") is None


def test_remote_add_is_unknown(project):
    df = parse("FROM alpine\nADD https://example.com/tool.tgz /opt/\nRUN true\n", project)
    provider = df.provider(df.instructions[-1], "/opt/tool.tgz")
    assert provider is not None and provider.known is False


def test_copy_args_are_expanded(project):
    df = parse("FROM alpine\nARG SRC=src\nENV DEST=/app\nCOPY ${SRC}/ $DEST/src/\nRUN true\n", project)
    copy = df.instructions[3]
    assert copy.sources == ["src/"] and copy.dest == "/app/src"
    assert df.provider(df.instructions[-1], "/app/src/acme/cli.py").source == "src/acme/cli.py"


def test_specific_dockerignore_takes_precedence(tmp_path):
    write(tmp_path, {"Dockerfile.dev": "FROM alpine\nCOPY . /app\nRUN true\n", "Dockerfile.dev.dockerignore": "secret.txt\n", ".dockerignore": "a.txt\n", "a.txt": "", "secret.txt": ""})
    df = parse_dockerfile(tmp_path / "Dockerfile.dev")
    run = df.instructions[-1]
    assert df.provider(run, "/app/a.txt") is not None
    assert df.provider(run, "/app/secret.txt") is None
    assert df.context.ignored_by("secret.txt").text == "secret.txt"


def test_no_context_means_nothing_is_known_to_exist():
    df = parse("FROM alpine\nCOPY src/ /app/src/\nRUN true\n", "/nonexistent/context")
    assert not df.context.available
    assert df.provider(df.instructions[-1], "/app/src/x.py") is None
    assert df.provider(df.instructions[-1], "/app/src").instruction.line == 2


# --- differential: plain files agree with dockerfile-parse -------------------------


PLAIN = """
FROM python:3.12-slim AS base
LABEL maintainer="a@b.c" \\
      version="1"
ENV PYTHONDONTWRITEBYTECODE=1 \\
    PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt && \\
    rm -rf /root/.cache
# a comment
EXPOSE 8000
HEALTHCHECK --interval=30s CMD curl -f http://localhost:8000/ || exit 1
CMD ["gunicorn", "app:app"]
"""


def test_spans_and_values_match_dockerfile_parse_on_plain_files():
    from dockerfile_parse import DockerfileParser

    text = textwrap.dedent(PLAIN).lstrip("\n")
    theirs = [
        (e["instruction"], e["startline"] + 1, e["endline"] + 1, e["value"])
        for e in DockerfileParser(fileobj=io.BytesIO(text.encode()), env_replace=False).structure
        if e["instruction"] != "COMMENT"
    ]
    ours = [(i.keyword, i.line, i.end_line, i.value) for i in parse_dockerfile(text=text).instructions]
    assert ours == theirs


# --- a long multi-stage file ------------------------------------------------------------
# (how fast it parses is measured by benchmarks/, not asserted here: a timed test measures the
# machine's other jobs as much as the parser)


def test_parses_a_300_line_dockerfile_with_30_chained_stages(tmp_path):
    blocks = []
    for n in range(30):
        blocks.append(
            f"FROM python:3.12 AS s{n}\nARG V{n}=1\nENV A{n}=$V{n}\nWORKDIR /app{n}\nCOPY src/ ./src/\n"
            f"RUN apt-get update && \\\n    apt-get install -y curl && \\\n    rm -rf /var/lib/apt/lists/*\n"
            f"COPY --from=s{max(n - 1, 0)} /app /app\nUSER 1000\n"
        )
    text = "".join(blocks)
    write(tmp_path, {f"src/m{n}.py": "" for n in range(50)})
    assert text.count("\n") == 300
    df = parse_dockerfile(text=text, context_dir=tmp_path)
    assert len(df.stages) == 30 and len(df.instructions) == 240
    assert [stage.name for stage in df.stages] == [f"s{n}" for n in range(30)]
    assert df.stages[-1].instructions[-1].keyword == "USER"


# --- shell dialect of Alpine/BusyBox stages -------------------------------------------------


def test_alpine_stages_default_shell_is_busybox(tmp_path):
    df = parse_dockerfile(text="FROM alpine:3.20 AS a\nRUN echo\nFROM a\nRUN echo\nFROM debian:12\nRUN echo\nFROM alpine\nSHELL [\"/bin/ash\", \"-c\"]\nRUN echo\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo\n", context_dir=tmp_path)
    runs = [i for i in df.instructions if i.keyword == "RUN"]
    assert [r.shell_dialect for r in runs] == ["busybox", "busybox", "sh", "busybox", "bash"]
