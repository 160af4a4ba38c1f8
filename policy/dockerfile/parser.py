"""Dockerfile text into the model: line splitting, parser directives, heredocs, instructions, and the build semantics on top."""

from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..buildcontext import BuildContext
from ..model import InputError
from .lexer import _VAR_RE, process_word, process_words, raw_assignments, raw_words
from .model import AUTOMATIC_ARGS, DEFAULT_SHELL, KNOWN_INSTRUCTIONS, Dockerfile, Heredoc, Instruction, Pragma, Stage
from .timeline import _norm_abs

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
_DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
VALID_DIRECTIVES = ("syntax", "escape", "check")
# One shell word that opens a here-document: [fd]<<[-]WORD (BuildKit's reHeredoc).
_HEREDOC_WORD_RE = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_FLAG_RE = re.compile(r"--([A-Za-z][A-Za-z0-9-]*)(?:=(\"[^\"]*\"|'[^']*'|\S*))?\s*")
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


def _heredoc_words(line: str, escape: str) -> list[tuple[int, bool, str, bool]]:
    """The here-documents a logical line opens: ``(fd, strip_tabs, name, expand)``.

    Like BuildKit, only a whole word ``[n]<<[-]NAME`` opens one: quoted
    ``'<<EOF'``, ``$((1<<2))`` and here-strings ``<<<`` do not. A quoted name
    (``<<"EOF"``, ``<<'EOF'``) disables expansion of the body.
    """
    found = []
    for word in raw_words(line, escape):
        m = _HEREDOC_WORD_RE.match(word)
        if not m or not m.group(3):
            continue
        rest = m.group(3)
        try:
            names = process_words(rest, {}, escape="\\")
        except ValueError:
            continue
        if len(names) != 1:
            continue
        expand = not any(q in rest for q in "'\"")
        found.append((int(m.group(1) or 0), m.group(2) == "-", names[0], expand))
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


@dataclass
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
    """
    if text is None:
        if path is None:
            raise InputError("parse_dockerfile needs a path or text")
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read Dockerfile: {exc.strerror or exc}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not a text file (invalid UTF-8 at byte {exc.start}); is this a Dockerfile?") from None
    shown = display_path or (str(path) if path is not None else "Dockerfile")
    if context_dir is None and path is not None:
        context_dir = Path(path).resolve().parent
    dockerignore = None
    if path is not None:
        # BuildKit prefers <Dockerfile>.dockerignore next to the Dockerfile.
        specific = Path(str(path) + ".dockerignore")
        if specific.is_file():
            dockerignore = specific
    context = BuildContext(context_dir, dockerignore)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return _Builder(shown, text, context, dict(build_args or {})).build()


class _Builder:
    def __init__(self, path: str, text: str, context: BuildContext, build_args: dict[str, str]):
        self.path = path
        self.text = text
        self.lines = text.split("\n")
        self.context = context
        self.build_args = build_args
        self.escape = "\\"

    def fail(self, line: int, message: str) -> InputError:
        return InputError(f"{self.path}:{line}: {message}")

    def build(self) -> Dockerfile:
        directives = self._directives()
        escape = directives.get("escape", "\\")
        if escape not in ("\\", "`"):
            line = next(i for i, text in enumerate(self.lines, start=1) if "escape" in text.lower())
            raise self.fail(line, f"invalid escape directive {escape!r}; use \\ or `")
        self.escape = escape
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
            m = _DIRECTIVE_RE.match(line.lstrip())
            if not m or m.group(1).lower() not in VALID_DIRECTIVES:
                break
            key = m.group(1).lower()
            if key in directives:
                raise self.fail(number, f"only one {key} parser directive can be used; remove this one or the one above")
            directives[key] = m.group(2)
        return directives

    def _continuation(self, line: str) -> tuple[str, bool]:
        """``line`` without its trailing escape token, and whether it continues."""
        m = self._cont_re.search(line)
        if m is None:
            return line, False
        return line[: m.start()] + (m.group(1) or ""), True

    @property
    def _cont_re(self) -> re.Pattern:
        esc = re.escape(self.escape)
        return re.compile(rf"([^{esc}]){esc}[ \t]*$|^{esc}[ \t]*$")

    def _split(self) -> list[_RawInstruction]:
        """Split the text into logical instructions the way BuildKit's parser does.

        Continuation lines end with the escape token (trailing blanks allowed,
        an escaped escape token does not continue); comment lines and blank
        lines inside a continuation are skipped; here-document bodies follow
        the line that names them and are never read as instructions. The empty
        text after a final newline is no line (BuildKit's scanner never sees it).
        """
        lines, out = self.lines, []
        total = len(lines) - 1 if lines[-1] == "" else len(lines)
        i = 0
        while i < total:
            first = lines[i].lstrip()
            i += 1
            if not first or first.startswith("#"):
                continue
            start = i
            text, more = self._continuation(first)
            while more and i < total:
                raw = lines[i]
                i += 1
                stripped = raw.lstrip()
                if not stripped or stripped.startswith("#"):
                    continue  # BuildKit skips comments and (deprecated) empty lines here
                piece, more = self._continuation(raw)
                text += piece
            parts = text.strip().split(None, 1)
            if not parts:
                continue  # only escape tokens
            keyword, value = parts[0], (parts[1] if len(parts) > 1 else "")
            raw_instr = _RawInstruction(keyword, start, i, value)
            if self._may_have_heredocs(keyword, value):
                for fd, chomp, name, expand in _heredoc_words(text, self.escape):
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

    @staticmethod
    def _may_have_heredocs(keyword: str, value: str) -> bool:
        """RUN, COPY and ADD (also under ONBUILD) in shell form take here-documents."""
        keyword = keyword.upper()
        if keyword == "ONBUILD":
            inner = value.split(None, 1)
            keyword, value = inner[0].upper() if inner else "", inner[1] if len(inner) > 1 else ""
        if keyword not in ("RUN", "COPY", "ADD"):
            return False
        rest = _FLAGS_PREFIX_RE.sub("", value, count=1).strip()
        return _json_list(rest) is None

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
            )
            self._split_flags(instr)
            if keyword == "ONBUILD":
                self._onbuild(instr)
            if keyword in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "HEALTHCHECK") and not instr.heredocs:
                instr.json_args = _json_list(instr.args.strip())
            if keyword == "SHELL" and instr.json_args is None:
                raise self.fail(start, "SHELL requires the JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]")
            if keyword in ("COPY", "ADD") and len(instr.words()) < 2:
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
        parts = instr.value.strip().split(None, 1)
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
            value=parts[1].strip() if len(parts) > 1 else "",
            index=instr.index,
            heredocs=list(instr.heredocs),
        )
        self._split_flags(inner)
        if inner_kw in ("RUN", "CMD", "ENTRYPOINT", "COPY", "ADD") and not inner.heredocs:
            inner.json_args = _json_list(inner.args.strip())
        instr.onbuild = inner

    def _split_flags(self, instr: Instruction) -> None:
        rest = instr.value.lstrip()
        flags: list[tuple[str, str | None]] = []
        while rest.startswith("--"):
            m = _FLAG_RE.match(rest)
            if not m:
                break
            val = m.group(2)
            if val is not None and len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
                val = val[1:-1]
            flags.append((m.group(1).lower(), val))
            rest = rest[m.end() :]
        instr.flags = flags
        instr.args = rest

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
    def _word(self, instr: Instruction, text: str, scope: dict[str, str]) -> str:
        """``text`` expanded and unquoted as the builder does, or an InputError on its line."""
        try:
            return process_word(text, scope, escape=self.escape)
        except ValueError as exc:
            raise self.fail(instr.line, f"{instr.keyword} {text.strip()}: {exc}") from None

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
        global_args: dict[str, str | None] = dict(AUTOMATIC_ARGS)
        declared_global: dict[str, str | None] = {}
        stage: Stage | None = None
        workdir = "/"
        shell: tuple[str, ...] = DEFAULT_SHELL
        user: str | None = None
        env: dict[str, str] = {}
        argvars: dict[str, str | None] = {}
        for instr in df.instructions:
            if instr.keyword == "FROM":
                stage = self._start_stage(df, instr, global_args)
                parent = stage.base_stage
                if parent is not None:
                    workdir, shell, user, env = parent.end_state[0], parent.end_state[1], parent.end_state[2], dict(parent.end_state[3])
                else:
                    workdir, shell, user, env = "/", DEFAULT_SHELL, None, {}
                stage.end_state = (workdir, shell, user, dict(env))
                argvars = {}
                instr.workdir, instr.shell, instr.user, instr.env = workdir, shell, user, dict(env)
                instr.argvars = dict(global_args)
                continue
            if stage is None:
                if instr.keyword != "ARG":
                    raise self.fail(instr.line, f"{instr.keyword} before the first FROM; only ARG may come before FROM")
                for key, default in self._assignments(instr):
                    scope = {k: v for k, v in global_args.items() if v is not None}
                    value = self.build_args.get(key, self._word(instr, default, scope) if default is not None else None)
                    global_args[key] = value
                    declared_global[key] = value
                instr.argvars = dict(global_args)
                continue
            instr.stage = stage
            stage.instructions.append(instr)
            instr.workdir, instr.shell, instr.user, instr.env, instr.argvars = workdir, shell, user, dict(env), dict(argvars)
            if instr.onbuild is not None:
                inner = instr.onbuild
                inner.stage, inner.workdir, inner.shell, inner.user, inner.env, inner.argvars = stage, workdir, shell, user, dict(env), dict(argvars)
                self._script(inner)
            self._script(instr)
            scope = instr.variables
            kw = instr.keyword
            if kw == "ARG":
                for key, default in self._assignments(instr):
                    if key in self.build_args:
                        argvars[key] = self.build_args[key]
                    elif default is not None:
                        argvars[key] = self._word(instr, default, scope)
                    elif key in global_args:
                        argvars[key] = global_args[key]
                    else:
                        argvars[key] = None
                    scope = {**scope, **({key: argvars[key]} if argvars[key] is not None and key not in env else {})}
            elif kw == "ENV":
                # Every value sees the variables as they were before this ENV (BuildKit).
                for key, value in self._assignments(instr):
                    env[key] = self._word(instr, value or "", scope)
            elif kw == "WORKDIR":
                target = self._word(instr, instr.args.strip(), scope)
                if not target:
                    raise self.fail(instr.line, "WORKDIR needs a path, e.g. WORKDIR /app")
                workdir = _norm_abs(posixpath.join(workdir, target))
            elif kw == "USER":
                user = self._word(instr, instr.args.strip(), scope) or None
            elif kw == "SHELL" and instr.json_args:
                shell = tuple(instr.json_args)
            elif kw in ("COPY", "ADD"):
                self._copy(df, instr)
            stage.end_state = (workdir, shell, user, dict(env))
        self._finalise_stages(df)
        df.global_args = declared_global

    def _start_stage(self, df: Dockerfile, instr: Instruction, global_args: dict[str, str | None]) -> Stage:
        words = instr.args.split()
        if not words:
            raise self.fail(instr.line, "FROM needs an image, e.g. FROM python:3.12-slim")
        name = None
        if len(words) == 3 and words[1].lower() == "as":
            name = words[2]
            if not _STAGE_NAME_RE.match(name.lower()):
                raise self.fail(instr.line, f"invalid stage name {name!r}: start with a letter and use only letters, digits, '-', '_' and '.'")
        elif len(words) != 1:
            raise self.fail(instr.line, f"FROM has unexpected words after the image: {' '.join(words[1:])!r}; expected 'FROM image [AS name]'")
        scope = {k: v for k, v in global_args.items() if v is not None}
        base_raw = words[0]
        base = self._word(instr, base_raw, scope)
        if not base:
            raise self.fail(instr.line, f"FROM {base_raw} expands to an empty image name; give the ARG a default or pass --build-arg")
        self._check_reference(instr, base_raw, base, global_args)
        platform = instr.flag("platform")
        stage = Stage(index=len(df.stages), name=name, base=base, base_raw=base_raw, from_instruction=instr, platform=self._word(instr, platform, scope) if platform else None)
        # FROM refers to earlier stages by name only (``FROM 0`` is an image called 0).
        stage.base_stage = next((st for st in df.stages if st.name is not None and st.name.lower() == base.lower()), None)
        instr.stage = stage
        df.stages.append(stage)
        return stage

    def _check_reference(self, instr: Instruction, base_raw: str, base: str, global_args: dict[str, str | None]) -> None:
        """Refuse a FROM image that is no valid reference as written or with the ``--build-arg`` values given.

        When only ARG defaults (or unset ARGs) make it invalid, the build may
        still work with build arguments: BK013 reports that, as BuildKit's check does.
        """
        problem = _reference_problem(base)
        if not problem:
            return
        names = [m.group(1) or m.group(4) for m in _VAR_RE.finditer(base_raw) if m.group(1) or m.group(4)]
        supplied = [n for n in dict.fromkeys(names) if n in self.build_args and n in global_args]
        if names and not supplied:
            return
        if not names:
            raise self.fail(instr.line, f"FROM {base_raw} is not an image reference ({problem}); write name[:tag][@digest]")
        given = " ".join(f"--build-arg {n}={self.build_args[n]}" for n in supplied)
        raise self.fail(instr.line, f"FROM {base_raw} expands to {base!r} with {given}, which is not an image reference "
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
        scope = instr.variables
        raw = instr.json_args if instr.json_args is not None else instr.args.split()
        if instr.heredocs:
            raw = [w for w in raw if not _HEREDOC_WORD_RE.match(w)] if raw else raw
        words = [self._word(instr, w, scope) for w in raw]
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
            ref = self._word(instr, ref, scope)
            stage = df.stage_named(ref)
            if stage is not None and instr.stage is not None and stage.index < instr.stage.index:
                instr.from_stage = stage
            else:
                instr.from_image = ref

    def _finalise_stages(self, df: Dockerfile) -> None:
        if not df.stages:
            return
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
