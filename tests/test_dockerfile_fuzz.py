"""Fuzzing the Dockerfile parser and lexer with Hypothesis (bounded, deterministic, runs in CI).

1. Any text: parsing ends with a model or an InputError, never another exception
   (no RecursionError, no IndexError, no hang), and the lexer alone raises only
   ValueError (a BuildKit syntax error) or a limit.
2. Texts BuildKit's own parser accepts, made only of instructions whose
   arguments BuildKit's later stages accept too (the generator below), are never
   an InputError.
"""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is a test extra")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from imagepolicy.dockerfile import parse_dockerfile  # noqa: E402
from imagepolicy.dockerfile.lexer import lex  # noqa: E402
from imagepolicy.model import InputError  # noqa: E402

FUZZ = settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# Characters that matter to the splitter and the lexer (NUL excluded: a file with one is "not a text file").
TRICKY = "ab$ {}:-+?#%/'\"\\`\t\r\n=<*[]().,;|&!@0123456789\x0b\x0c\x85\xa0\u2028é"
KEYWORDS = ["FROM", "RUN", "CMD", "ENTRYPOINT", "ENV", "ARG", "LABEL", "COPY", "ADD", "WORKDIR", "USER", "EXPOSE",
            "VOLUME", "SHELL", "HEALTHCHECK", "ONBUILD", "STOPSIGNAL", "MAINTAINER", "# escape=`", "# syntax=x", "#"]


@given(st.text(alphabet=TRICKY, max_size=60), st.sampled_from(["\\", "`"]))
@FUZZ
def test_the_lexer_raises_only_syntax_errors(word, escape):
    scope = {"a": "x/y.z", "b": "", "c": None}
    for mode in ({}, {"raw_quotes": True, "raw_escapes": True}, {"keep_unset": True}, {"keep_unknown": True, "open_scope": True},
                 {"quotes": False, "escape": ""}):
        kwargs = {"escape": escape, **mode}
        try:
            result = lex(word, scope, **kwargs)
        except (ValueError, InputError):
            continue
        assert isinstance(result.text, str) and all(result.words)


@given(st.lists(st.tuples(st.sampled_from(KEYWORDS), st.text(alphabet=TRICKY, max_size=30)), max_size=12))
@FUZZ
def test_any_text_is_a_model_or_an_input_error(lines):
    text = "\n".join(f"{kw} {rest}" for kw, rest in lines)
    try:
        parse_dockerfile(text=text, context_dir="/nonexistent")
    except InputError:
        pass


# --- inputs BuildKit accepts ---------------------------------------------------------------

plain = st.text(alphabet="abcxyz019._/-", min_size=1, max_size=8)
blank = st.sampled_from([" ", "  ", "\t", " \t "])
free = st.text(alphabet="abc $;|&<>'\"\\`{}()#=\r\t-", max_size=20).map(lambda s: s.replace("\\\n", ""))
variable = st.sampled_from(["$A", "${A}", "${B:-d}", "${A%.*}", "${A//a/b}", "${HOME}", "$GOPATH", "${NOPE:+x}"])
word = st.one_of(plain, variable, st.builds(lambda a, b: a + b, plain, variable), plain.map(lambda s: f'"{s} {s}"'))


@st.composite
def instruction(draw):
    kind = draw(st.sampled_from(["RUN", "CMD", "ENV", "ENVL", "LABEL", "ARG", "COPY", "WORKDIR", "USER", "EXPOSE", "HEREDOC", "CONT"]))
    sp = draw(blank)
    if kind in ("RUN", "CMD"):
        return f"{kind}{sp}{draw(free)}x"
    if kind == "ENV":
        return "ENV" + sp + " ".join(f"{draw(plain).replace('.', '_').replace('/', '_').replace('-', '_')}={draw(word)}" for _ in range(draw(st.integers(1, 3))))
    if kind == "ENVL":
        return f"ENV{sp}K{draw(plain).replace('.', '').replace('/', '').replace('-', '')}{draw(blank)}{draw(word)} {draw(word)}"
    if kind == "LABEL":
        return f"LABEL{sp}{draw(plain)}={draw(word)}"
    if kind == "ARG":
        return f"ARG{sp}A{draw(st.sampled_from(['', '=1', '=${B:-x}']))}"
    if kind == "COPY":
        return f"COPY{sp}{draw(st.sampled_from(['', '--chown=1:1 ', '--from=base ']))}{draw(plain)} /{draw(plain)}"
    if kind in ("WORKDIR", "USER"):
        return f"{kind}{sp}{draw(word)}"
    if kind == "EXPOSE":
        return f"EXPOSE{sp}{draw(st.integers(1, 65535))}{draw(st.sampled_from(['', '/tcp', '/udp']))}"
    if kind == "HEREDOC":
        name = draw(st.sampled_from(["EOF", "'EOT'", '"X"']))
        bare = name.strip("'\"")
        return f"RUN{sp}<<{name} sh\n{draw(free)}\n{bare}"
    return f"RUN echo a \\\n{draw(st.sampled_from(['', '# c', '   ']))}\n  b{draw(free)}x"


@given(st.lists(instruction(), max_size=10), st.sampled_from(["\n", "\r\n"]))
@FUZZ
def test_what_buildkit_accepts_is_never_refused(body, newline):
    buildkit = pytest.importorskip("dockerfile", reason="the PyPI package 'dockerfile' (BuildKit's parser) is a test extra")
    text = newline.join(["ARG B=base", "FROM debian:12 AS base", *body]) + newline
    try:
        buildkit.parse_string(text)
    except buildkit.GoParseError:
        return
    parse_dockerfile(text=text, context_dir="/nonexistent")
