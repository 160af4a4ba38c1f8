"""Differential test against BuildKit's own Dockerfile parser (PyPI ``dockerfile``, which wraps its Go code).

Over every real Dockerfile in ``../shared/real-dockerfiles/files`` (third-party
data, read from there) and over cases written here after BuildKit's parser test
files (``frontend/dockerfile/parser/testfiles``): imagepolicy refuses none of
what BuildKit accepts, and its instruction list agrees with BuildKit's
(keywords, line spans, flags, values, heredocs).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from imagepolicy.dockerfile import parse_dockerfile, raw_words
from imagepolicy.dockerfile.lexer import split_blanks

buildkit = pytest.importorskip("dockerfile", reason="the PyPI package 'dockerfile' (BuildKit's parser) is a test extra")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = next((c for c in (ROOT.parent / "shared" / "real-dockerfiles" / "files", Path("/work/shared/real-dockerfiles/files")) if c.is_dir()),
              ROOT.parent / "shared" / "real-dockerfiles" / "files")


def buildkit_view(text: str) -> list[tuple]:
    out = []
    for c in buildkit.parse_string(text):
        heredocs = tuple((h.name, h.content.replace("\r\n", "\n")) for h in c.heredocs)
        out.append((c.cmd.upper(), c.sub_cmd.upper() if c.sub_cmd else None, c.start_line, c.end_line,
                    tuple(f.lower() if "=" not in f else f.split("=", 1)[0].lower() + "=" + f.split("=", 1)[1] for f in c.flags),
                    tuple(c.value), c.json, heredocs))
    return out


def _values(instr) -> tuple[str, ...]:
    """The instruction's arguments as BuildKit's line parsers leave them (quotes kept)."""
    kw, args = instr.keyword, instr.args
    if instr.json_args is not None and kw != "HEALTHCHECK":
        return tuple(instr.json_args)
    if kw in ("FROM", "EXPOSE", "COPY", "ADD", "VOLUME"):
        return tuple(split_blanks(args))
    if kw in ("ENV", "LABEL"):
        from imagepolicy.dockerfile import raw_assignments

        pairs, _ = raw_assignments(instr, instr.escape)
        return tuple(x for pair in pairs for x in (pair[0], pair[1] or ""))
    if kw == "ARG":
        return tuple(raw_words(args, instr.escape))
    if kw == "HEALTHCHECK":
        parts = args.split(None, 1)
        if not parts:
            return ()
        rest = parts[1] if len(parts) > 1 else ""
        try:
            cmd = json.loads(rest) if rest.lstrip().startswith("[") else None
        except ValueError:
            cmd = None
        if isinstance(cmd, list):
            return (parts[0], *cmd)
        return (parts[0], rest) if rest else (parts[0],)
    return (args,) if args else ()


def our_view(text: str) -> list[tuple]:
    df = parse_dockerfile(text=text, context_dir="/nonexistent")
    out = []
    for instr in df.instructions:
        target = instr.onbuild if instr.onbuild is not None else instr
        flags = tuple(f"--{name}" + (f"={value}" if value is not None else "") for name, value in target.flags)
        heredocs = tuple((h.name, h.body) for h in instr.heredocs) if instr.onbuild is None else ()
        is_json = target.json_args is not None
        out.append((instr.keyword, instr.onbuild.keyword if instr.onbuild is not None else None, instr.line, instr.end_line,
                    flags, _values(target), is_json, heredocs))
    return out


def comparable(view: list[tuple]) -> list[tuple]:
    # BuildKit chomps <<- bodies at dispatch, imagepolicy at parse; HEALTHCHECK NONE/CMD json flag only
    # concerns the command part; ONBUILD heredocs are not exported by the wrapper.
    return [(kw, sub, start, end, flags, values, heredocs if sub is None else ()) for kw, sub, start, end, flags, values, _json, heredocs in view]


def assert_agrees(text: str, name: str) -> None:
    df = parse_dockerfile(text=text, context_dir="/nonexistent")
    chomped = {h.name for i in df.instructions for h in i.heredocs if h.strip_tabs}
    expected = [
        (*row[:6], tuple((name, re.sub(r"(?m)^\t+", "", body) if name in chomped else body) for name, body in row[6]))
        for row in comparable(buildkit_view(text))
    ]
    got = comparable(our_view(text))
    for mine, theirs in zip(got, expected):
        assert mine == theirs, f"{name}: imagepolicy {mine} != BuildKit {theirs}"
    assert len(got) == len(expected), name


def corpus_files() -> list[Path]:
    return sorted(CORPUS.iterdir()) if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the real-Dockerfile corpus is not at {CORPUS}")
def test_every_real_dockerfile_buildkit_parses_is_read_the_same():
    refused, differ = [], []
    for path in corpus_files():
        text = path.read_bytes().decode("utf-8", errors="replace")
        try:
            buildkit.parse_string(text)
        except buildkit.GoParseError:
            continue
        try:
            assert_agrees(text, path.name)
        except AssertionError as exc:
            differ.append(str(exc)[:400])
        except Exception as exc:  # noqa: BLE001 - InputError is the failure this test looks for
            refused.append(f"{path.name}: {exc}")
    assert refused == []
    assert differ == []


# Cases written after BuildKit's parser test files: continuation quirks, escape directives,
# comments inside continuations, flags, JSON forms, heredocs, legacy ENV/LABEL, CR handling.
CASES = {
    "continue-at-eof": "FROM alpine:3.5\n\nRUN something \\",
    "continue-indent": "FROM alpine\nRUN echo hello\\\n    world\\\n    goodbye\\\n  world\nRUN echo 'a\\\n  b'\n",
    "comment-in-continuation": "FROM a\nRUN echo one \\\n# a comment\n  two \\\n\n   three\n",
    "escape-directive": "# escape=`\nFROM windows\nRUN dir c:\\ `\n  && echo done\nCOPY . c:\\app\n",
    "escape-after-comment": "# comment\n# escape=`\nFROM a\nRUN echo \\\nRUN b\n",
    "escaped-escape-token": "FROM a\nRUN echo foo \\\\\nRUN echo bar\n",
    "flags": "FROM a\nRUN --mount=type=cache,target=/root/.cache --network=none pip install x\n"
             "COPY --from=builder --chown=1:1 /a /b\nADD --checksum=sha256:abc http://x/y /z\n"
             "RUN --mount=type=secret,id=\"my id\" cat /run/secrets/x\nRUN -- --not-a-flag\n",
    "json": 'FROM a\nCMD ["a", "b c"]\nENTRYPOINT []\nRUN ["x"]\nSHELL ["/bin/sh", "-c"]\nVOLUME ["/v"]\nCMD [ "broken"\n',
    "health": "FROM a\nHEALTHCHECK --interval=5s --timeout=3s CMD curl -f http://x/ || exit 1\nHEALTHCHECK NONE\n"
              'HEALTHCHECK CMD ["a", "b"]\n',
    "env-label-forms": 'FROM a\nENV A=1 B="two words" C=\'$A\'\nENV LEGACY some value\nENV PATH\t/usr/local/go/bin:$PATH\n'
                       'LABEL a\tb\nLABEL "key with space"="v" k2=v2\nARG X Y=1 Z="2 3"\n',
    "lone-cr": "FROM a\nRUN echo a\rb && echo c\nRUN x\r\nRUN y\r\r\n",
    "heredocs": "FROM a\nRUN <<EOF\necho hi\nEOF\nCOPY <<\"A\" <<B /dest/\none\nA\ntwo\nB\n"
                "RUN <<-EOT bash\n\techo tab\n\tEOT\nRUN cat <<'X' > /f && echo \"<<notheredoc\"\nX\n"
                "RUN echo $((1<<2)) '<<EOF'\nONBUILD RUN <<EOF\nhi\nEOF\n",
    "stages-and-case": "from alpine AS Build\nrun echo x\nFrom build\nCopy --From=build /a /b\n",
    "whitespace": "  FROM a  \n\t RUN   echo   x   \nEXPOSE 80   443/udp\n\n\n# c\nUSER  app \nWORKDIR   /a b\n",
    "latin1-comment": "FROM a\n# caf\ufffd\nRUN echo \ufffd\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_cases_after_buildkits_parser_testfiles(name):
    assert_agrees(CASES[name], name)


def test_what_buildkits_parser_refuses_is_refused():
    from imagepolicy.model import InputError

    for text in ("FROM a\nRUN <<EOF\nnever closed\n", "# escape=x\nFROM a\n", "# escape=\\\n# escape=`\nFROM a\n"):
        with pytest.raises(buildkit.GoParseError):
            buildkit.parse_string(text)
        with pytest.raises(InputError):
            parse_dockerfile(text=text, context_dir="/nonexistent")
