"""Dockerfile text into the model: line splitting, parser directives, heredocs, instructions, and the build semantics on top."""

from __future__ import annotations

import functools
import json
import os
import posixpath
import re
from dataclasses import field
from pathlib import Path

from .. import limits
from ..buildcontext import BuildContext
from ..model import InputError
from .lexer import GO_SPACE, Expansion, ExpansionBudget, lex, raw_assignments, raw_words, split_blanks, split_flags
from .model import AUTOMATIC_ARGS, DEFAULT_SHELL, KNOWN_INSTRUCTIONS, Dockerfile, Heredoc, Instruction, Pragma, Stage
from .timeline import _norm_abs
from ..records import record

_EXACTLY_ONE_ARGUMENT = ("USER", "STOPSIGNAL", "MAINTAINER")
_AT_LEAST_ONE_ARGUMENT = ("LABEL", "EXPOSE", "VOLUME", "HEALTHCHECK")
_ARGUMENT_EXAMPLES = {
    "USER": "USER 10001",
    "STOPSIGNAL": "STOPSIGNAL SIGTERM",
    "MAINTAINER": "MAINTAINER you@example.com",
    "LABEL": "LABEL org.opencontainers.image.source=https://example.com/repo",
    "EXPOSE": "EXPOSE 8080",
    "VOLUME": "VOLUME /data",
    "HEALTHCHECK": "HEALTHCHECK CMD curl -f http://localhost/ || exit 1",
    "SHELL": 'SHELL ["/bin/bash", "-c"]',
}
# BuildKit's directive regex; Go's \s is ASCII [\t\n\f\r ] only.
_DIRECTIVE_RE = re.compile(r"^#[\t\n\f\r \v\x85\xa0]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*$")
VALID_DIRECTIVES = ("syntax", "escape", "check")
# One shell word that opens a here-document: [fd]<<[-]WORD (BuildKit's reHeredoc).
_HEREDOC_WORD_RE = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_FLAGS_PREFIX_RE = re.compile(r"\s*(?:--[A-Za-z][A-Za-z0-9-]*(?:=(?:\"[^\"]*\"|'[^']*'|\S*))?\s*)*")
_STAGE_NAME_RE = re.compile(r"^[a-z][a-z0-9-_.]*$")
_PRAGMA_RE = re.compile(r"^#\s*(imagepolicy|hadolint)\s+(global\s+)?(ignore|shell)\s*=\s*(.*?)\s*$", re.I)


def _reference_problem(base: str) -> str | None:
    """What makes the expanded FROM image ``base`` an invalid reference (an empty name part, tag or digest), or None.

    Only the emptiness BuildKit's ``invalid reference format`` most often comes
    from (an ARG that expanded to nothing) is judged, not the full grammar.
    """
    name, at, digest = base.partition("@")
    if at and not digest:
        return "an empty digest after '@'"
    slash = name.rfind("/")
    colon = name.rfind(":")
    repo, tag = (name[:colon], name[colon + 1:]) if colon > slash else (name, None)
    if not repo or repo.endswith("/") or repo.startswith("/") or "//" in repo:
        return "no image name before the tag" if tag is not None and not repo else "an empty name part"
    if tag is not None and not tag:
        return "an empty tag after ':'"
    return None


def _heredoc_words(line: str) -> list[tuple[int, bool, str, bool]]:
    """The here-documents a logical line opens: ``(fd, strip_tabs, name, expand)`` (BuildKit's heredocsFromLine).

    The line is split as BuildKit does it (backslash escapes whatever the
    escape directive, quotes and escapes kept, ``$`` references kept); only a
    whole word ``[n]<<[-]NAME`` opens one: quoted ``'<<EOF'``, ``$((1<<2))``
    and here-strings ``<<<`` do not. A quoted name (``<<"EOF"``, ``<<'EOF'``,
    ``<<E"O"F``) disables expansion of the body.
    """
    try:
        words = lex(line, {}, raw_quotes=True, raw_escapes=True, keep_unset=True).words
    except (ValueError, InputError):
        return []
    found = []
    for word in words:
        m = _HEREDOC_WORD_RE.match(word)
        if not m or not m.group(3):
            continue
        rest = m.group(3)
        try:
            plain = lex(rest, {}, keep_unset=True).words
            raw = lex(rest, {}, keep_unset=True, raw_quotes=True).words
        except (ValueError, InputError):
            continue
        if len(plain) != 1 or len(raw) != 1:
            continue
        expand = plain[0].count("'") + plain[0].count('"') == raw[0].count("'") + raw[0].count('"')
        found.append((int(m.group(1) or 0), m.group(2) == "-", plain[0], expand))
    return found


def _json_list(text: str) -> list[str] | None:
    """The exec (JSON) form's strings, or None for the shell form."""
    if not text.startswith("["):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
        return parsed
    return None


def _check_skip(value: str | None) -> frozenset[str]:
    """Check names a ``# check=skip=A,B;error=true`` directive skips (``all`` kept as is)."""
    skip: set[str] = set()
    for part in (value or "").split(";"):
        key, _, val = part.partition("=")
        if key.strip().lower() == "skip":
            skip.update(v.strip() for v in val.split(",") if v.strip())
    return frozenset(skip)


@functools.lru_cache(maxsize=4)
def _continuation_re(escape: str) -> re.Pattern:
    esc = re.escape(escape)
    return re.compile(rf"([^{esc}]){esc}[ \t]*$|^{esc}[ \t]*$")


@record
class _RawInstruction:
    """One logical instruction as the splitter found it, before any semantics."""

    keyword: str
    line: int
    end_line: int  # last line of the instruction itself (continuations included)
    value: str
    heredocs: list[Heredoc] = field(default_factory=list)
    last_line: int = 0  # last line including here-document bodies


# --- parsing ------------------------------------------------------------------------------


def parse_dockerfile(
    path: str | os.PathLike | None = None,
    *,
    text: str | None = None,
    context_dir: str | os.PathLike | None = None,
    build_args: dict[str, str] | None = None,
    display_path: str | None = None,
) -> Dockerfile:
    """Parse a Dockerfile into the model. Raises :class:`InputError` on malformed input.

    ``context_dir`` defaults to the Dockerfile's folder; ``build_args`` are
    ``--build-arg`` values that override ARG defaults.

    Bytes that are not UTF-8 (a Latin-1 comment) are read as U+FFFD, as
    hadolint does: BuildKit reads bytes, so such a file builds and is linted.
    """
    shown = display_path or (str(path) if path is not None else "Dockerfile")
    cap = limits.get("dockerfile-bytes")
    if text is None:
        if path is None:
            raise InputError("parse_dockerfile needs a path or text")
        try:
            with open(path, "rb") as handle:
                raw = handle.read(cap + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read Dockerfile: {exc.strerror or exc}") from None
        if len(raw) > cap:
            raise limits.LimitExceeded("dockerfile-bytes", shown, f"more than {cap} bytes")
        if b"\x00" in raw:
            raise InputError(f"{path}: not a text file (a NUL byte at byte {raw.index(0)}); is this a Dockerfile?")
        text = raw.decode("utf-8", errors="replace")
    elif len(text) > cap // 4 and len(text.encode("utf-8", errors="replace")) > cap:
        raise limits.LimitExceeded("dockerfile-bytes", shown, f"more than {cap} bytes")
    if context_dir is None and path is not None:
        context_dir = Path(path).resolve().parent
    dockerignore = None
    if path is not None:
        # BuildKit prefers <Dockerfile>.dockerignore next to the Dockerfile.
        specific = Path(str(path) + ".dockerignore")
        if specific.is_file():
            dockerignore = specific
    context = BuildContext(context_dir, dockerignore)
    return _Builder(shown, text.removeprefix("\ufeff"), context, dict(build_args or {})).build()


def _physical_lines(text: str) -> list[str]:
    """The file's lines as BuildKit's scanner cuts them: at LF only, trailing CRs (and LFs) trimmed.

    A lone CR inside a line stays in it. The empty text after a final newline is no line.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [line.rstrip("\r") for line in lines]
    return lines


class _Builder:
    def __init__(self, path: str, text: str, context: BuildContext, build_args: dict[str, str]):
        self.path = path
        self.lines = _physical_lines(text)
        self.text = "\n".join(self.lines) + ("\n" if self.lines and text.endswith("\n") else "")
        self.context = context
        self.build_args = build_args
        self.escape = "\\"
        self.cont_re = _continuation_re("\\")
        self.budget = ExpansionBudget(path)
        self.variables = 0

    def fail(self, line: int, message: str) -> InputError:
        return InputError(f"{self.path}:{line}: {message}")

    def build(self) -> Dockerfile:
        directives = self._directives()
        escape = directives.get("escape", "\\")
        if escape not in ("\\", "`"):
            line = next(i for i, text in enumerate(self.lines, start=1) if "escape" in text.lower())
            raise self.fail(line, f"invalid escape directive {escape!r}; use \\ or `")
        self.escape = escape
        self.cont_re = _continuation_re(escape)
        pragmas = self._pragmas()
        instructions = self._instructions(self._split())
        if not any(i.keyword == "FROM" for i in instructions):
            if not instructions:
                raise InputError(f"{self.path}: the file is empty or has only comments; a Dockerfile needs a FROM instruction")
            raise self.fail(instructions[0].line, "no FROM instruction; a Dockerfile must start with FROM (after optional ARGs)")
        self._attach_pragmas(instructions, pragmas)
        df = Dockerfile(
            path=self.path,
            text=self.text,
            instructions=instructions,
            stages=[],
            global_args={},
            directives=directives,
            pragmas=pragmas,
            context=self.context,
            build_args=self.build_args,
            check_skip=_check_skip(directives.get("check")),
        )
        self._semantics(df)
        return df

    def _directives(self) -> dict[str, str]:
        """Parser directives (``syntax``, ``escape``, ``check``) at the top of the file.

        As in BuildKit, the first line that is not a known directive (a blank
        line, any other comment, an instruction) ends them; a repeated
        directive is an error.
        """
        directives: dict[str, str] = {}
        for number, line in enumerate(self.lines, start=1):
            m = _DIRECTIVE_RE.match(line.lstrip(GO_SPACE))
            if not m or m.group(1).lower() not in VALID_DIRECTIVES:
                break
            key = m.group(1).lower()
            if key in directives:
                raise self.fail(number, f"only one {key} parser directive can be used; remove this one or the one above")
            directives[key] = m.group(2)
        return directives

    def _continuation(self, line: str) -> tuple[str, bool]:
        """``line`` without its trailing escape token, and whether it continues."""
        if not line.rstrip(" \t").endswith(self.escape):
            return line, False  # most lines: no need to search them for the pattern
        m = self.cont_re.search(line)
        if m is None:
            return line, False
        return line[: m.start()] + (m.group(1) or ""), True

    def _split(self) -> list[_RawInstruction]:
        """Split the text into logical instructions the way BuildKit's parser does.

        Continuation lines end with the escape token (trailing blanks allowed,
        an escaped escape token does not continue); comment lines and blank
        lines inside a continuation are skipped; here-document bodies follow
        the line that names them and are never read as instructions.
        """
        lines = self.lines
        out: list[_RawInstruction] = []
        total = len(lines)
        cap = limits.get("dockerfile-instructions")
        i = 0
        while i < total:
            first = lines[i].lstrip(GO_SPACE)
            i += 1
            if not first or first.startswith("#"):
                continue
            start = i
            text, more = self._continuation(first)
            pieces = [text]
            while more and i < total:
                raw = lines[i]
                i += 1
                stripped = raw.lstrip(GO_SPACE)
                if not stripped or stripped.startswith("#"):
                    continue  # BuildKit skips comments and (deprecated) empty lines here
                piece, more = self._continuation(raw)
                pieces.append(piece)
            text = "".join(pieces)
            parts = split_blanks(text, 1)
            if not parts:
                continue  # only escape tokens
            if len(out) >= cap:
                raise limits.LimitExceeded("dockerfile-instructions", f"{self.path}:{start}", f"more than {cap}")
            keyword, value = parts[0], (parts[1] if len(parts) > 1 else "")
            raw_instr = _RawInstruction(keyword, start, i, value)
            if "<<" in text and self._may_have_heredocs(keyword, value):
                for _fd, chomp, name, expand in _heredoc_words(text):
                    body: list[str] = []
                    body_start = i + 1
                    while i < total:
                        candidate = lines[i]
                        i += 1
                        if (candidate.lstrip("\t") if chomp else candidate) == name:
                            break
                        body.append(candidate.lstrip("\t") if chomp else candidate)
                    else:
                        raise self.fail(start, f"here-document <<{name} is never closed: add a line containing only {name} after its body")
                    text_body = "".join(line + "\n" for line in body)
                    raw_instr.heredocs.append(Heredoc(name, text_body, body_start, i, chomp, expand))
            raw_instr.last_line = i
            out.append(raw_instr)
        return out

    def _may_have_heredocs(self, keyword: str, value: str) -> bool:
        """RUN, COPY and ADD (also under ONBUILD) in shell form take here-documents (BuildKit's canContainHeredoc)."""
        keyword = keyword.upper()
        if keyword == "ONBUILD":
            inner = split_blanks(value, 1)
            keyword, value = inner[0].upper() if inner else "", inner[1] if len(inner) > 1 else ""
        if keyword not in ("RUN", "COPY", "ADD"):
            return False
        _, rest = split_flags(value, self.escape)
        return _json_list(rest.strip(GO_SPACE)) is None

    def _pragmas(self) -> list[Pragma]:
        pragmas = []
        for number, raw in enumerate(self.lines, start=1):
            stripped = raw.strip()
            if not stripped.startswith("#"):
                continue
            m = _PRAGMA_RE.match(stripped)
            if m:
                values = tuple(v.strip() for v in re.split(r"[,\s]+", m.group(4)) if v.strip())
                pragmas.append(Pragma(m.group(1).lower(), m.group(3).lower(), "global" if m.group(2) else "next", values, number))
        return pragmas

    def _instructions(self, raw_instructions: list[_RawInstruction]) -> list[Instruction]:
        out: list[Instruction] = []
        for raw in raw_instructions:
            start, keyword = raw.line, raw.keyword.upper()
            if keyword not in KNOWN_INSTRUCTIONS:
                raise self.fail(start, f"unknown instruction {raw.keyword!r}; expected one of {', '.join(sorted(KNOWN_INSTRUCTIONS))}")
            instr = Instruction(
                keyword=keyword,
                line=start,
                end_line=raw.last_line,
                original="\n".join(self.lines[start - 1 : raw.last_line]),
                value=raw.value,
                index=len(out),
                heredocs=list(raw.heredocs),
                escape=self.escape,
            )
            self._split_flags(instr)
            if keyword == "ONBUILD":
                self._onbuild(instr)
            if keyword in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "HEALTHCHECK") and not instr.heredocs:
                instr.json_args = _json_list(instr.args.strip())
            if keyword == "SHELL" and instr.json_args is None:
                raise self.fail(start, "SHELL requires the JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]")
            if keyword in ("COPY", "ADD") and len(instr.json_args if instr.json_args is not None else split_blanks(instr.args)) < 2:
                raise self.fail(start, f"{keyword} requires at least a source and a destination, e.g. {keyword} src/ /app/src/")
            self._check_arguments(instr)
            out.append(instr)
        return out

    def _check_arguments(self, instr: Instruction) -> None:
        """Refuse what BuildKit's ``instructions/parse.go`` refuses for missing arguments.

        USER, STOPSIGNAL and MAINTAINER take exactly one (the rest of the line, so
        only an empty one fails); LABEL, EXPOSE, VOLUME and HEALTHCHECK at least
        one; ``VOLUME []``/``VOLUME [""]``, ``SHELL []`` and ``HEALTHCHECK CMD``
        without a command fail too. RUN, CMD and ENTRYPOINT may be empty.
        """
        keyword, args = instr.keyword, instr.args.strip()
        example = _ARGUMENT_EXAMPLES.get(keyword, "")
        if keyword in _EXACTLY_ONE_ARGUMENT and not args:
            raise self.fail(instr.line, f"{keyword} requires exactly one argument, e.g. {example}")
        if keyword in _AT_LEAST_ONE_ARGUMENT and not args:
            raise self.fail(instr.line, f"{keyword} requires at least one argument, e.g. {example}")
        if keyword == "SHELL" and instr.json_args == []:
            raise self.fail(instr.line, f"SHELL requires at least one argument, e.g. {example}")
        if keyword == "VOLUME" and instr.json_args is not None and not all(v.strip() for v in instr.json_args or [""]):
            raise self.fail(instr.line, f"VOLUME needs non-empty paths, e.g. {example}; got {args}")
        if keyword == "HEALTHCHECK" and args.split(None, 1)[0].upper() == "CMD" and len(args.split(None, 1)) < 2:
            raise self.fail(instr.line, f"HEALTHCHECK CMD needs a command after CMD, e.g. {example}")

    def _onbuild(self, instr: Instruction) -> None:
        parts = split_blanks(instr.value, 1)
        inner_kw = parts[0].upper() if parts else ""
        if inner_kw in ("ONBUILD", "FROM", "MAINTAINER"):
            raise self.fail(instr.line, f"{inner_kw} isn't allowed as an ONBUILD trigger")
        if inner_kw not in KNOWN_INSTRUCTIONS:
            raise self.fail(instr.line, f"ONBUILD needs an instruction to run later, e.g. ONBUILD RUN make; got {instr.value.strip()!r}")
        inner = Instruction(
            keyword=inner_kw,
            line=instr.line,
            end_line=instr.end_line,
            original=instr.original,
            value=parts[1] if len(parts) > 1 else "",
            index=instr.index,
            heredocs=list(instr.heredocs),
            escape=self.escape,
        )
        self._split_flags(inner)
        if inner_kw in ("RUN", "CMD", "ENTRYPOINT", "COPY", "ADD") and not inner.heredocs:
            inner.json_args = _json_list(inner.args.strip())
        instr.onbuild = inner

    def _split_flags(self, instr: Instruction) -> None:
        """``--name[=value]`` flags before the arguments, as BuildKit's extractBuilderFlags reads them."""
        words, rest = split_flags(instr.value, self.escape)
        flags: list[tuple[str, str | None]] = []
        for word in words:
            name, eq, value = word[2:].partition("=")
            flags.append((name.lower(), value if eq else None))
        instr.flags = flags
        instr.args = rest.strip(GO_SPACE)

    def _attach_pragmas(self, instructions: list[Instruction], pragmas: list[Pragma]) -> None:
        by_line = {p.line: p for p in pragmas if p.scope == "next"}
        if not by_line:
            return
        starts = sorted((i.line, i) for i in instructions)
        for line, pragma in sorted(by_line.items()):
            nxt = next((instr for start, instr in starts if start > line), None)
            if nxt is None:
                continue
            if pragma.kind == "ignore":
                nxt.ignores = nxt.ignores | frozenset(pragma.values)
            elif pragma.kind == "shell" and pragma.values:
                nxt.shell_pragma = pragma.values[0]

    # --- semantics ---------------------------------------------------------------------
    def _lex(self, instr: Instruction, text: str, scope, *, open_scope: bool = False, keep_unknown: bool = False) -> Expansion:
        """``text`` expanded and unquoted as the builder does, or an InputError on its line.

        With ``keep_unknown`` a reference to a variable with no known value
        stays as written (``WORKDIR $GOPATH`` is ``/$GOPATH``, not ``/``).
        """
        try:
            return lex(text, scope, escape=self.escape, open_scope=open_scope, keep_unknown=keep_unknown, budget=self.budget, words=False)
        except ValueError as exc:
            raise self.fail(instr.line, f"{instr.keyword} {text.strip()}: {exc}") from None

    def _count_variables(self, instr: Instruction, count: int) -> None:
        self.variables += count
        cap = limits.get("dockerfile-variables")
        if self.variables > cap:
            raise limits.LimitExceeded("dockerfile-variables", f"{self.path}:{instr.line}", f"more than {cap}")

    def _assignments(self, instr: Instruction) -> list[tuple[str, str | None]]:
        """``K=V`` pairs of ENV/ARG, refusing what BuildKit refuses."""
        pairs, legacy = raw_assignments(instr, self.escape)
        if not pairs:
            raise self.fail(instr.line, f"{instr.keyword} needs at least one name, e.g. {instr.keyword} NAME=value")
        if legacy:
            key, rest = pairs[0]
            if not (rest or "").strip():
                raise self.fail(instr.line, f"{instr.keyword} {key} has no value; write {instr.keyword} {key}=value")
            return pairs
        for (key, value), word in zip(pairs, raw_words(instr.args, self.escape)):
            if not key:
                raise self.fail(instr.line, f"{instr.keyword} has a value without a name: {word!r}")
            if value is None and instr.keyword != "ARG":
                raise self.fail(instr.line, f"{instr.keyword}: cannot find '=' in {word!r}; write NAME=value")
        return pairs

    def _semantics(self, df: Dockerfile) -> None:
        """The build state before each instruction: stages, ARG/ENV values, WORKDIR, SHELL, USER, COPY sources.

        The ARG/ENV dictionaries are replaced, never changed in place, when an
        ARG or ENV runs, so instructions in between share them (a file with
        thousands of instructions does not copy its variables thousands of times).
        A value that depends on a variable with no known value (an ARG without
        default, a variable the base image may set) is None in ``argvars`` and
        listed in ``unknown_env`` for ENV.
        """
        global_args: dict[str, str | None] = dict(AUTOMATIC_ARGS)
        declared_global: dict[str, str | None] = {}
        stage: Stage | None = None
        state = _Scope.empty(open_scope=False)
        for instr in df.instructions:
            self.budget.where = f"{self.path}:{instr.line}"
            if instr.keyword == "FROM":
                stage = self._start_stage(df, instr, global_args)
                parent = stage.base_stage
                if parent is not None:
                    state = parent.end_scope.for_stage()
                else:
                    state = _Scope.empty(open_scope=stage.base.lower() != "scratch")
                stage.end_state = (state.workdir, state.shell, state.user, state.env)
                stage.end_scope = state
                instr.workdir, instr.shell, instr.user = state.workdir, state.shell, state.user
                state.apply(instr)
                _global_scope(instr, global_args)
                continue
            if stage is None:
                if instr.keyword != "ARG":
                    raise self.fail(instr.line, f"{instr.keyword} before the first FROM; only ARG may come before FROM")
                pairs = self._assignments(instr)
                self._count_variables(instr, len(pairs))
                for key, default in pairs:
                    if key in self.build_args:
                        value: str | None = self.build_args[key]
                    elif default is not None:
                        res = self._lex(instr, default, global_args)
                        value = None if res.unknown else res.text
                    else:
                        value = None
                    global_args[key] = value
                    declared_global[key] = value
                _global_scope(instr, global_args)
                continue
            instr.stage = stage
            stage.instructions.append(instr)
            instr.workdir, instr.shell, instr.user = state.workdir, state.shell, state.user
            state.apply(instr)
            if instr.onbuild is not None:
                inner = instr.onbuild
                inner.stage, inner.workdir, inner.shell, inner.user = stage, state.workdir, state.shell, state.user
                state.apply(inner)
                self._script(inner)
            self._script(instr)
            kw = instr.keyword
            if kw == "ARG":
                pairs = self._assignments(instr)
                self._count_variables(instr, len(pairs))
                argvars = dict(state.argvars)
                scope = dict(state.scope)
                for key, default in pairs:
                    if key in self.build_args:
                        value = self.build_args[key]
                    elif default is not None:
                        res = self._lex(instr, default, scope, open_scope=state.open_scope)
                        value = None if res.unknown else res.text
                    elif key in global_args:
                        value = global_args[key]
                    else:
                        value = None
                    argvars[key] = value
                    if key not in state.env:
                        scope[key] = value
                state = state.replace(argvars=argvars)
            elif kw == "ENV":
                # Every value sees the variables as they were before this ENV (BuildKit).
                pairs = self._assignments(instr)
                self._count_variables(instr, len(pairs))
                env = dict(state.env)
                unknown = set(state.unknown_env)
                for key, value in pairs:
                    res = self._lex(instr, value or "", state.scope, open_scope=state.open_scope, keep_unknown=True)
                    env[key] = res.text
                    if res.unknown:
                        unknown.add(key)
                    else:
                        unknown.discard(key)
                state = state.replace(env=env, unknown_env=frozenset(unknown))
            elif kw == "WORKDIR":
                res = self._lex(instr, instr.args, state.scope, open_scope=state.open_scope, keep_unknown=True)
                if not res.text:
                    raise self.fail(instr.line, "WORKDIR needs a path, e.g. WORKDIR /app")
                state = state.replace(workdir=_norm_abs(posixpath.join(state.workdir, res.text)))
            elif kw == "USER":
                res = self._lex(instr, instr.args, state.scope, open_scope=state.open_scope, keep_unknown=True)
                state = state.replace(user=res.text or None)
            elif kw == "SHELL" and instr.json_args:
                state = state.replace(shell=tuple(instr.json_args))
            elif kw in ("COPY", "ADD"):
                self._copy(df, instr)
            stage.end_state = (state.workdir, state.shell, state.user, state.env)
            stage.end_scope = state
        self._finalise_stages(df)
        df.global_args = declared_global

    def _start_stage(self, df: Dockerfile, instr: Instruction, global_args: dict[str, str | None]) -> Stage:
        words = split_blanks(instr.args)
        if not words:
            raise self.fail(instr.line, "FROM needs an image, e.g. FROM python:3.12-slim")
        name = None
        if len(words) == 3 and words[1].lower() == "as":
            name = words[2]
            if not _STAGE_NAME_RE.match(name.lower()):
                raise self.fail(instr.line, f"invalid stage name {name!r}: start with a letter and use only letters, digits, '-', '_' and '.'")
        elif len(words) != 1:
            raise self.fail(instr.line, f"FROM has unexpected words after the image: {' '.join(words[1:])!r}; expected 'FROM image [AS name]'")
        base_raw = words[0]
        res = self._lex(instr, base_raw, global_args)
        self._check_reference(instr, base_raw, res, global_args)
        # An image named by an ARG without a known value stays as written (rules see it is unknown).
        base = res.text if res.known else base_raw
        platform = instr.flag("platform")
        platform_value = None
        if platform:
            res_platform = self._lex(instr, platform, global_args)
            platform_value = res_platform.text if res_platform.known else platform
        stage = Stage(index=len(df.stages), name=name, base=base, base_raw=base_raw, from_instruction=instr, platform=platform_value, base_known=res.known, dockerfile=df)
        # FROM refers to earlier stages by name only (``FROM 0`` is an image called 0).
        if res.known:
            stage.base_stage = next((st for st in df.stages if st.name is not None and st.name.lower() == base.lower()), None)
        instr.stage = stage
        df.stages.append(stage)
        return stage

    def _check_reference(self, instr: Instruction, base_raw: str, res: Expansion, global_args: dict[str, str | None]) -> None:
        """Refuse a FROM image that is no valid reference as written or with the ``--build-arg`` values given.

        When ARGs without a known value are involved, or only ARG defaults make
        it invalid, the build may still work with build arguments: the file is
        linted and BK013 reports that, as BuildKit's check does.
        """
        if res.unknown:
            return
        problem = "it is empty" if not res.text else _reference_problem(res.text)
        if not problem:
            return
        names = [n for n in dict.fromkeys(res.names) if n[:1].isalpha() or n[:1] == "_"]
        supplied = [n for n in names if n in self.build_args and n in global_args]
        if names and not supplied:
            return
        if not names:
            raise self.fail(instr.line, f"FROM {base_raw} is not an image reference ({problem}); write name[:tag][@digest]")
        given = " ".join(f"--build-arg {n}={self.build_args[n]}" for n in supplied)
        if not res.text:
            raise self.fail(instr.line, f"FROM {base_raw} expands to an empty image name with {given}; BuildKit refuses it: pass a value that names an image")
        raise self.fail(instr.line, f"FROM {base_raw} expands to {res.text!r} with {given}, which is not an image reference "
                                    f"({problem}); BuildKit refuses it: pass a value that makes a valid reference")

    def _script(self, instr: Instruction) -> None:
        """Set ``script``/``script_line``: line k of the script is Dockerfile line script_line+k-1."""
        if instr.keyword != "RUN" or instr.json_args is not None:
            return
        if instr.heredocs:
            words = raw_words(instr.args.strip(), self.escape)
            only_heredoc = len(words) == 1 and _HEREDOC_WORD_RE.match(words[0]) is not None
            if only_heredoc and len(instr.heredocs) == 1:
                instr.script = instr.heredocs[0].body
                instr.script_line = instr.heredocs[0].line
                return
            # The command line plus the heredoc text, verbatim: valid shell, lines map 1:1.
            head = self._blank_prefix(instr)
            body = "\n".join(self.lines[instr.heredocs[0].line - 1 : instr.end_line])
            instr.script = head + "\n" + body + "\n"
            instr.script_line = instr.line
            return
        instr.script = self._blank_prefix(instr) + "\n"
        instr.script_line = instr.line

    def _blank_prefix(self, instr: Instruction) -> str:
        """The instruction's own lines as shell text, one script line per Dockerfile line.

        The keyword (and ``ONBUILD``) and the leading ``--flags`` (on any line)
        become blanks; comment and blank lines inside the continuation become a
        lone ``\\`` so the shell keeps joining; a trailing escape token (with
        blanks after it, or a backtick under ``# escape=```) becomes ``\\``.
        """
        last = instr.end_line if not instr.heredocs else instr.heredocs[0].line - 1
        out: list[str] = []
        in_flags = True
        for number, line in enumerate(self.lines[instr.line - 1 : last]):
            if number and (not line.strip() or line.lstrip().startswith("#")):
                out.append("\\")
                continue
            body, continues = self._continuation(line)
            blanked = 0
            if number == 0:
                m = re.match(r"^\s*(?:ONBUILD\s+)?RUN\b\s*", body, re.I)
                blanked = m.end() if m else 0
            if in_flags:
                m = _FLAGS_PREFIX_RE.match(body, blanked)
                blanked = m.end() if m else blanked
                in_flags = not body[blanked:].strip()
            text = " " * blanked + body[blanked:]
            if continues:
                text = text + "\\" if text.strip() else "\\"
            out.append(text)
        return "\n".join(out)

    def _copy(self, df: Dockerfile, instr: Instruction) -> None:
        """Resolve a COPY/ADD: sources (context-relative or stage paths) and its absolute destination."""
        scope, open_scope = instr.scope, instr.open_scope
        raw = instr.json_args if instr.json_args is not None else split_blanks(instr.args)
        if instr.heredocs:
            raw = [w for w in raw if not _HEREDOC_WORD_RE.match(w)] if raw else raw
        words = [self._lex(instr, w, scope, open_scope=open_scope, keep_unknown=True).text for w in raw]
        if not words:
            return
        dest_word = words[-1]
        instr.sources = words[:-1]
        instr.dest_is_dir = (
            dest_word.endswith("/") or dest_word in ("", ".", "..") or dest_word.endswith("/.") or len(instr.sources) + len(instr.heredocs) > 1
        )
        instr.dest = _norm_abs(posixpath.join(instr.workdir, dest_word))
        ref = instr.flag("from")
        if ref:
            ref = self._lex(instr, ref, scope, open_scope=open_scope, keep_unknown=True).text
            stage = df.stage_named(ref)
            if stage is not None and instr.stage is not None and stage.index < instr.stage.index:
                instr.from_stage = stage
            else:
                instr.from_image = ref

    def _finalise_stages(self, df: Dockerfile) -> None:
        if not df.stages:
            return
        self._check_stage_paths(df)
        final = df.stages[-1]
        final.is_final = True
        todo = [final]
        while todo:
            st = todo.pop()
            if st.in_final_image:
                continue
            st.in_final_image = True
            if st.base_stage is not None:
                todo.append(st.base_stage)
            for instr in st.instructions:
                if instr.from_stage is not None:
                    todo.append(instr.from_stage)


    def _check_stage_paths(self, df: Dockerfile) -> None:
        """Bound the ways each stage reaches earlier ones (FROM <stage>, COPY --from): the timeline follows them all."""
        cap = limits.get("stage-copy-paths")
        paths: list[int] = []
        for stage in df.stages:
            count = 1
            if stage.base_stage is not None:
                count += paths[stage.base_stage.index]
            for instr in stage.instructions:
                if instr.from_stage is not None:
                    count += paths[instr.from_stage.index]
            if count > cap:
                raise limits.LimitExceeded("stage-copy-paths", f"{self.path}:{stage.from_instruction.line}",
                                           f"{stage.label} reaches earlier stages in more than {cap} ways")
            paths.append(count)


def _global_scope(instr: Instruction, global_args: dict[str, str | None]) -> None:
    """FROM and the ARGs before the first FROM see the global ARGs only (no image environment)."""
    instr.argvars = dict(global_args)
    instr.open_scope = False
    instr._scope = instr.argvars
    instr._state = None


class _Scope:
    """The variables, WORKDIR, SHELL and USER in force at a point of a stage (replaced, never changed in place)."""

    __slots__ = ("workdir", "shell", "user", "env", "unknown_env", "argvars", "open_scope", "scope", "known")

    def __init__(self, workdir: str, shell: tuple[str, ...], user: str | None, env: dict[str, str],
                 unknown_env: frozenset[str], argvars: dict[str, str | None], open_scope: bool):
        self.workdir, self.shell, self.user = workdir, shell, user
        self.env, self.unknown_env, self.argvars, self.open_scope = env, unknown_env, argvars, open_scope
        # What the lexer reads (None: no known value) and the known values only (Instruction.variables).
        scope: dict[str, str | None] = dict(argvars)
        scope.update(env)
        for name in unknown_env:
            scope[name] = None
        self.scope = scope
        self.known = None  # computed by the first instruction that asks (Instruction.variables)

    @classmethod
    def empty(cls, *, open_scope: bool) -> _Scope:
        return cls("/", DEFAULT_SHELL, None, {}, frozenset(), {}, open_scope)

    def replace(self, **changes) -> _Scope:
        values = {name: getattr(self, name) for name in ("workdir", "shell", "user", "env", "unknown_env", "argvars", "open_scope")}
        values.update(changes)
        if set(changes) <= {"workdir", "shell", "user"}:
            new = object.__new__(_Scope)
            for name, value in values.items():
                setattr(new, name, value)
            new.scope, new.known = self.scope, self.known
            return new
        return _Scope(**values)

    def for_stage(self) -> _Scope:
        """A child stage (FROM <stage>) inherits ENV, WORKDIR, SHELL and USER, not ARGs."""
        return _Scope(self.workdir, self.shell, self.user, self.env, self.unknown_env, {}, self.open_scope)

    def apply(self, instr: Instruction) -> None:
        instr.env, instr.argvars, instr.unknown_env, instr.open_scope = self.env, self.argvars, self.unknown_env, self.open_scope
        instr._scope, instr._state = self.scope, self
