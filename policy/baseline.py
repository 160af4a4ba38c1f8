"""The baseline: today's findings, recorded so that a check reports only new ones.

``imagepolicy baseline --output FILE`` records every finding of a run by its
fingerprint (:mod:`imagepolicy.fingerprint`: rule, file, path in the image,
message without line numbers, occurrence index), so the baseline survives lines
moving. ``imagepolicy check --baseline FILE`` then sets aside each finding whose
fingerprint is in the file, reports the others, and lists the entries no
finding matched any more as *absent* (fixed).

The file is JSON (schema ``schemas/baseline.schema.json``), written in a stable
order (by file, rule, message, fingerprint) with line numbers left out, so
recording it again after unrelated edits gives no diff::

    {
      "version": 1,
      "tool": "imagepolicy",
      "fingerprint": "imagepolicy/v1",
      "findings": [
        {"file": "Dockerfile", "rule": "DL3008", "severity": "warning",
         "message": "...", "fingerprint": "<64 hex digits>"}
      ]
    }

Matching:

* *Duplicates*: the same finding twice in a file has two fingerprints (occurrence
  0 and 1). When a third copy appears, the one last in the file is the new one.
* *Renamed files*: a finding in a file the baseline does not know is matched by
  rule, path in the image and message against the entries of files that no
  longer exist (``git mv Dockerfile docker/Dockerfile`` keeps its baseline).
* *Absent*: an unmatched entry is reported as absent (fixed) only when its
  target was checked in this run without an input error; entries of files the
  run did not look at are left alone.
* A new imagepolicy that rewords a message changes that finding's fingerprint:
  record the baseline again after an upgrade that says so.

Input errors are never baselined: a Dockerfile that cannot be checked always
fails the run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fingerprint import FINGERPRINT_KEY, fingerprints, image_identity, normalise_message, relative_posix, resolve
from .model import Finding, InputError, Report, Severity, Suppressed

FORMAT_VERSION = 1
TOOL = "imagepolicy"


@dataclass(frozen=True)
class Entry:
    """One recorded finding."""

    file: str
    rule: str
    severity: str
    message: str
    fingerprint: str
    image: str | None = None
    path_in_image: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file}
        if self.image is not None:
            out["image"] = self.image
        if self.path_in_image is not None:
            out["path_in_image"] = self.path_in_image
        out.update(rule=self.rule, severity=self.severity, message=self.message, fingerprint=self.fingerprint)
        return out

    def sort_key(self) -> tuple:
        return (self.file, self.rule, self.path_in_image or "", self.message, self.fingerprint)


def _entries(report: Report) -> list[tuple[Entry, int, int]]:
    """An entry for each reported finding of ``report``, with its (result index, finding index)."""
    groups = [(r.target, r.kind, r.findings) for r in report.results]
    out = []
    for group, (result, prints) in enumerate(zip(report.results, fingerprints(groups))):
        for index, (finding, digest) in enumerate(zip(result.findings, prints)):
            image, file, _, _ = resolve(finding, result.target, result.kind)
            path = file or image or result.target
            out.append((Entry(
                file=relative_posix(path),
                rule=finding.rule,
                severity=finding.severity.label,
                message=normalise_message(finding.message),
                fingerprint=digest,
                image=relative_posix(image) if image else None,
                path_in_image=finding.path_in_image or None,
            ), group, index))
    return out


def render(report: Report) -> str:
    """The baseline file recording every reported finding of ``report`` (see the module docstring)."""
    entries = sorted({entry.fingerprint: entry for entry, _, _ in _entries(report)}.values(), key=Entry.sort_key)
    document = {
        "version": FORMAT_VERSION,
        "tool": TOOL,
        "fingerprint": FINGERPRINT_KEY,
        "findings": [entry.as_dict() for entry in entries],
    }
    return json.dumps(document, indent=2) + "\n"


# --- reading ----------------------------------------------------------------------------


def _schema() -> dict[str, Any]:
    from importlib import resources

    return json.loads(resources.files("imagepolicy.schemas").joinpath("baseline.schema.json").read_text(encoding="utf-8"))


def load(path: str) -> list[Entry]:
    """The entries of the baseline file at ``path``; a missing or malformed file is an InputError (exit 2)."""
    from . import limits

    again = f"record it again with `imagepolicy baseline --output {path}`"
    file = Path(path)
    if file.is_dir():
        raise InputError(f"{path}: is a folder; --baseline takes the file `imagepolicy baseline --output FILE` wrote")
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: baseline file not found; create it with `imagepolicy baseline --output {path}`") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    if size > limits.get("baseline-bytes"):
        raise limits.LimitExceeded("baseline-bytes", path, f"{size:,} bytes")
    try:
        with open(file, "rb") as stream:
            data = stream.read(limits.get("baseline-bytes") + 1)
        text = data.decode("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: the baseline is not UTF-8 text (byte {exc.start}); {again}") from None
    if len(data) > limits.get("baseline-bytes"):
        raise limits.LimitExceeded("baseline-bytes", path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: the baseline is not valid JSON ({exc.msg} at column {exc.colno}); {again}") from None
    except RecursionError:
        raise InputError(f"{path}: the baseline is nested too deeply to be one imagepolicy wrote; {again}") from None
    if isinstance(document, dict):
        version = document.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            raise InputError(f"{path}: baseline format version {version} is newer than this imagepolicy reads "
                             f"({FORMAT_VERSION}); upgrade imagepolicy or {again}")
        key = document.get("fingerprint")
        if isinstance(key, str) and key != FINGERPRINT_KEY and document.get("tool") == TOOL:
            raise InputError(f"{path}: the baseline holds {key} fingerprints but this imagepolicy computes "
                             f"{FINGERPRINT_KEY}; {again}")
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(_schema()).iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        message = error.message if len(error.message) <= 200 else error.message[:200] + "..."
        raise InputError(f"{path}: {where}: {message}; not a baseline imagepolicy wrote: {again}")
    return [Entry(file=item["file"], rule=item["rule"], severity=item["severity"], message=item["message"],
                  fingerprint=item["fingerprint"], image=item.get("image"), path_in_image=item.get("path_in_image"))
            for item in document["findings"]]


# --- applying ---------------------------------------------------------------------------


def apply(report: Report, entries: list[Entry], shown: str) -> None:
    """Set aside the findings of ``report`` that ``entries`` record; list the unmatched entries as absent."""
    report.baseline = shown
    remaining = {entry.fingerprint: entry for entry in entries}
    known_files = {entry.file for entry in entries}
    found = _entries(report)
    matched: set[tuple[int, int]] = set()
    for entry, group, index in found:
        if remaining.pop(entry.fingerprint, None) is not None:
            matched.add((group, index))
    # Renamed files: entries of files that are gone may be claimed by findings in files the baseline does not know.
    vanished: dict[tuple[str, str, str], list[Entry]] = {}
    for entry in sorted(remaining.values(), key=Entry.sort_key):
        if not os.path.lexists(entry.file):
            vanished.setdefault((entry.rule, entry.path_in_image or "", entry.message), []).append(entry)
    if vanished:
        for entry, group, index in found:
            if (group, index) in matched or entry.file in known_files:
                continue
            pool = vanished.get((entry.rule, entry.path_in_image or "", entry.message))
            if pool:
                del remaining[pool.pop(0).fingerprint]
                matched.add((group, index))
    for group, result in enumerate(report.results):
        kept = []
        for index, finding in enumerate(result.findings):
            if (group, index) in matched:
                result.suppressed.append(Suppressed(finding, "baseline"))
            else:
                kept.append(finding)
        result.findings = kept
    checked = {image_identity(r.target) for r in report.results if not r.errors and r.target != "-"}
    report.absent = [
        Finding(rule=entry.rule, name=_rule_name(report, entry.rule), severity=Severity.parse(entry.severity),
                message=entry.message, file=entry.file, path_in_image=entry.path_in_image,
                target=entry.image or entry.file, details={"fingerprint": entry.fingerprint})
        for entry in sorted(remaining.values(), key=Entry.sort_key)
        if image_identity(entry.image or entry.file) in checked
    ]


def _rule_name(report: Report, code: str) -> str:
    for rule in report.rules.values():
        if rule.matches(code):
            return rule.name
    return "unknown-rule"
