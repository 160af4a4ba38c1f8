"""The Dockerfile model every Dockerfile rule reads.

dockerfile-parse splits the file into instructions; this module adds the
semantics a builder applies: parser directives, heredocs, stages and their
parents, ARG/ENV resolution (ARG before FROM, ``--build-arg``), WORKDIR, SHELL
and USER in force at each instruction, ``RUN --mount`` and COPY/ADD flags,
inline pragmas, and a file timeline that answers "which build-context paths
exist at this image path when this instruction runs?".

Rules never read raw text: they read :class:`Dockerfile`, :class:`Stage` and
:class:`Instruction`.
"""

from __future__ import annotations

import io
import json
import os
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .buildcontext import BuildContext, clean_relpath
from .model import InputError

KNOWN_INSTRUCTIONS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN "
    "SHELL STOPSIGNAL USER VOLUME WORKDIR".split()
)
DEFAULT_SHELL = ("/bin/sh", "-c")

# BuildKit's automatic platform ARGs (global scope), for a linux/amd64 build.
AUTOMATIC_ARGS = {
    "TARGETPLATFORM": "linux/amd64",
    "TARGETOS": "linux",
    "TARGETARCH": "amd64",
    "TARGETVARIANT": "",
    "BUILDPLATFORM": "linux/amd64",
    "BUILDOS": "linux",
    "BUILDARCH": "amd64",
    "BUILDVARIANT": "",
}

_DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_HEREDOC_RE = re.compile(r"<<(-?)\s*(?:\"([^\"\n]+)\"|'([^'\n]+)'|([A-Za-z_][A-Za-z0-9_]*))")
_PRAGMA_RE = re.compile(r"^#\s*(imagepolicy|hadolint)\s+(global\s+)?(ignore|shell)\s*=\s*(.*?)\s*$", re.I)
_CHECK_RE = re.compile(r"^#\s*check\s*=\s*(.*?)\s*$", re.I)


@dataclass(frozen=True)
class Heredoc:
    """A here-document attached to an instruction (``RUN <<EOF``, ``COPY <<EOF dest``)."""

    name: str
    body: str
    line: int  # first body line (1-based)
    end_line: int  # the terminator's line
    strip_tabs: bool
    expand: bool


@dataclass(frozen=True)
class Mount:
    """One ``RUN --mount=...`` flag, its options parsed."""

    type: str
    target: str | None
    options: dict[str, str]


@dataclass(frozen=True)
class Pragma:
    tool: str  # "imagepolicy" | "hadolint"
    kind: str  # "ignore" | "shell"
    scope: str  # "next" | "global"
    values: tuple[str, ...]
    line: int


@dataclass
class Instruction:
    """One instruction with the build state in force *before* it runs."""

    keyword: str
    line: int
    end_line: int
    original: str
    value: str
    index: int
    flags: list[tuple[str, str | None]] = field(default_factory=list)
    args: str = ""
    json_args: list[str] | None = None
    heredocs: list[Heredoc] = field(default_factory=list)
    stage: Stage | None = None
    workdir: str = "/"
    shell: tuple[str, ...] = DEFAULT_SHELL
    user: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    argvars: dict[str, str | None] = field(default_factory=dict)
    ignores: frozenset[str] = frozenset()
    shell_pragma: str | None = None
    onbuild: Instruction | None = None
    script: str | None = None
    script_line: int = 0
    # COPY/ADD
    sources: list[str] = field(default_factory=list)
    dest: str | None = None
    dest_is_dir: bool = False
    from_stage: Stage | None = None
    from_image: str | None = None

    def __repr__(self) -> str:  # keep tracebacks and test output short
        return f"<{self.keyword} line {self.line}>"

    # --- flags -------------------------------------------------------------------
    def flag(self, name: str) -> str | None:
        """The last value of ``--name`` (``""`` for a bare flag), or None."""
        values = self.flag_values(name)
        return values[-1] if values else None

    def flag_values(self, name: str) -> list[str]:
        return [v if v is not None else "" for k, v in self.flags if k == name]

    @property
    def mounts(self) -> list[Mount]:
        mounts = []
        for spec in self.flag_values("mount"):
            options: dict[str, str] = {}
            for part in spec.split(","):
                key, _, val = part.partition("=")
                options[key.strip().lower()] = val.strip()
            mtype = options.get("type", "bind")
            target = options.get("target") or options.get("dst") or options.get("destination")
            mounts.append(Mount(mtype, target, options))
        return mounts

    @property
    def is_exec_form(self) -> bool:
        return self.json_args is not None

    # --- values --------------------------------------------------------------------
    def expand(self, text: str) -> str:
        """Substitute ``$VAR``/``${VAR}`` forms with the ARG/ENV values in scope."""
        return expand_variables(text, self.variables)

    @property
    def variables(self) -> dict[str, str]:
        scope = {k: v for k, v in self.argvars.items() if v is not None}
        scope.update(self.env)
        return scope

    @property
    def shell_dialect(self) -> str | None:
        """The shell that runs this instruction's script, as a ShellCheck dialect."""
        if self.shell_pragma:
            return _dialect(self.shell_pragma)
        if self.heredocs and self.script is not None and self.script_line == self.heredocs[0].line:
            first = self.script.split("\n", 1)[0]
            if first.startswith("#!"):
                return _dialect(first[2:].strip().split()[-1] if first[2:].strip() else "sh")
        return _dialect(self.shell[0] if self.shell else "/bin/sh")

    def words(self) -> list[str]:
        """The arguments split into words, as the builder splits non-RUN instructions."""
        if self.json_args is not None:
            return list(self.json_args)
        try:
            return shlex.split(self.args, posix=True)
        except ValueError:
            return self.args.split()


@dataclass
class Stage:
    """A build stage: ``FROM base [AS name]`` and the instructions under it."""

    index: int
    name: str | None
    base: str  # the FROM image after ARG expansion
    base_raw: str
    from_instruction: Instruction
    base_stage: Stage | None = None
    platform: str | None = None
    instructions: list[Instruction] = field(default_factory=list)
    is_final: bool = False
    in_final_image: bool = False
    # WORKDIR, SHELL, USER and ENV in force at the end of the stage
    end_state: tuple = ("/", DEFAULT_SHELL, None, {})

    def __repr__(self) -> str:
        return f"<stage {self.index} {self.name or ''} FROM {self.base}>"

    @property
    def label(self) -> str:
        return f"stage {self.name!r}" if self.name else f"stage {self.index}"

    def lineage(self) -> list[Stage]:
        """This stage and its ``FROM <stage>`` ancestors, nearest first."""
        chain, seen = [], set()
        stage: Stage | None = self
        while stage is not None and stage.index not in seen:
            chain.append(stage)
            seen.add(stage.index)
            stage = stage.base_stage
        return chain


@dataclass(frozen=True)
class Provider:
    """Where an image path comes from at some point of the build."""

    instruction: Instruction  # the COPY/ADD that brings it
    source: str | None  # context-relative path (or stage path for --from)
    known: bool = True  # False when it comes from an external image or URL


@dataclass
class Dockerfile:
    path: str  # as given (display path)
    text: str
    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str | None]
    directives: dict[str, str]
    pragmas: list[Pragma]
    context: BuildContext
    build_args: dict[str, str]
    check_skip: frozenset[str] = frozenset()

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    @property
    def global_ignores(self) -> frozenset[str]:
        return frozenset(v for p in self.pragmas if p.kind == "ignore" and p.scope == "global" for v in p.values)

    def stage_named(self, ref: str) -> Stage | None:
        for stage in self.stages:
            if stage.name is not None and stage.name.lower() == ref.lower():
                return stage
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None

    # --- file timeline ---------------------------------------------------------------
    def provider(self, before: Instruction, image_path: str) -> Provider | None:
        """The COPY/ADD that put ``image_path`` in the image before ``before`` runs.

        Looks through the instruction's stage and its ``FROM <stage>`` parents,
        latest first. Returns None when no earlier COPY/ADD provides it (it may
        still come from the base image or a RUN).
        """
        image_path = _norm_abs(image_path)
        stage = before.stage
        if stage is None:
            return None
        for st in stage.lineage():
            candidates = st.instructions
            if st is stage:
                candidates = [i for i in st.instructions if i.index < before.index]
            for instr in reversed(candidates):
                found = self._copy_provides(instr, image_path, depth=0)
                if found is not None:
                    return found
        return None

    def later_providers(self, after: Instruction, image_path: str) -> list[Provider]:
        """COPY/ADD instructions of the same stage after ``after`` that bring ``image_path``."""
        image_path = _norm_abs(image_path)
        out = []
        if after.stage is None:
            return out
        for instr in after.stage.instructions:
            if instr.index > after.index:
                found = self._copy_provides(instr, image_path, depth=0)
                if found is not None:
                    out.append(found)
        return out

    def _copy_provides(self, instr: Instruction, image_path: str, depth: int) -> Provider | None:
        if instr.keyword not in ("COPY", "ADD") or instr.dest is None or depth > 10:
            return None
        dest = instr.dest
        if image_path == dest or dest.startswith(image_path.rstrip("/") + "/") or image_path == "/":
            return Provider(instr, None, known=True)  # the destination or one of its parents
        if instr.heredocs:
            return None
        for src in instr.sources:
            if re.match(r"^[a-z][a-z0-9+.-]*://", src) or src.startswith("git@"):
                if instr.dest_is_dir:
                    continue
                continue
            if instr.from_image is not None:
                if image_path.startswith(dest.rstrip("/") + "/"):
                    return Provider(instr, src, known=False)
                continue
            if instr.from_stage is not None:
                found = self._stage_copy_provides(instr, src, image_path, depth)
                if found is not None:
                    return found
                continue
            found = self._context_copy_provides(instr, src, image_path)
            if found is not None:
                return found
        return None

    def _context_copy_provides(self, instr: Instruction, src: str, image_path: str) -> Provider | None:
        ctx = self.context
        matches = ctx.glob(src) if ctx.available else []
        many = len(instr.sources) > 1 or any(ch in src for ch in "*?[")
        dest = instr.dest or "/"
        for match in matches:
            if ctx.is_dir(match):
                # A folder's *contents* land in dest.
                if image_path.startswith(dest.rstrip("/") + "/"):
                    rel = image_path[len(dest.rstrip("/")) + 1 :]
                    inner = f"{match}/{rel}" if match else rel
                    if ctx.exists(inner):
                        return Provider(instr, inner)
            else:
                target = posixpath.join(dest, posixpath.basename(match)) if (instr.dest_is_dir or many) else dest
                if image_path == target or target.startswith(image_path.rstrip("/") + "/"):
                    return Provider(instr, match)
        return None

    def _stage_copy_provides(self, instr: Instruction, src: str, image_path: str, depth: int) -> Provider | None:
        source_stage = instr.from_stage
        assert source_stage is not None
        src_abs = _norm_abs(src if src.startswith("/") else posixpath.join(source_stage.instructions[-1].workdir if source_stage.instructions else "/", src))
        dest = instr.dest or "/"
        if image_path == dest:
            candidate = src_abs
        elif image_path.startswith(dest.rstrip("/") + "/"):
            rel = image_path[len(dest.rstrip("/")) + 1 :]
            candidate = posixpath.join(src_abs, rel)
            if instr.dest_is_dir:
                # COPY --from=s /a/file /dest/ lands /dest/file
                alt = posixpath.join(posixpath.dirname(src_abs), rel)
                end = _stage_end(source_stage)
                if end is not None and self._provided_in(source_stage, end, alt, depth + 1):
                    return Provider(instr, alt)
        else:
            return None
        end = _stage_end(source_stage)
        if end is None:
            return None
        if self._provided_in(source_stage, end, candidate, depth + 1):
            return Provider(instr, candidate)
        return None

    def _provided_in(self, stage: Stage, end: Instruction, path: str, depth: int) -> bool:
        for st in stage.lineage():
            for instr in reversed(st.instructions):
                if st is stage and instr.index > end.index:
                    continue
                if self._copy_provides(instr, path, depth) is not None:
                    return True
        return False


def _stage_end(stage: Stage) -> Instruction | None:
    return stage.instructions[-1] if stage.instructions else stage.from_instruction


def _norm_abs(path: str) -> str:
    trailing = path.endswith("/") and path != "/"
    norm = posixpath.normpath("/" + path)
    norm = "/" + norm.lstrip("/")
    return norm if not trailing else norm


def _dialect(shell: str) -> str | None:
    name = posixpath.basename(shell.strip()).lower()
    if name in ("sh", "dash", "ash", "posix"):
        return "dash" if name == "dash" else "sh"
    if name in ("bash", "zsh"):
        return "bash"
    if name in ("ksh", "mksh", "ksh93"):
        return "ksh"
    if name in ("busybox",):
        return "busybox"
    return None


# --- variable expansion -----------------------------------------------------------------

_VAR_RE = re.compile(r"\\\$|\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand_variables(text: str, scope: dict[str, str], missing: list[str] | None = None) -> str:
    """Expand ``$X``, ``${X}``, ``${X:-d}``, ``${X:+a}`` (BuildKit's forms).

    Unknown variables become empty strings, as the builder does; their names
    are appended to ``missing`` when given.
    """

    def sub(m: re.Match) -> str:
        if m.group(0) == "\\$":
            return "$"
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3)
        value = scope.get(name)
        if value is None and missing is not None and op not in (":-", "-", ":+", "+"):
            missing.append(name)
        if op in (":-",):
            return value if value else expand_variables(word or "", scope, missing)
        if op == "-":
            return value if value is not None else expand_variables(word or "", scope, missing)
        if op == ":+":
            return expand_variables(word or "", scope, missing) if value else ""
        if op == "+":
            return expand_variables(word or "", scope, missing) if value is not None else ""
        return value or ""

    if "$" not in text:
        return text
    return _VAR_RE.sub(sub, text)


def _parse_assignments(args: str) -> list[tuple[str, str | None]]:
    """Parse ``K=V K2="v 2"`` (or legacy ``K value``) pairs of ENV/ARG/LABEL."""
    try:
        lexer = shlex.shlex(args, posix=True)
        lexer.whitespace_split = True
        lexer.escape = "\\"
        words = list(lexer)
    except ValueError:
        words = args.split()
    pairs: list[tuple[str, str | None]] = []
    if words and "=" not in words[0]:
        # legacy form: first word is the key, the rest is the value
        rest = args.strip()[len(args.strip().split(None, 1)[0]) :].strip()
        return [(words[0], rest if len(words) > 1 else None)]
    for word in words:
        key, eq, value = word.partition("=")
        pairs.append((key, value if eq else None))
    return pairs


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
    return _Builder(shown, text.replace("\r\n", "\n").replace("\r", "\n"), context, dict(build_args or {})).build()


class _Builder:
    def __init__(self, path: str, text: str, context: BuildContext, build_args: dict[str, str]):
        self.path = path
        self.text = text
        self.lines = text.split("\n")
        self.context = context
        self.build_args = build_args

    def fail(self, line: int, message: str) -> InputError:
        return InputError(f"{self.path}:{line}: {message}")

    def build(self) -> Dockerfile:
        directives = self._directives()
        escape = directives.get("escape", "\\")
        if escape not in ("\\", "`"):
            raise self.fail(1, f"invalid escape directive {escape!r}; use \\ or `")
        structure = self._structure(escape)
        pragmas, check_skip = self._pragmas()
        instructions = self._instructions(structure, escape)
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
            check_skip=check_skip,
        )
        self._semantics(df)
        return df

    def _directives(self) -> dict[str, str]:
        directives: dict[str, str] = {}
        for line in self.lines:
            m = _DIRECTIVE_RE.match(line.strip())
            if not m or not line.strip().startswith("#"):
                break
            key = m.group(1).lower()
            if key in directives:
                break
            directives[key] = m.group(2)
        return directives

    def _structure(self, escape: str) -> list[dict]:
        from dockerfile_parse import DockerfileParser

        content = self.text if escape == "\\" else self.text  # dockerfile-parse reads the escape directive itself
        parser = DockerfileParser(fileobj=io.BytesIO(content.encode("utf-8")), env_replace=False)
        try:
            return [s for s in parser.structure if s["instruction"] != "COMMENT"]
        except Exception as exc:  # dockerfile-parse raises plain exceptions on odd input
            raise InputError(f"{self.path}: cannot parse Dockerfile: {exc}") from None

    def _pragmas(self) -> tuple[list[Pragma], frozenset[str]]:
        pragmas = []
        skip: set[str] = set()
        for number, raw in enumerate(self.lines, start=1):
            stripped = raw.strip()
            if not stripped.startswith("#"):
                continue
            m = _PRAGMA_RE.match(stripped)
            if m:
                values = tuple(v.strip() for v in re.split(r"[,\s]+", m.group(4)) if v.strip())
                pragmas.append(Pragma(m.group(1).lower(), m.group(3).lower(), "global" if m.group(2) else "next", values, number))
                continue
            c = _CHECK_RE.match(stripped)
            if c:
                for part in c.group(1).split(";"):
                    key, _, val = part.partition("=")
                    if key.strip().lower() == "skip":
                        skip.update(v.strip() for v in val.split(",") if v.strip())
        return pragmas, frozenset(skip)

    def _instructions(self, structure: list[dict], escape: str) -> list[Instruction]:
        out: list[Instruction] = []
        skip_until = -1
        for entry in structure:
            start = entry["startline"] + 1
            end = entry["endline"] + 1
            if start <= skip_until:
                continue
            keyword = entry["instruction"].upper()
            if keyword not in KNOWN_INSTRUCTIONS:
                word = self.lines[start - 1].strip().split()[0] if self.lines[start - 1].strip() else keyword
                raise self.fail(start, f"unknown instruction {word!r}; expected one of {', '.join(sorted(KNOWN_INSTRUCTIONS))}")
            value = entry["value"]
            instr = Instruction(keyword=keyword, line=start, end_line=end, original="\n".join(self.lines[start - 1 : end]), value=value, index=len(out))
            self._split_flags(instr)
            heredoc_end = self._heredocs(instr)
            if heredoc_end:
                skip_until = heredoc_end
                instr.end_line = heredoc_end
                instr.original = "\n".join(self.lines[start - 1 : heredoc_end])
            if keyword == "ONBUILD":
                inner_kw, _, inner_val = instr.value.strip().partition(" ")
                if inner_kw.upper() in KNOWN_INSTRUCTIONS and inner_kw.upper() not in ("ONBUILD", "FROM", "MAINTAINER"):
                    inner = Instruction(keyword=inner_kw.upper(), line=start, end_line=instr.end_line, original=instr.original, value=inner_val.strip(), index=instr.index)
                    self._split_flags(inner)
                    instr.onbuild = inner
            if keyword in ("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "HEALTHCHECK") and not instr.heredocs:
                stripped = instr.args.strip()
                if stripped.startswith("["):
                    try:
                        parsed = json.loads(stripped)
                        if isinstance(parsed, list) and all(isinstance(x, str) for x in parsed):
                            instr.json_args = parsed
                    except ValueError:
                        pass
            if keyword == "SHELL" and instr.json_args is None:
                raise self.fail(start, "SHELL requires the JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]")
            if keyword in ("COPY", "ADD") and len(instr.words()) + len(instr.heredocs) < 2:
                raise self.fail(start, f"{keyword} requires at least a source and a destination")
            out.append(instr)
        return out

    def _split_flags(self, instr: Instruction) -> None:
        rest = instr.value.lstrip()
        flags: list[tuple[str, str | None]] = []
        while rest.startswith("--"):
            m = re.match(r"--([A-Za-z][A-Za-z0-9-]*)(?:=(\"[^\"]*\"|'[^']*'|\S*))?\s*", rest)
            if not m:
                break
            val = m.group(2)
            if val is not None and len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
                val = val[1:-1]
            flags.append((m.group(1).lower(), val))
            rest = rest[m.end() :]
        instr.flags = flags
        instr.args = rest

    def _heredocs(self, instr: Instruction) -> int:
        """Read here-documents named on the instruction line; return the last body line."""
        if instr.keyword not in ("RUN", "COPY", "ADD") and not (instr.keyword == "ONBUILD"):
            return 0
        first_line_text = self.lines[instr.line - 1]
        # Heredoc markers are on the instruction's (last) logical line.
        line_text = "\n".join(self.lines[instr.line - 1 : instr.end_line])
        markers = [m for m in _HEREDOC_RE.finditer(line_text)]
        if not markers or "<<" not in first_line_text and "<<" not in line_text:
            return 0
        cursor = instr.end_line  # body starts on the next line
        last = 0
        for m in markers:
            name = m.group(2) or m.group(3) or m.group(4)
            strip_tabs = m.group(1) == "-"
            body: list[str] = []
            start = cursor + 1
            index = cursor
            found = False
            while index < len(self.lines):
                candidate = self.lines[index]
                index += 1
                if (candidate.lstrip("\t") if strip_tabs else candidate) == name:
                    found = True
                    break
                body.append(candidate.lstrip("\t") if strip_tabs else candidate)
            if not found:
                raise self.fail(instr.line, f"here-document <<{name} is never closed: add a line containing only {name}")
            instr.heredocs.append(Heredoc(name, "\n".join(body) + "\n", start, index, strip_tabs, expand=m.group(4) is not None))
            cursor = index
            last = index
        return last

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
                for key, default in _parse_assignments(instr.args):
                    value = self.build_args.get(key, expand_variables(default, {k: v for k, v in global_args.items() if v is not None}) if default is not None else None)
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
                for key, default in _parse_assignments(instr.args):
                    if key in self.build_args:
                        argvars[key] = self.build_args[key]
                    elif default is not None:
                        argvars[key] = expand_variables(default, scope)
                    elif key in global_args:
                        argvars[key] = global_args[key]
                    else:
                        argvars[key] = None
            elif kw == "ENV":
                for key, value in _parse_assignments(instr.args):
                    env[key] = expand_variables(value or "", {**scope, **env})
            elif kw == "WORKDIR":
                target = instr.expand(instr.args.strip())
                workdir = _norm_abs(posixpath.join(workdir, target)) if target else workdir
            elif kw == "USER":
                user = instr.expand(instr.args.strip()) or None
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
        scope = {k: v for k, v in global_args.items() if v is not None}
        base_raw = words[0]
        base = expand_variables(base_raw, scope)
        name = None
        if len(words) >= 3 and words[1].lower() == "as":
            name = words[2]
        elif len(words) == 2 or (len(words) >= 3 and words[1].lower() != "as"):
            raise self.fail(instr.line, f"FROM has unexpected words after the image: {' '.join(words[1:])!r}; expected 'FROM image [AS name]'")
        platform = instr.flag("platform")
        stage = Stage(index=len(df.stages), name=name, base=base, base_raw=base_raw, from_instruction=instr, platform=expand_variables(platform, scope) if platform else None)
        stage.base_stage = df.stage_named(base) if base else None
        if stage.base_stage is not None and stage.base_stage.index >= stage.index:
            stage.base_stage = None
        if not base:
            raise self.fail(instr.line, f"FROM {base_raw} expands to an empty image name; give the ARG a default or pass --build-arg")
        instr.stage = stage
        df.stages.append(stage)
        return stage

    def _script(self, instr: Instruction) -> None:
        if instr.keyword != "RUN" or instr.json_args is not None:
            return
        if instr.heredocs:
            only_heredoc = re.fullmatch(r"\s*<<-?\s*[\"']?[A-Za-z_][A-Za-z0-9_]*[\"']?\s*", instr.args) is not None
            if only_heredoc and len(instr.heredocs) == 1:
                instr.script = instr.heredocs[0].body
                instr.script_line = instr.heredocs[0].line
                return
            # The command line plus the heredoc text, verbatim: valid shell, lines map 1:1.
            head = self._blank_prefix(instr)
            body = "\n".join(self.lines[instr.line : instr.end_line])
            instr.script = head + ("\n" + body if body else "") + "\n"
            instr.script_line = instr.line
            return
        instr.script = self._blank_prefix(instr) + "\n"
        instr.script_line = instr.line

    def _blank_prefix(self, instr: Instruction) -> str:
        """The instruction's own lines with keyword and flags blanked, comments kept neutral."""
        last = instr.end_line if not instr.heredocs else instr.heredocs[0].line - 1
        lines = self.lines[instr.line - 1 : last]
        first = lines[0]
        m = re.match(r"^(\s*(?:ONBUILD\s+)?RUN\b\s*)", first, re.I)
        prefix_len = m.end() if m else 0
        rest = first[prefix_len:]
        # blank the leading --flags
        fm = re.match(r"^((?:--[A-Za-z][A-Za-z0-9-]*(?:=(?:\"[^\"]*\"|'[^']*'|\S*))?\s*)*)", rest)
        flag_len = fm.end() if fm else 0
        out = [" " * (prefix_len + flag_len) + rest[flag_len:]]
        for line in lines[1:]:
            out.append("\\" if line.strip().startswith("#") else line)
        # a continuation line may hold only flags when the RUN line ended in "\"
        return "\n".join(out)

    def _copy(self, df: Dockerfile, instr: Instruction) -> None:
        words = [instr.expand(w) for w in instr.words()]
        if instr.heredocs:
            words = [w for w in words if not w.startswith("<<")]
        if not words:
            return
        dest_word = words[-1]
        instr.sources = words[:-1]
        instr.dest_is_dir = dest_word.endswith("/") or dest_word in (".", "..") or dest_word.endswith("/.")
        instr.dest = _norm_abs(posixpath.join(instr.workdir, dest_word))
        ref = instr.flag("from")
        if ref:
            ref = instr.expand(ref)
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


def iter_run_instructions(df: Dockerfile) -> Iterator[Instruction]:
    """Every RUN, including those inside ONBUILD, in file order."""
    for instr in df.instructions:
        if instr.keyword == "RUN":
            yield instr
        elif instr.onbuild is not None and instr.onbuild.keyword == "RUN":
            yield instr.onbuild
