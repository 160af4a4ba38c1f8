"""The Dockerfile model rules read: :class:`Dockerfile`, :class:`Stage`, :class:`Instruction`."""

from __future__ import annotations

from dataclasses import field
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from ..buildcontext import BuildContext
from .lexer import Expansion, expand_variables, lex, raw_assignments, split_blanks
from .timeline import FileTimeline
from ..records import record

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


@record(frozen=True)
class Heredoc:
    """A here-document attached to an instruction (``RUN <<EOF``, ``COPY <<EOF dest``)."""

    name: str
    body: str
    line: int  # first body line (1-based)
    end_line: int  # the terminator's line
    strip_tabs: bool
    expand: bool


@record(frozen=True)
class Mount:
    """One ``RUN --mount=...`` flag, its options parsed."""

    type: str
    target: str | None
    options: dict[str, str]


@record(frozen=True)
class Pragma:
    tool: str  # "imagepolicy" | "hadolint"
    kind: str  # "ignore" | "shell"
    scope: str  # "next" | "global"
    values: tuple[str, ...]
    line: int


@record
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
    # the file's escape token, the ENV names whose value depends on an unknown variable,
    # and whether names the Dockerfile does not set may come from the base image
    escape: str = "\\"
    unknown_env: frozenset[str] = frozenset()
    open_scope: bool = False
    _scope: Mapping[str, str | None] | None = field(default=None, repr=False, compare=False)
    _known: Mapping[str, str] | None = field(default=None, repr=False, compare=False)
    _state: Any = field(default=None, repr=False, compare=False)  # the parser's shared scope, caching ``variables``

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
    @property
    def scope(self) -> Mapping[str, str | None]:
        """The ARG and ENV values in force (ENV wins); None for a variable with no known value."""
        if self._scope is None:
            scope: dict[str, str | None] = dict(self.argvars)
            scope.update(self.env)
            for name in self.unknown_env:
                scope[name] = None
            self._scope = scope
        return self._scope

    @property
    def variables(self) -> Mapping[str, str]:
        """The ARG and ENV values in force that are known (read-only)."""
        if self._known is None:
            state = self._state
            if state is not None and state.known is not None:
                self._known = state.known
            else:
                self._known = MappingProxyType({k: v for k, v in self.scope.items() if v is not None})
                if state is not None:
                    state.known = self._known
        return self._known

    def resolve(self, text: str, *, shell: bool = False) -> Expansion:
        """``text`` expanded with the variables in force, as BuildKit (or, with ``shell``, a shell) would.

        BuildKit mode removes quotes and escapes (ENV, LABEL, WORKDIR, COPY words...);
        ``shell`` substitutes ``$`` forms only, for words a shell splitter already
        unquoted (RUN arguments). ``result.unknown`` names the variables with no
        known value the result depends on (an ARG without default, ``$HOME`` from
        the base image): judge ``result.text`` only when it is empty. Raises
        ValueError on a malformed word.
        """
        if shell:
            return lex(text, self.scope, escape="", quotes=False, open_scope=self.open_scope)
        return lex(text, self.scope, escape=self.escape, open_scope=self.open_scope)

    def expand(self, text: str) -> str:
        """Substitute ``$VAR``/``${VAR...}`` forms with the values in scope (quotes kept; unknown read as empty)."""
        return expand_variables(text, self.variables)

    @property
    def shell_dialect(self) -> str | None:
        """The shell that runs this instruction's script, as a ShellCheck dialect (see :mod:`imagepolicy.shells`)."""
        from ..shells import run_shell

        return run_shell(self).dialect

    def assignments(self) -> list[tuple[str, str]]:
        """The ``NAME=value`` pairs of a LABEL or ENV, quotes removed, values not expanded.

        The legacy form ``LABEL key value`` / ``ENV NAME value`` (blank: space or
        tab) is one pair.
        """
        pairs, legacy = raw_assignments(self, self.escape)
        out = []
        for key, value in pairs:
            if value is None:
                continue
            out.append((self._unquoted(key), self._unquoted(value)))
        return out

    def words(self) -> list[str]:
        """The arguments split into words as BuildKit does, quotes removed, variables left as written."""
        if self.json_args is not None:
            return list(self.json_args)
        try:
            return lex(self.args, {}, escape=self.escape, keep_unset=True).words
        except ValueError:
            return split_blanks(self.args)

    def _unquoted(self, text: str) -> str:
        try:
            return lex(text, {}, escape=self.escape, keep_unset=True, words=False).text
        except ValueError:
            return text


@record
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
    # False when the image is named by an ARG with no known value (``base`` is then as written)
    base_known: bool = True
    end_scope: Any = field(default=None, repr=False, compare=False)
    dockerfile: Dockerfile | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return f"<stage {self.index} {self.name or ''} FROM {self.base}>"

    @property
    def label(self) -> str:
        return f"stage {self.name!r}" if self.name else f"stage {self.index}"

    @property
    def root_base(self) -> str:
        """The external image this stage ultimately builds on (through FROM <stage>)."""
        return self.lineage()[-1].base

    def lineage(self) -> list[Stage]:
        """This stage and its ``FROM <stage>`` ancestors, nearest first."""
        chain, seen = [], set()
        stage: Stage | None = self
        while stage is not None and stage.index not in seen:
            chain.append(stage)
            seen.add(stage.index)
            stage = stage.base_stage
        return chain


@record
class Dockerfile(FileTimeline):
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
    # Results plugins compute for this file ahead of its checks (see imagepolicy_prepare_dockerfiles).
    cache: dict = field(default_factory=dict, repr=False)
    # /bin/sh of the paired image (--image), set by the engine: see imagepolicy.shells.
    image_sh: object = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> list[str]:
        """The physical lines (cut at LF only, as BuildKit: a lone CR stays in its line)."""
        lines = self.text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines

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


def iter_run_instructions(df: Dockerfile) -> Iterator[Instruction]:
    """Every RUN, including those inside ONBUILD, in file order."""
    for instr in df.instructions:
        if instr.keyword == "RUN":
            yield instr
        elif instr.onbuild is not None and instr.onbuild.keyword == "RUN":
            yield instr.onbuild
