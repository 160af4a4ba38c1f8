"""Running the checks: targets in, one :class:`~imagepolicy.model.Report` out.

The engine knows no rule. It parses each target, calls the check hooks of every
plugin, turns violations into findings with the severity in force, applies
inline pragmas, BuildKit ``# check=skip=`` and the config's ``ignore`` list,
and keeps going when one target is broken: an input error is recorded on that
target and every other target is still checked.
"""

from __future__ import annotations

import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pluggy

from . import __version__
from .model import Finding, InputError, Report, Rule, RuleContext, Severity, TargetResult, Violation
from .pluginmanager import Registry

def display_path(path: Path | str) -> str:
    """A path relative to the working directory when it is below it, POSIX style."""
    p = Path(path)
    try:
        rel = p.resolve().relative_to(Path.cwd().resolve())
        return rel.as_posix()
    except ValueError:
        return p.as_posix()


@dataclass
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

    def run_rules(self, rules: Iterable[Rule], target: Any) -> list[Finding]:
        """Run each enabled rule of this target kind; a crashing rule becomes an error."""
        findings: list[Finding] = []
        for rule in rules:
            if rule.target not in (self.kind, "any") or rule.check is None:
                continue
            setting = self.setting(rule)
            if not setting.enabled and not self._family_partly_on(rule):
                continue
            self.ran[rule.code] = rule
            ctx = RuleContext(options=setting.options, config=self.config, context_dir=self.context_dir, dockerfile=self.dockerfile)
            try:
                for violation in rule.check(target, ctx):
                    finding = self.finding(rule, violation)
                    if finding is not None:
                        findings.append(finding)
            except InputError as exc:
                self.errors.append(str(exc))
            except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others
                if self.debug:
                    raise
                self.errors.append(internal_error(f"rule {rule.code} ({rule.plugin})", exc))
        return findings


def internal_error(what: str, exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return f"internal error in {what}: {type(exc).__name__}: {exc}{at}; please report it (run with --debug for the traceback)"


@dataclass
class CheckRequest:
    dockerfiles: Sequence[Path] = ()
    images: Sequence[str] = ()
    context: Path | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    platform: str | None = None
    debug: bool = False


def run_checks(pm: pluggy.PluginManager, registry: Registry, config: Any, request: CheckRequest) -> Report:
    results: list[TargetResult] = []
    parsed = [_parse_dockerfile(path, request) for path in request.dockerfiles]
    ready = [df for _, df in parsed if df is not None]
    if ready:
        try:
            pm.hook.imagepolicy_prepare_dockerfiles(dockerfiles=ready, config=config)
        except Exception as exc:  # noqa: BLE001 - the per-file hooks still run and report
            if request.debug:
                raise
            for result, df in parsed:
                if df is not None:
                    result.errors.append(internal_error("a prepare hook", exc))
    for result, df in parsed:
        if df is not None:
            _check_dockerfile(pm, registry, config, result, df, request)
        results.append(result)
    paired = ready[0] if len(request.dockerfiles) == 1 and ready else None
    for image in request.images:
        results.append(_check_image(pm, registry, config, request, image, paired))
    return Report(
        tool_name="imagepolicy",
        tool_version=__version__,
        results=results,
        threshold=config.failure_threshold,
        rules={r.code: r for r in registry.rules},
    )


def _parse_dockerfile(path: Path, request: CheckRequest):
    from .dockerfile import parse_dockerfile

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
        return result, parse_dockerfile(path, context_dir=context, build_args=request.build_args, display_path=shown)
    except InputError as exc:
        result.errors.append(str(exc))
        return result, None


def _check_dockerfile(pm, registry, config, result: TargetResult, df, request: CheckRequest) -> None:
    context = df.context.root
    session = CheckSession(registry, config, result.target, "dockerfile", context_dir=str(context) if context else None, dockerfile=df, debug=request.debug)
    findings: list[Finding] = []
    try:
        for batch in pm.hook.imagepolicy_check_dockerfile(dockerfile=df, session=session):
            findings.extend(batch or [])
    except Exception as exc:  # noqa: BLE001
        if request.debug:
            raise
        session.errors.append(internal_error("a Dockerfile check hook", exc))
    result.findings = sorted(_filter_dockerfile(findings, df, config, registry), key=Finding.sort_key)
    result.rules = _rules_run(session, registry, "dockerfile")
    result.errors.extend(session.errors)


def _check_image(pm, registry, config, request: CheckRequest, ref: str, dockerfile) -> TargetResult:
    shown = display_path(ref) if Path(ref).exists() else ref
    result = TargetResult(target=shown, kind="image")
    try:
        from .image import open_image
    except ImportError:  # pragma: no cover - the image reader ships with the package
        result.errors.append(f"{shown}: image checks are not available in this installation")
        return result
    try:
        image = open_image(ref, platform=request.platform)
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
    findings: list[Finding] = []
    try:
        for batch in pm.hook.imagepolicy_check_image(image=image, session=session):
            findings.extend(batch or [])
    except Exception as exc:  # noqa: BLE001
        if request.debug:
            raise
        session.errors.append(internal_error("an image check hook", exc))
    result.findings = sorted((f for f in findings if not _config_ignored(config, f)), key=Finding.sort_key)
    result.rules = _rules_run(session, registry, "image")
    result.errors.extend(session.errors)
    return result


def _rules_run(session: CheckSession, registry: Registry, kind: str) -> list[Rule]:
    rules = dict(session.ran)
    for rule in registry.rules:
        if rule.target in (kind, "any") and session.setting(rule).enabled:
            rules.setdefault(rule.code, rule)
    return sorted(rules.values(), key=lambda r: r.code)


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
