"""Running the checks: targets in, one :class:`~imagepolicy.model.Report` out.

The engine knows no rule. It parses each target, runs every rule each plugin
declares (then the plugins' check and amend hooks, each call isolated), turns
violations into findings with the severity in force, applies inline pragmas,
BuildKit ``# check=skip=`` and the config's ``ignore`` list, and keeps going
when one target is broken: an input error is recorded on that target and every
other target is still checked. A target's ``rules`` lists only the rules whose
check completed on it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from dataclasses import field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from . import __version__
from .launch import startup_over
from .model import Finding, InputError, Report, Rule, RuleContext, Severity, TargetResult, Violation
from .pluginmanager import PluginManager, Registry, findings_owned
from .records import record

def display_path(path: Path | str) -> str:
    """A path relative to the working directory when it is below it, POSIX style."""
    p = Path(path)
    try:
        rel = p.resolve().relative_to(Path.cwd().resolve())
        return rel.as_posix()
    except ValueError:
        return p.as_posix()


@record
class CheckSession:
    """Per-target state handed to the check hooks (see ``hookspecs``)."""

    registry: Registry
    config: Any
    target: str
    kind: str
    context_dir: str | None = None
    dockerfile: Any = None
    errors: list[str] = field(default_factory=list)
    ran: dict[str, Rule] = field(default_factory=dict)
    debug: bool = False  # --debug: a crashing rule raises, so its traceback is shown
    holds: frozenset[str] | None = field(default=None, repr=False, compare=False)  # dockerfile_features, once

    def setting(self, rule: Rule, code: str | None = None):
        return self.config.setting(rule, code)

    def enabled(self, code: str) -> bool:
        rule = self.registry.rule(code)
        if rule is None:
            return False
        return self.setting(rule, code if code != rule.code else None).enabled

    def severity_for(self, rule: Rule, violation: Violation | None = None) -> Severity | None:
        """The severity in force, or None when the rule (or this code) is off."""
        code = violation.code if violation is not None and violation.code else None
        setting = self.setting(rule, code)
        if not setting.enabled:
            return None
        if setting.severity is not None:
            return setting.severity
        if violation is not None and violation.severity is not None:
            return violation.severity
        return rule.severity

    def finding(self, rule: Rule, violation: Violation, file: str | None = None) -> Finding | None:
        severity = self.severity_for(rule, violation)
        if severity is None:
            return None
        return Finding(
            rule=violation.code or rule.code,
            name=rule.name,
            severity=severity,
            message=violation.message,
            file=file if file is not None else self._file_for(violation),
            line=violation.line,
            end_line=violation.end_line if violation.end_line is not None else violation.line,
            path_in_image=violation.path_in_image,
            fix=violation.fix,
            aliases=rule.aliases,
            target=self.target,
            details=dict(violation.details),
            autofix=_declared_fix(rule, violation.autofix),
        )

    def _file_for(self, violation: Violation) -> str:
        """Dockerfile findings name the Dockerfile; image findings name the image,
        unless they carry a line, which is a line of the paired Dockerfile."""
        if self.dockerfile is not None and (self.kind == "dockerfile" or violation.line is not None):
            return self.dockerfile.path
        return self.target

    def _family_partly_on(self, rule: Rule) -> bool:
        """For a family that is off: is one of its concrete codes turned on in the config?"""
        if not rule.code_pattern:
            return False
        return any(
            code != rule.code and setting.enabled and re.fullmatch(rule.code_pattern, code)
            for code, setting in self.config.rules.items()
        )

    def run_declared(self, plugin: str, rules: Iterable[Rule], target: Any) -> list[Finding]:
        """Run each enabled rule of this target kind that ``plugin`` declares; a crashing rule becomes an error.

        A rule is recorded as run on this target only when its check completed.
        """
        findings: list[Finding] = []
        section = self.registry.settings_section(plugin)
        settings = self.config.plugin_settings(section.section) if section is not None else {}
        for rule in rules:
            if rule.target not in (self.kind, "any") or rule.check is None:
                continue
            setting = self.setting(rule)
            if not setting.enabled and not self._family_partly_on(rule):
                continue
            if rule.needs and self.kind == "dockerfile" and not self._holds_any(rule.needs, target):
                self.ran[rule.code] = rule  # it would have found nothing: run, without importing it
                continue
            ctx = RuleContext(options=setting.options, config=self.config, context_dir=self.context_dir,
                              dockerfile=self.dockerfile, settings=settings)
            try:
                for violation in rule.check(target, ctx):
                    finding = self.finding(rule, violation)
                    if finding is not None:
                        findings.append(finding)
            except InputError as exc:
                self.errors.append(str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others
                if self.debug:
                    raise
                self.errors.append(internal_error(f"rule {rule.code} ({rule.plugin}) of plugin {plugin!r}", exc))
                continue
            self.ran[rule.code] = rule
        return findings

    def _holds_any(self, needs: tuple[str, ...], dockerfile: Any) -> bool:
        """True when ``dockerfile`` holds one of a rule's ``needs`` (or what it holds cannot be told)."""
        if self.holds is None:
            try:
                self.holds = dockerfile_features(dockerfile)
            except Exception:  # noqa: BLE001 - a script the splitter refuses: every rule runs, and reports it
                self.holds = frozenset({"*"})
        if "*" in self.holds:
            return True
        for need in needs:
            if need in self.holds:
                return True
            if need.endswith("*") and any(have.startswith(need[:-1]) for have in self.holds):
                return True
        return False

    def reported_by_hook(self, plugin: str) -> None:
        """Record ``plugin``'s check-less rules of this target kind as run (its check hook returned)."""
        for rule in self.registry.declared.get(plugin, ()):
            if rule.check is None and rule.target in (self.kind, "any") and self.setting(rule).enabled:
                self.ran.setdefault(rule.code, rule)

    def run_rules(self, rules: Iterable[Rule], target: Any) -> list[Finding]:
        """Deprecated: the engine runs every rule a plugin declares; this returns no findings.

        Plugins written for imagepolicy 0.1 called it from their check hooks; the
        rules they pass are run by the engine already, so the call is a no-op (with a
        note). A rule that no plugin declares is refused: declare it through
        ``imagepolicy_rules`` so the config, the docs and the schema know it.
        """
        for rule in rules:
            if self.registry.plugin_of(rule) is None:
                raise InputError(
                    f"rule {rule.code} ({rule.plugin}) is run through session.run_rules() but no plugin declares it; "
                    "return it from the plugin's imagepolicy_rules hook (the engine then runs it)"
                )
            from .notes import note_once

            note_once(
                f"{rule.plugin.rsplit('.', 1)[0]} calls session.run_rules(), which is deprecated and does nothing: the "
                "engine runs every rule a plugin declares; remove the call (and the check hook if that is all it does)"
            )
        return []


def dockerfile_features(dockerfile: Any) -> frozenset[str]:
    """What a Dockerfile holds, in the terms of a rule's ``needs`` (:data:`imagepolicy.model.NEEDS_HELP`).

    The keyword of every instruction (and of every ONBUILD trigger), and ``"RUN <name>"`` for every
    command a RUN or ONBUILD RUN runs, named as :func:`imagepolicy.shellcmd.instruction_commands`
    names it (the rules read commands through the same function, so a command they see is here).
    This is the engine's one laziness device for rules: a rule whose ``needs`` the file does not
    hold is recorded as run without being called, and its module is not imported.
    """
    from .shellcmd import instruction_commands

    found: set[str] = set()
    instructions = list(dockerfile.instructions)
    for stage in dockerfile.stages:
        instructions.append(stage.from_instruction)
        instructions.extend(stage.instructions)
    for instr in instructions:
        found.add(instr.keyword)
        run = instr if instr.keyword == "RUN" else None
        if instr.onbuild is not None:
            found.add(instr.onbuild.keyword)
            run = instr.onbuild if instr.onbuild.keyword == "RUN" else run
        if run is not None:
            found.update("RUN " + command.name for command, _line in instruction_commands(run))
    return frozenset(found)


def _declared_fix(rule: Rule, fix: Any) -> Any:
    """``fix`` as the rule declared it: none unless ``autofix`` is declared; unsafe unless declared "safe" or "sometimes"."""
    if fix is None:
        return None
    from dataclasses import replace

    from .notes import note_once

    if not rule.autofix:
        note_once(f"rule {rule.code} ({rule.plugin}) returns automatic fixes but does not declare them "
                  "(rule(..., autofix=\"safe\"|\"unsafe\"|\"sometimes\")): they are ignored")
        return None
    if rule.autofix == "unsafe" and getattr(fix, "safe", False):
        note_once(f"rule {rule.code} ({rule.plugin}) declares its fixes unsafe but returns a safe one: it is taken as unsafe")
        return replace(fix, safe=False, unsafe_because=fix.unsafe_because or "the rule declares its fixes unsafe")
    return fix


def internal_error(what: str, exc: BaseException) -> str:
    import traceback

    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return f"internal error in {what}: {type(exc).__name__}: {exc}{at}; please report it (run with --debug for the traceback)"


@record
class CheckRequest:
    dockerfiles: Sequence[Path] = ()
    images: Sequence[str] = ()
    # The text to check for each Dockerfile instead of its file's (None: read the file), by position
    # in ``dockerfiles``; ``imagepolicy fix`` checks edited text this way before writing it.
    texts: Sequence[str | None] = ()
    context: Path | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    debug: bool = False
    image_sources: Any = None  # image.sources.SourceOptions: registry login, plain-HTTP registries


def run_checks(pm: PluginManager, registry: Registry, config: Any, request: CheckRequest) -> Report:
    results: list[TargetResult] = []
    texts = list(request.texts) + [None] * (len(request.dockerfiles) - len(request.texts))
    kept = _FileCache(pm, registry, config, request)
    parsed = [kept.parse(path, text) for path, text in zip(request.dockerfiles, texts)]
    ready = [df for _, df in parsed if df is not None]
    paired = ready[0] if len(request.dockerfiles) == 1 and ready else None
    if request.images:
        startup_over()  # images are read with the collector on
    # The paired image is read first: its /bin/sh decides how the Dockerfile's RUNs are checked.
    early = _image_shell(paired, request) if paired is not None and len(request.images) == 1 else None
    if ready:
        prepare_errors: list[str] = []
        list(pm.call_each("imagepolicy_prepare_dockerfiles", prepare_errors, request.debug, dockerfiles=ready, config=config))
        for result, df in parsed:
            if df is not None:
                result.errors.extend(prepare_errors)  # each file's check may miss the batch work
    for result, df in parsed:
        if df is not None:
            with kept.keeping(result):
                _check_dockerfile(pm, registry, config, result, df, request)
            startup_over()  # the rules' modules are imported by now
        else:
            kept.replay(result)
        results.append(result)
    startup_over()  # whatever happened above
    for image in request.images:
        results.append(_check_image(pm, registry, config, request, image, paired, early))
    for result in results:
        # A plugin whose declaration hooks failed is missing from every target's check.
        result.errors.extend(registry.errors)
    return Report(
        tool_name="imagepolicy",
        tool_version=__version__,
        results=results,
        threshold=config.failure_threshold,
        rules={r.code: r for r in registry.rules},
    )


class _FileCache:
    """Whole-file results from the persistent cache (:mod:`imagepolicy.resultcache`); inert without one."""

    def __init__(self, pm: PluginManager, registry: Registry, config: Any, request: CheckRequest) -> None:
        from . import cache

        self.files = None
        self.request = request
        self.keys: dict[int, str] = {}  # id(result) -> key, for results to store after their check
        self.notes: dict[int, str] = {}  # id(result) -> what its check printed on standard error
        if cache.current() is not None:
            from .resultcache import FileResults

            self.files = FileResults.start(pm, registry, config, request)

    def parse(self, path: Path, text: str | None = None) -> tuple[TargetResult, Any]:
        """``(result, Dockerfile model)`` as :func:`_parse_dockerfile`; a kept result comes with no model (nothing to check).

        A Dockerfile given as ``text`` (a fix round's, not the file's) is never taken from nor kept in the cache.
        """
        key = None
        if self.files is not None and str(path) != "-" and text is None:
            key = self.files.key(path, display_path(path), self.request.context)
            found = self.files.load(key) if key is not None else None
            if found is not None:
                result, notes = found
                self.notes[id(result)] = notes
                return result, None
        result, df = _parse_dockerfile(path, self.request, text)
        if key is not None and df is not None:
            self.keys[id(result)] = key
        return result, df

    def keeping(self, result: TargetResult) -> Any:
        """A context around a Dockerfile's check that stores its result afterwards, with its notes."""
        key = self.keys.pop(id(result), None)
        if key is None:
            return contextlib.nullcontext()
        return self._keep(key, result)

    @contextlib.contextmanager
    def _keep(self, key: str, result: TargetResult) -> Iterator[None]:
        from .resultcache import StderrTee

        saved = sys.stderr
        tee = sys.stderr = StderrTee(saved)
        try:
            yield
        finally:
            sys.stderr = saved
        if self.files is not None:
            self.files.save(key, result, tee.text())

    def replay(self, result: TargetResult) -> None:
        """Print again what a kept result's check printed on standard error."""
        notes = self.notes.pop(id(result), "")
        if notes:
            sys.stderr.write(notes)


def _run_plugins(pm: PluginManager, registry: Registry, session: CheckSession, target: Any, check_hook: str, arg: str) -> list[Finding]:
    """Every plugin's findings on one target: declared rules, then check hooks, then amendments."""
    by_plugin: dict[str, list[Finding]] = {}
    for plugin, rules in registry.declared.items():
        by_plugin[plugin] = session.run_declared(plugin, rules, target)
    for impl in pm.hook_impls(check_hook):
        plugin = impl.plugin_name
        ok, found = pm.call(impl, check_hook, session.errors, session.debug, **{arg: target, "session": session})
        if ok:
            by_plugin.setdefault(plugin, []).extend(
                findings_owned(registry, plugin, found, check_hook, session.errors, pm.describe(plugin))
            )
            session.reported_by_hook(plugin)
    hook = "imagepolicy_amended_findings"
    for impl in pm.hook_impls(hook):
        plugin = impl.plugin_name
        mine = by_plugin.get(plugin, [])
        ok, amended = pm.call(impl, hook, session.errors, session.debug, findings=list(mine), target=target, session=session)
        if ok and amended is not None:
            by_plugin[plugin] = findings_owned(registry, plugin, amended, hook, session.errors, pm.describe(plugin))
    return [finding for findings in by_plugin.values() for finding in findings]


def _parse_dockerfile(path: Path, request: CheckRequest, text: str | None = None):
    from .dockerfile import parse_dockerfile

    if text is not None:
        shown = "-" if str(path) == "-" else display_path(path)
        result = TargetResult(target=shown, kind="dockerfile")
        context = request.context if request.context is not None else (Path.cwd() if shown == "-" else path.resolve().parent)
        try:
            return result, parse_dockerfile(None if shown == "-" else path, text=text, context_dir=context,
                                            build_args=request.build_args, display_path=shown)
        except InputError as exc:
            result.errors.append(str(exc))
            return result, None
    if str(path) == "-":
        # Standard input, as hadolint reads it: the context is --context or the working directory.
        result = TargetResult(target="-", kind="dockerfile")
        try:
            text = sys.stdin.read()
        except (OSError, UnicodeDecodeError) as exc:
            result.errors.append(f"-: cannot read a Dockerfile from standard input: {exc}")
            return result, None
        try:
            return result, parse_dockerfile(None, text=text, context_dir=request.context or Path.cwd(), build_args=request.build_args, display_path="-")
        except InputError as exc:
            result.errors.append(str(exc))
            return result, None
    shown = display_path(path)
    result = TargetResult(target=shown, kind="dockerfile")
    context = request.context if request.context is not None else path.resolve().parent
    if path.exists() and not path.is_file():
        # A FIFO or device would block the read (or never end): refuse it up front.
        result.errors.append(f"{shown}: not a regular file; give a Dockerfile (a FIFO, socket or device cannot be checked)")
        return result, None
    try:
        _check_inputs_in_tree(path, shown, Path(context))
        return result, parse_dockerfile(path, context_dir=context, build_args=request.build_args, display_path=shown)
    except InputError as exc:
        result.errors.append(str(exc))
        return result, None


def _check_inputs_in_tree(path: Path, shown: str, context: Path) -> None:
    """The Dockerfile and the ignore files its build reads stay inside the checked tree (see imagepolicy.tree)."""
    from . import limits, tree

    tree.check_file(path, shown, "Dockerfile")
    for ignore in (Path(str(path) + ".dockerignore"), context / ".dockerignore"):
        if not os.path.lexists(ignore):
            continue
        tree.check_file(ignore, tree.display_path(ignore), "ignore file")
        if not ignore.is_file():
            continue
        cap = limits.get("ignore-file-bytes")
        with ignore.open("rb") as stream:
            data = stream.read(cap + 1)
        if len(data) > cap:
            raise limits.LimitExceeded("ignore-file-bytes", tree.display_path(ignore), f"more than {cap:,} bytes")
        patterns = sum(1 for line in data.splitlines() if line.strip() and not line.startswith(b"#"))
        if patterns > limits.get("ignore-patterns"):
            raise limits.LimitExceeded("ignore-patterns", tree.display_path(ignore), f"{patterns:,} patterns")
        break  # the Dockerfile's own ignore file wins; the context's is not read then


def _check_dockerfile(pm, registry, config, result: TargetResult, df, request: CheckRequest) -> None:
    context = df.context.root
    session = CheckSession(registry, config, result.target, "dockerfile", context_dir=str(context) if context else None, dockerfile=df, debug=request.debug)
    findings = _run_plugins(pm, registry, session, df, "imagepolicy_check_dockerfile", "dockerfile")
    result.findings = sorted(_filter_dockerfile(findings, df, config, registry), key=Finding.sort_key)
    result.rules = _rules_run(session)
    result.errors.extend(session.errors)
    result.instruction_spans = [(i.line, i.end_line) for i in df.instructions]


def _image_shell(dockerfile, request: CheckRequest) -> Any:
    """Open the one image paired with ``dockerfile`` and note its /bin/sh there; the image, or why it failed.

    A failure is returned for :func:`_check_image` to report (a daemon or registry is not asked twice).
    """
    from .shells import sh_in_image

    try:
        from .image.sources import open_target

        image = open_target(request.images[0], platform=request.platform, options=request.image_sources)
    except Exception as exc:  # noqa: BLE001 - reported by _check_image
        return exc
    try:
        dockerfile.image_sh = sh_in_image(image, dockerfile)
    except Exception:  # noqa: BLE001 - the Dockerfile's base image name still tells
        if request.debug:
            raise
    return image


def _check_image(pm, registry, config, request: CheckRequest, ref: str, dockerfile, image: Any = None) -> TargetResult:
    shown = display_path(ref) if Path(ref).exists() else ref
    result = TargetResult(target=shown, kind="image")
    if os.path.lexists(ref):
        from . import tree

        try:
            tree.check_image_path(ref, shown)
        except InputError as exc:
            result.errors.append(str(exc))
            return result
    try:
        from .image.sources import open_target
    except ImportError:  # pragma: no cover - the image reader ships with the package
        result.errors.append(f"{shown}: image checks are not available in this installation")
        return result
    try:
        if isinstance(image, BaseException):
            raise image  # opening it early (for its /bin/sh) failed: report that, without asking the source again
        image = image if image is not None else open_target(ref, platform=request.platform, options=request.image_sources, verify_later=True)
    except InputError as exc:
        result.errors.append(str(exc))
        return result
    except Exception as exc:  # noqa: BLE001
        if request.debug:
            raise
        result.errors.append(f"{shown}: cannot read image archive: {type(exc).__name__}: {exc}")
        return result
    context = request.context if request.context is not None else (Path(dockerfile.context.root) if dockerfile is not None and dockerfile.context.root else None)
    session = CheckSession(registry, config, shown, "image", context_dir=str(context) if context else None, dockerfile=dockerfile, debug=request.debug)
    try:
        findings = _run_plugins(pm, registry, session, image, "imagepolicy_check_image", "image")
    except Exception:
        if _digest_mismatch(image, result):
            return result  # what the rules raised on a layer that is not what its digest says does not count
        raise
    if _digest_mismatch(image, result):
        return result
    result.findings = sorted((f for f in findings if not _config_ignored(config, f)), key=Finding.sort_key)
    result.rules = _rules_run(session)
    result.errors.extend(session.errors)
    return result


def _digest_mismatch(image: Any, result: TargetResult) -> bool:
    """Wait for the image's layer hashes (the rules ran while the last ones were hashed); True, with the
    error noted, when a layer does not match its digest: nothing the rules found on it is reported."""
    try:
        image.verify()
    except InputError as exc:
        result.errors.append(str(exc))
        return True
    return False


def _rules_run(session: CheckSession) -> list[Rule]:
    """The rules that ran on the target (and completed): reports show a passing case for each without findings."""
    return sorted(session.ran.values(), key=lambda r: r.code)


def _designates(values: Iterable[str], finding: Finding, registry: Registry) -> bool:
    """True when a pragma/skip list names this finding's rule (code, name or alias)."""
    wanted = set(values) | {v.upper() for v in values} | {v.lower() for v in values}
    if "ALL" in wanted or "all" in wanted:
        return True
    names = {finding.rule, finding.rule.upper(), finding.name, *finding.aliases}
    rule = registry.rule(finding.rule)
    if rule is not None:
        names.update({rule.code, rule.name, *rule.aliases})
    return bool(names & wanted)


def _filter_dockerfile(findings: list[Finding], df, config, registry: Registry) -> list[Finding]:
    if not findings:
        return []
    spans = [(i.line, i.end_line, i.ignores) for i in df.instructions if i.ignores]
    global_ignores = df.global_ignores
    kept = []
    for finding in findings:
        if global_ignores and _designates(global_ignores, finding, registry):
            continue
        if finding.line is not None and any(start <= finding.line <= end and _designates(codes, finding, registry) for start, end, codes in spans):
            continue
        if df.check_skip and _designates(df.check_skip, finding, registry):
            continue
        if _config_ignored(config, finding):
            continue
        kept.append(finding)
    return kept


def _config_ignored(config, finding: Finding) -> bool:
    if not config.ignore or finding.file is None:
        return False
    base = Path(config.path).resolve().parent if config.path else Path.cwd()
    try:
        rel = Path(finding.file).resolve().relative_to(base).as_posix()
    except ValueError:
        rel = Path(finding.file).as_posix()
    codes = {finding.rule, finding.name, *finding.aliases}
    return any(config.is_ignored(rel, code) for code in codes)
