"""What every report format shares: where a finding points, fingerprints, text hygiene.

Each format module renders one :class:`imagepolicy.model.Report`; the location
rules live here once so that every format points at the same place:

* a *Dockerfile finding* points at ``file:line``;
* an *image finding* (its target is an image, or it names a ``path_in_image``)
  points at the image archive or layout and the path inside the image; when
  the engine attributed it to a Dockerfile instruction (``file`` is not the
  image and ``line`` is set) formats that can show a source line use that.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Iterable

from imagepolicy.model import Finding, Report, Rule, Severity

# C0 controls except \t \n \r, DEL and the C1 controls.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ALL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# "line 7", "lines 3-5", "line 3 and 9": line references vanish from fingerprints.
_LINE_REF_RE = re.compile(r"\b(lines?)\s+\d+(?:\s*(?:-|–|to|and|,)\s*\d+)*", re.IGNORECASE)

FINGERPRINT_KEY = "imagepolicy/v1"


def strip_controls(text: str) -> str:
    """Remove control characters (keeping tab, newline and carriage return) and lone surrogates."""
    return _SURROGATE_RE.sub("\ufffd", _CONTROL_RE.sub("", text))


def show_controls(text: str) -> str:
    """Make control characters visible (``\\x1b``) so a terminal never interprets them.

    Tab and newline stay as they are; carriage return is shown too, since it
    could overwrite what was printed before it on the line.
    """

    def escape(match: re.Match[str]) -> str:
        return f"\\x{ord(match.group()):02x}"

    return _SURROGATE_RE.sub("\ufffd", _CONTROL_ALL_RE.sub(escape, text.replace("\r\n", "\n")))


def relative_posix(path: str) -> str:
    """``path`` as a POSIX path, relative to the working directory when it lies under it."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            rel = path
        if not rel.startswith(".."):
            path = rel
    return PurePath(path).as_posix()


def normalise_message(message: str) -> str:
    """The message without line references and with whitespace collapsed."""
    return " ".join(_LINE_REF_RE.sub(r"\1 N", message).split())


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"


@dataclass(frozen=True)
class Located:
    """A finding with the place it points at, resolved once for every format.

    ``file``/``line``/``end_line`` are the source position (a Dockerfile) when
    known; ``image`` is the image archive or layout for image findings. An
    image finding may have a ``line`` but no ``file`` (the engine did not name
    the paired Dockerfile): formats show it as text but never as a position.
    ``fingerprint`` is stable across runs and line shifts and unique in the report.
    """

    finding: Finding
    target: str
    kind: str
    image: str | None
    file: str | None
    line: int | None
    end_line: int | None
    fingerprint: str
    group: int = 0

    @property
    def is_image(self) -> bool:
        return self.image is not None

    @property
    def path(self) -> str:
        """The file a CI annotation points at: the source file, else the image, else the target."""
        return self.file or self.image or self.target


def _resolve(finding: Finding, target: str, kind: str) -> tuple[str | None, str | None, int | None, int | None]:
    """(image, file, line, end_line) for one finding of a target of ``kind``."""
    if kind != "image" and finding.path_in_image is None:
        return None, finding.file or target, finding.line, finding.end_line
    image = target if kind == "image" else (finding.file or target)
    if finding.file and finding.file != image and finding.line is not None:
        return image, finding.file, finding.line, finding.end_line
    # A line without a Dockerfile path: kept for people to read, never used as a position in the archive.
    return image, None, finding.line, finding.end_line


def _fingerprint_base(finding: Finding, image: str | None, file: str | None) -> str:
    parts = [
        finding.rule,
        relative_posix(file) if file else "",
        relative_posix(image) if image else "",
        finding.path_in_image or "",
        normalise_message(finding.message),
    ]
    return "\x00".join(parts)


def locate(report: Report) -> list[Located]:
    """Every finding of ``report``, grouped per target in report order, sorted within a target.

    Fingerprints: sha256 of rule, file, image, path in image, the message
    without line numbers and the occurrence index of that combination (in
    source order), so a uniform line shift keeps them and duplicates differ.
    """
    seen: dict[str, int] = {}
    located = []
    for group, result in enumerate(report.results):
        for finding in sorted(result.findings, key=Finding.sort_key):
            image, file, line, end_line = _resolve(finding, result.target, result.kind)
            base = _fingerprint_base(finding, image, file)
            index = seen.get(base, 0)
            seen[base] = index + 1
            digest = hashlib.sha256(f"{base}\x00{index}".encode("utf-8", "surrogatepass")).hexdigest()
            located.append(Located(finding, result.target, result.kind, image, file, line, end_line, digest, group))
    return located


def error_fingerprints(report: Report) -> list[str]:
    """A stable, unique fingerprint for each input error of ``report.errors``, in order."""
    seen: dict[str, int] = {}
    prints = []
    for target, message in report.errors:
        base = "\x00".join(["input-error", relative_posix(target), normalise_message(message)])
        index = seen.get(base, 0)
        seen[base] = index + 1
        prints.append(hashlib.sha256(f"{base}\x00{index}".encode("utf-8", "surrogatepass")).hexdigest())
    return prints


def rules_that_ran(report: Report) -> list[Rule]:
    """Every rule that ran on some target, first appearance first, once per code."""
    seen: dict[str, Rule] = {}
    for result in report.results:
        for rule in result.rules:
            seen.setdefault(rule.code, rule)
    return list(seen.values())


def find_rule(report: Report, code: str, candidates: Iterable[Rule] = ()) -> Rule | None:
    """The rule that reported ``code``: an exact code first, then a family whose pattern matches."""
    pool = [*candidates, *report.rules.values()]
    for rule in pool:
        if rule.code == code:
            return rule
    if code in report.rules:
        return report.rules[code]
    for rule in pool:
        if rule.code_pattern and re.fullmatch(rule.code_pattern, code):
            return rule
    return None


def most_severe_first(located: Iterable[Located]) -> list[Located]:
    """Findings sorted by severity (errors first), then by position (stable)."""
    return sorted(located, key=lambda item: -int(item.finding.severity))


SEVERITIES_DESC = tuple(sorted(Severity, reverse=True))
