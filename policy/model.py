"""The data every part of imagepolicy shares: severities, rules, findings, results.

Rules produce :class:`Violation` records (what is wrong, where, and the fix); the
engine turns them into :class:`Finding` objects carrying the rule's code, name,
aliases and the severity in force. Report formats consume only :class:`Report`.
A violation may carry an automatic fix (:class:`Fix`: text :class:`Edit` s and
whether the fix is safe), which ``imagepolicy fix`` applies (see
:mod:`imagepolicy.fixes`).
"""

from __future__ import annotations

import enum
import re
import sys
from dataclasses import field
from typing import Any, Callable, Iterable, Mapping

from .records import record


class Severity(enum.IntEnum):
    """Finding severities, ordered: ``ERROR > WARNING > INFO > STYLE``."""

    STYLE = 1
    INFO = 2
    WARNING = 3
    ERROR = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls[str(value).upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {value!r}; expected one of "
                + ", ".join(s.label for s in sorted(cls, reverse=True))
            ) from None

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.label


SEVERITY_LABELS = tuple(s.label for s in sorted(Severity, reverse=True))

TARGET_KINDS = ("dockerfile", "image", "any")  # "any": the check receives either and dispatches on type
# What a rule's automatic fix can be, as `imagepolicy rules` shows it: "" (none), "safe", "unsafe",
# or "sometimes" (safe in some cases, unsafe in others; its docs' "## Fix" section says when).
AUTOFIX_KINDS = ("", "safe", "unsafe", "sometimes")

_CODE_RE = re.compile(r"^[A-Z]{2,}[0-9]{3,4}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_NEED_RE = re.compile(r"^[A-Z]+(?: [^\s*]+\*?)?$")
#: What a rule's ``needs`` may name; :func:`imagepolicy.engine.dockerfile_features` lists what a Dockerfile holds.
NEEDS_HELP = ("instruction keywords (\"LABEL\": an instruction of that keyword, ONBUILD's included) and commands "
              "a RUN runs (\"RUN apt-get\": a command of that base name, as imagepolicy.shellcmd.instruction_commands "
              "finds them, ONBUILD RUN included; \"RUN pip*\": any name starting with pip)")


@record(frozen=True, order=True)
class Edit:
    """Replace the Dockerfile text from (``line``, ``column``) up to (``end_line``, ``end_column``) with ``text``.

    Lines and columns are 1-based and count characters; the end is exclusive,
    so an insertion has its end equal to its start. Positions are in the text
    as the model read it (every line ending a newline). ``text`` may hold newlines.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    text: str = ""

    @classmethod
    def insert(cls, line: int, column: int, text: str) -> Edit:
        return cls(line, column, line, column, text)

    @classmethod
    def delete(cls, line: int, column: int, end_line: int, end_column: int) -> Edit:
        return cls(line, column, end_line, end_column, "")

    def problem(self) -> str | None:
        """What makes this edit malformed (not where it lands: the core checks that), or None."""
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (self.line, self.column, self.end_line, self.end_column)):
            return "line and column values must be integers"
        if self.line < 1 or self.column < 1:
            return f"position {self.line}:{self.column} is before the start of the file (lines and columns are 1-based)"
        if (self.end_line, self.end_column) < (self.line, self.column):
            return f"end {self.end_line}:{self.end_column} is before start {self.line}:{self.column}"
        if not isinstance(self.text, str):
            return "text must be a string"
        return None


@record(frozen=True)
class Fix:
    """An automatic fix: edits applied together, and whether that is safe.

    ``title`` says what the edits do, in the imperative (``add --no-cache-dir``).
    A *safe* fix keeps what the build does apart from the problem it fixes;
    an *unsafe* one may change more (which packages get installed, how a
    pipeline's status counts) and is applied only with ``--unsafe``:
    ``unsafe_because`` says what may change. Fixes of one run are applied in
    rounds; the edits of one fix must not overlap each other.
    """

    edits: tuple[Edit, ...]
    title: str
    safe: bool = True
    unsafe_because: str = ""

    def problem(self) -> str | None:
        """What makes this fix malformed, or None."""
        if not self.edits:
            return "a fix needs at least one edit"
        if not isinstance(self.title, str) or not self.title or "\n" in self.title:
            return "a fix needs a one-line title"
        for edit in self.edits:
            if not isinstance(edit, Edit):
                return f"{edit!r} is not an imagepolicy.model.Edit"
            problem = edit.problem()
            if problem:
                return problem
        ordered = sorted(self.edits)
        for first, second in zip(ordered, ordered[1:]):
            start = (second.line, second.column)
            if start < (first.end_line, first.end_column) or start == (first.line, first.column):
                return f"edits at {first.line}:{first.column} and {second.line}:{second.column} overlap"
        return None


@record(frozen=True)
class Violation:
    """What a rule's check yields: one problem at one place.

    ``message`` says what was found (with the offending value); ``fix`` says
    what to do instead. ``code`` is set only by rule families (such as
    ShellCheck) whose single rule reports several codes; ``severity`` overrides
    the rule's default for this one violation (ShellCheck's own levels, or a
    rule whose confidence varies, like IM003). A severity set in the config
    wins over both. ``autofix`` is the automatic fix, when the rule can
    make one (``imagepolicy fix`` applies it, then checks the file again).
    """

    message: str
    line: int | None = None
    end_line: int | None = None
    fix: str | None = None
    path_in_image: str | None = None
    code: str | None = None
    severity: Severity | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    autofix: Fix | None = None


CheckFunction = Callable[[Any, "RuleContext"], Iterable[Violation]]


@record(frozen=True)
class Rule:
    """A policy rule, declared by a plugin through ``imagepolicy_rules``.

    ``docs`` is Markdown with the sections *What it does*, *Why is this bad?*,
    *Example*, *Use instead* (and optionally *Options*, *References*).
    ``options`` is a JSON Schema (an ``object`` schema) for the rule's options
    in the config; the engine validates user options against it and fills in
    ``default`` values. A rule *family* (``code_pattern`` set) reports several
    codes matching the pattern, each Violation naming its own ``code``.

    ``needs`` says what a Dockerfile must hold for the rule to find anything
    (:data:`NEEDS_HELP`): when a Dockerfile holds none of it, the engine
    records the rule as run on that file without calling it, so a rule module
    whose subject is absent is not even imported. Leave it empty (the default)
    unless the check provably yields nothing, and raises nothing, without it.
    """

    code: str
    name: str
    severity: Severity
    target: str
    summary: str
    docs: str = ""
    aliases: tuple[str, ...] = ()
    options: Mapping[str, Any] | None = None
    check: CheckFunction | None = None
    code_pattern: str | None = None
    plugin: str = ""
    default_enabled: bool = True  # False: runs only when the config names it (hadolint's opt-in rules)
    autofix: str = ""  # one of AUTOFIX_KINDS: whether its violations carry automatic fixes, and how safe
    needs: tuple[str, ...] = ()  # see NEEDS_HELP: a Dockerfile without any of these gets no call

    def __post_init__(self) -> None:
        problems = []
        if self.autofix not in AUTOFIX_KINDS:
            problems.append(f"autofix {self.autofix!r} is not one of {', '.join(repr(k) for k in AUTOFIX_KINDS)}")
        if not _CODE_RE.match(self.code) and not (self.code_pattern and re.match(r"^[A-Z]{2,}$", self.code)):
            problems.append(f"code {self.code!r} is not a prefix of capitals followed by 3-4 digits")
        if not _NAME_RE.match(self.name):
            problems.append(f"name {self.name!r} is not kebab-case")
        if self.target not in TARGET_KINDS:
            problems.append(f"target {self.target!r} is not one of {', '.join(TARGET_KINDS)}")
        if not isinstance(self.severity, Severity):
            problems.append(f"severity {self.severity!r} is not a Severity")
        if not self.summary or "\n" in self.summary:
            problems.append("summary must be one non-empty line")
        bad = [n for n in self.needs if not isinstance(n, str) or not _NEED_RE.match(n)]
        if bad or not isinstance(self.needs, tuple):
            problems.append(f"needs {self.needs!r} is not a tuple of {NEEDS_HELP}")
        elif self.needs and self.target == "image":
            problems.append("needs applies to Dockerfiles: an image rule cannot declare it")
        if problems:
            raise ValueError(f"invalid rule {self.code}: " + "; ".join(problems))

    def matches(self, code: str) -> bool:
        """True when ``code`` (a code, name or alias) designates this rule."""
        if code in (self.code, self.name) or code in self.aliases:
            return True
        return bool(self.code_pattern and re.fullmatch(self.code_pattern, code))

    def default_options(self) -> dict[str, Any]:
        props = (self.options or {}).get("properties", {})
        return {k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v}


def rule(
    code: str,
    name: str,
    severity: str,
    target: str,
    summary: str,
    *,
    aliases: Iterable[str] = (),
    options: Mapping[str, Any] | None = None,
    code_pattern: str | None = None,
    default_enabled: bool = True,
    autofix: str = "",
    needs: Iterable[str] = (),
) -> Callable[[CheckFunction], Rule]:
    """Decorate a rule's check function; the module docstring becomes its docs.

    Put it right under the module docstring so code, name, severity, target,
    aliases and options read together, as in::

        @rule("PY001", "install-before-source", "error", "dockerfile", "...")
        def check(dockerfile, ctx): ...

    ``autofix`` declares the automatic fixes its violations carry: ``"safe"``,
    ``"unsafe"`` or ``"sometimes"`` (then the docs' ``## Fix`` section says when).
    """

    def decorate(func: CheckFunction) -> Rule:
        module = sys.modules.get(func.__module__)
        docs = (getattr(module, "__doc__", None) or func.__doc__ or "").strip()
        return Rule(
            code=code,
            name=name,
            severity=Severity.parse(severity),
            target=target,
            summary=summary,
            docs=docs,
            aliases=tuple(aliases),
            options=options,
            check=func,
            code_pattern=code_pattern,
            plugin=func.__module__,
            default_enabled=default_enabled,
            autofix=autofix,
            needs=tuple(needs),
        )

    return decorate


@record(frozen=True)
class RuleContext:
    """What a check receives besides its target: its options and the run's settings.

    ``options`` are the rule's own options (``rules: {CODE: {...}}``), defaults
    filled in; ``settings`` are the settings of the plugin that declared the rule
    (``settings: {SECTION: {...}}``, see :class:`Settings`), defaults filled in.
    """

    options: Mapping[str, Any]
    config: Any  # imagepolicy.config.Config
    context_dir: str | None = None
    dockerfile: Any = None  # the paired Dockerfile model when checking an image
    settings: Mapping[str, Any] = field(default_factory=dict)


_SECTION_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_OLD_KEY_RE = re.compile(r"^(?:[a-z][a-z0-9-]*|rules\.[A-Za-z0-9-]+\.[a-z][a-z0-9-]*)$")


@record(frozen=True)
class Option:
    """One plugin-level setting: its name, the JSON Schema of its value, default and description.

    ``moved_from`` lists the places the setting lived in older configs, as dotted
    paths: a top-level key (``trusted-registries``) or a rule option
    (``rules.DL3049.label-schema``). A config that still uses one keeps working:
    the value is read as this setting, with a deprecation note naming the file
    and the new key.
    """

    name: str
    schema: Mapping[str, Any]
    default: Any
    description: str
    moved_from: tuple[str, ...] = ()

    def json_schema(self) -> dict[str, Any]:
        return {**self.schema, "default": self.default, "description": self.description}


@record(frozen=True)
class Settings:
    """A plugin's settings section, declared through ``imagepolicy_settings``.

    Users set it in the config under ``settings: {<section>: {<option>: value}}``;
    each of the plugin's rules reads the values (defaults filled in) as
    ``ctx.settings``. The generated config schema has one object per section
    that rejects unknown keys. ``plugin`` is filled in by the plugin manager.
    """

    section: str
    description: str
    options: tuple[Option, ...] = ()
    plugin: str = ""

    def declared_by(self, plugin: str) -> Settings:
        return Settings(self.section, self.description, tuple(self.options), plugin)

    def defaults(self) -> dict[str, Any]:
        import copy

        return {o.name: copy.deepcopy(o.default) for o in self.options}

    def problem(self) -> str | None:
        """What is wrong with this declaration, or None."""
        if not isinstance(self.section, str) or not _SECTION_RE.match(self.section):
            return f"section {self.section!r} is not a kebab-case name"
        if not self.description or "\n" in self.description:
            return f"section {self.section!r} needs a one-line description"
        seen: set[str] = set()
        for option in self.options:
            if not isinstance(option, Option):
                return f"{option!r} is not an imagepolicy.model.Option"
            if not _NAME_RE.match(option.name) or option.name in seen:
                return f"option {option.name!r} of section {self.section!r} is not a unique kebab-case name"
            seen.add(option.name)
            if not option.description:
                return f"option {option.name!r} of section {self.section!r} has no description"
            for old in option.moved_from:
                if not _OLD_KEY_RE.match(old):
                    return f"option {option.name!r}: moved_from {old!r} is neither a top-level key nor rules.CODE.option"
        return self._schema_problem()

    def _schema_problem(self) -> str | None:
        """Each option's schema is a valid JSON Schema and its default matches it.

        jsonschema costs about 50 ms to import: a section found valid once is
        remembered in the cache (keyed by the schemas and defaults), so later runs
        skip it.
        """
        from . import cache

        store = cache.current()
        try:
            key = cache.digest(["settings", cache.FORMAT, [[o.name, o.schema, o.default] for o in self.options]])
        except (TypeError, ValueError):  # not JSON: check every time
            key = None
        if store is not None and key is not None and store.get("verdict", key) is True:
            return None
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        for option in self.options:
            try:
                Draft202012Validator.check_schema(dict(option.schema))
                valid = Draft202012Validator(dict(option.schema)).is_valid(option.default)
            except SchemaError as exc:
                return f"option {option.name!r} has an invalid schema: {exc.message}"
            if not valid:
                return f"option {option.name!r}: the default {option.default!r} does not match its own schema"
        if store is not None and key is not None:
            store.put("verdict", key, True)
        return None


@record(frozen=True)
class Finding:
    """One reported problem, as every report format sees it."""

    rule: str
    name: str
    severity: Severity
    message: str
    file: str | None
    line: int | None = None
    end_line: int | None = None
    path_in_image: str | None = None
    fix: str | None = None
    aliases: tuple[str, ...] = ()
    target: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    autofix: Fix | None = field(default=None, compare=False)

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, -int(self.severity), self.rule, self.path_in_image or "", self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "aliases": list(self.aliases),
            "severity": self.severity.label,
            "file": self.file,
            "line": self.line,
            "end_line": self.end_line,
            "path_in_image": self.path_in_image,
            "message": self.message,
            "fix": self.fix,
        }


SUPPRESSION_REASONS = {
    "baseline": "recorded in the baseline",
    "outside-change": "outside the lines the change touched",
}


@record(frozen=True)
class Suppressed:
    """A finding that is not reported, and why (a key of :data:`SUPPRESSION_REASONS`).

    ``baseline``: ``check --baseline`` found it in the baseline file;
    ``outside-change``: ``check --new-from-rev`` found it on no line the change
    added or modified. Formats that track results across runs (SARIF) still
    list them, marked as such; the others only count them.
    """

    finding: Finding
    reason: str


@record
class TargetResult:
    """Everything checked on one target (a Dockerfile or an image).

    ``rules`` lists the rules that ran on it (reports show a passing case for
    each rule without findings); ``errors`` holds input or internal errors,
    each a complete human sentence naming the file and the problem;
    ``suppressed`` holds the findings a baseline or ``--new-from-rev`` set aside.
    """

    target: str
    kind: str
    rules: list[Rule] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    # A Dockerfile's instructions as (first line, last line): --new-from-rev counts a change to any line of
    # the instruction a finding is on (rules report its first line).
    instruction_spans: list[tuple[int, int]] = field(default_factory=list)


@record
class Report:
    """The outcome of one ``imagepolicy check`` run, fed to every format."""

    tool_name: str
    tool_version: str
    results: list[TargetResult]
    threshold: Severity | None
    rules: Mapping[str, Rule] = field(default_factory=dict)
    # check --baseline FILE: the file, and its entries that no finding matched any more (fixed: line is None).
    baseline: str | None = None
    absent: list[Finding] = field(default_factory=list)
    # check --new-from-rev REF: what the change was compared with, e.g. "main (merge base 1a2b3c4d5e6f)".
    new_from_rev: str | None = None
    # Options of the formats, from the command line (e.g. {"junit-passing": "rule"}).
    format_options: Mapping[str, str] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    def suppressed_counts(self) -> dict[str, int]:
        """How many findings each reason set aside (only reasons that did)."""
        counts: dict[str, int] = {}
        for result in self.results:
            for item in result.suppressed:
                counts[item.reason] = counts.get(item.reason, 0) + 1
        return counts

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(r.target, e) for r in self.results for e in r.errors]

    def summary(self) -> dict[str, int]:
        counts = {label: 0 for label in SEVERITY_LABELS}
        for f in self.findings:
            counts[f.severity.label] += 1
        return counts

    def blocking(self) -> list[Finding]:
        if self.threshold is None:
            return []
        return [f for f in self.findings if f.severity >= self.threshold]


@record(frozen=True)
class ReportFormat:
    """An output format, declared through ``imagepolicy_report_formats``.

    ``render`` returns the whole document as text. ``color`` is passed to
    formats that can use it (only ``text`` does).
    """

    name: str
    description: str
    render: Callable[[Report, bool], str]
    extension: str = ""


class InputError(Exception):
    """A problem with the user's input (file, config, archive): exit code 2.

    The message names the file (and line or key) and says what to do.
    """
