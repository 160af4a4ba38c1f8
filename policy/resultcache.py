"""Whole-file results kept between runs: a Dockerfile checked before with the same inputs is not checked again.

A result is stored under a key made of everything it depends on:

* the installed code: imagepolicy's version and files, every plugin's distribution,
  version and files, every installed distribution's version, the interpreter
  (:func:`imagepolicy.installed.identity`), and what each plugin's
  ``imagepolicy_cache_key`` hook adds (ShellCheck's version);
* the resolved config (rule settings and options, ignore entries, plugin settings)
  and the config file's folder, the input limits in force, the build arguments,
  the working folder;
* the Dockerfile's path as shown and its bytes, its ``<Dockerfile>.dockerignore``,
  and the whole build context (:func:`imagepolicy.inputs.context_digest`).

When any part cannot be had, nothing is cached for that file. Nothing is cached
either for a run that pairs an image, reads standard input, loads a plugin module
listed in the config (no version to key it by), runs with ``--debug``, or where a
plugin failed; nor a result holding an error, or a finding the cache cannot hold
exactly. What a check printed on standard error (a note) is kept with its result
and printed again when the result is used.
"""

from __future__ import annotations

import os
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import cache, inputs
from .model import Edit, Finding, Fix, Severity, TargetResult

_FINDING_FIELDS = tuple(f.name for f in fields(Finding))


class FileResults:
    """The ``file`` entries of one run: keys, lookups and stores."""

    def __init__(self, store: cache.Cache, base: str, registry: Any) -> None:
        self.store = store
        self.base = base
        self.rules = {rule.code: rule for rule in registry.rules}  # a kept result names its rules by code

    @classmethod
    def start(cls, pm: Any, registry: Any, config: Any, request: Any) -> FileResults | None:
        """The file results of this run, or None when its results must not be cached."""
        store = cache.current()
        if store is None or request.images or request.debug or registry.errors or getattr(config, "plugins", ()):
            return None
        try:
            base = cache.digest([
                "file", cache.FORMAT, _installed(), _plugin_keys(pm), _config_part(config),
                _limits(), dict(request.build_args), str(request.context) if request.context else None,
                os.getcwd(), sys.platform,
            ])
        except (TypeError, ValueError, OSError):
            return None
        return cls(store, base, registry)

    def key(self, path: Path, shown: str, context: Path | None) -> str | None:
        """The key of one Dockerfile's result, None when it cannot be had (the file is then checked afresh)."""
        if str(path) == "-" or not path.is_file():
            return None
        real = os.path.realpath(path)
        content = inputs.file_digest(real)
        ignore = inputs.file_digest(str(path) + ".dockerignore")
        root = str(context) if context is not None else os.path.dirname(real)
        tree = inputs.context_digest(root)
        if None in (content, ignore, tree):
            return None
        return cache.digest([self.base, shown, real, content, ignore, os.path.realpath(root), tree])

    def load(self, key: str) -> tuple[TargetResult, str] | None:
        """The stored result and what its check printed on standard error, or None."""
        entry = self.store.get("file", key)
        try:
            return _result(entry, self.rules)
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, key: str, result: TargetResult, stderr: str) -> bool:
        """Store a result without errors, when the cache holds it exactly."""
        if result.errors or result.suppressed:
            return False
        entry = {
            "target": result.target,
            "kind": result.kind,
            "rules": [rule.code for rule in result.rules],
            "findings": [_finding_json(f) for f in result.findings],
            "spans": [list(span) for span in result.instruction_spans],
            "stderr": stderr,
        }
        try:
            again = _result(entry, self.rules)
        except (KeyError, TypeError, ValueError):
            again = None
        if (again is None or again[0].findings != result.findings or [r.code for r in again[0].rules] != entry["rules"]
                or [f.autofix for f in again[0].findings] != [f.autofix for f in result.findings]):
            return False  # something JSON does not hold as it is (a tuple in details): never cached
        return self.store.put("file", key, entry)


def _installed() -> str:
    from .installed import identity

    return identity()


def _plugin_keys(pm: Any) -> list:
    """What each plugin's ``imagepolicy_cache_key`` adds; a crash is a note and no caching (ValueError)."""
    errors: list[str] = []
    keys = [[plugin, value] for plugin, value in pm.call_each("imagepolicy_cache_key", errors)]
    if errors:
        from .notes import note_once

        for message in errors:
            note_once(f"{message} (results are not cached)")
        raise ValueError("a plugin's imagepolicy_cache_key failed")
    for _, value in keys:
        if value is not None and not isinstance(value, str):
            raise ValueError("imagepolicy_cache_key returned something else than a string")
    return keys


def _config_part(config: Any) -> list:
    return [
        str(config.path) if config.path else None,
        {code: [s.enabled, s.severity.label if s.severity else None, s.options] for code, s in sorted(config.rules.items())},
        [[list(e.paths), list(e.rules)] for e in config.ignore],
        config.settings,
        list(config.extends),
    ]


def _limits() -> dict[str, int]:
    from . import limits

    return {name: limits.get(name) for name in sorted(limits.LIMITS)}


def _finding_json(finding: Finding) -> dict:
    data = {name: getattr(finding, name) for name in _FINDING_FIELDS}
    data["severity"] = finding.severity.label
    data["aliases"] = list(finding.aliases)
    data["details"] = dict(finding.details)
    fix = finding.autofix
    if fix is not None:
        data["autofix"] = {"edits": [[e.line, e.column, e.end_line, e.end_column, e.text] for e in fix.edits],
                           "title": fix.title, "safe": fix.safe, "unsafe_because": fix.unsafe_because}
    return data


def _autofix(data: Any) -> Fix | None:
    if data is None:
        return None
    edits = tuple(Edit(*row) for row in data["edits"])
    fix = Fix(edits, data["title"], data["safe"], data["unsafe_because"])
    if fix.problem() is not None or not isinstance(fix.safe, bool) or not isinstance(fix.unsafe_because, str):
        raise ValueError("not a fix")
    return fix


def _result(entry: Any, by_code: dict[str, Any]) -> tuple[TargetResult, str] | None:
    """A TargetResult from a stored entry; None (or an exception) when it is not one."""
    if not isinstance(entry, dict):
        return None
    rules = []
    for code in entry["rules"]:
        rule = by_code.get(code) if isinstance(code, str) else None
        if rule is None:
            return None
        rules.append(rule)
    findings = []
    for item in entry["findings"]:
        if not isinstance(item, dict) or set(item) != set(_FINDING_FIELDS):
            return None
        values = dict(item)
        values["severity"] = Severity.parse(item["severity"])
        if not isinstance(item["aliases"], list) or not isinstance(item["details"], dict):
            return None
        values["aliases"] = tuple(item["aliases"])
        values["autofix"] = _autofix(item["autofix"])
        for name in ("rule", "name", "message", "target"):
            if not isinstance(values[name], str):
                return None
        for name in ("file", "path_in_image", "fix"):
            if values[name] is not None and not isinstance(values[name], str):
                return None
        for name in ("line", "end_line"):
            if values[name] is not None and (not isinstance(values[name], int) or isinstance(values[name], bool)):
                return None
        findings.append(Finding(**values))
    spans = [(int(a), int(b)) for a, b in entry["spans"]]
    if not isinstance(entry["target"], str) or entry["kind"] != "dockerfile" or not isinstance(entry["stderr"], str):
        return None
    result = TargetResult(target=entry["target"], kind="dockerfile", rules=rules, findings=findings, instruction_spans=spans)
    return result, entry["stderr"]


class StderrTee:
    """Standard error that also keeps what is written, to store a check's notes with its result."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def text(self) -> str:
        return "".join(self.parts)
