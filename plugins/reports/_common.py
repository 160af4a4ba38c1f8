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

import re
from typing import Iterable

from imagepolicy.fingerprint import FINGERPRINT_KEY, fingerprints, normalise_message, relative_posix, resolve
from imagepolicy.fingerprint import error_fingerprints as _error_fingerprints
from imagepolicy.model import Finding, Report, Rule, Severity
from imagepolicy.records import record

__all__ = ["FINGERPRINT_KEY", "Located", "error_fingerprints", "find_rule", "locate", "locate_all",
           "error_line", "most_severe_first", "normalise_message", "plural", "relative_posix", "rules_that_ran",
           "show_controls", "strip_controls"]

# C0 controls except \t \n \r, DEL and the C1 controls.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ALL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


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


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"


@record(frozen=True)
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
    suppressed: str | None = None  # why it is not reported (a key of SUPPRESSION_REASONS), None when it is

    @property
    def is_image(self) -> bool:
        return self.image is not None

    @property
    def path(self) -> str:
        """The file a CI annotation points at: the source file, else the image, else the target."""
        return self.file or self.image or self.target


def locate_all(report: Report) -> list[Located]:
    """Every finding of ``report``, the suppressed ones included (``suppressed`` says why).

    Grouped per target in report order, sorted by position within a target;
    fingerprints come from :mod:`imagepolicy.fingerprint` (stable across runs
    and line shifts, unique in the report).
    """
    groups = []
    for result in report.results:
        items = [(f, None) for f in result.findings] + [(s.finding, s.reason) for s in result.suppressed]
        items.sort(key=lambda pair: pair[0].sort_key())
        groups.append((result, items))
    prints = fingerprints((r.target, r.kind, [f for f, _ in items]) for r, items in groups)
    located = []
    for group, ((result, items), digests) in enumerate(zip(groups, prints)):
        for (finding, reason), digest in zip(items, digests):
            image, file, line, end_line = resolve(finding, result.target, result.kind)
            located.append(Located(finding, result.target, result.kind, image, file, line, end_line, digest, group,
                                   reason))
    return located


def locate(report: Report) -> list[Located]:
    """The reported findings of ``report`` (see :func:`locate_all`)."""
    return [item for item in locate_all(report) if item.suppressed is None]


def error_fingerprints(report: Report) -> list[str]:
    """A stable, unique fingerprint for each input error of ``report.errors``, in order."""
    return _error_fingerprints(report.errors)


def error_line(target: str, message: str) -> int | None:
    """The line an input error names, when it starts with ``<target>:<N>:`` or ``<target>: line N``."""
    for pattern in (rf"{re.escape(target)}:(\d+):", rf"{re.escape(target)}: line (\d+)\b"):
        match = re.match(pattern, message)
        if match and int(match[1]) >= 1:
            return int(match[1])
    return None


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
