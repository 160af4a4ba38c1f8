"""One fingerprint per finding, shared by the baseline and every report format.

A fingerprint names a finding across runs: it must not change when lines move,
and it must tell apart two identical findings in one file. It is the SHA-256 of

* the rule code,
* the source file (relative POSIX path) and, for image findings, the image
  (an image of the daemon or a registry by its name without tag or digest),
* the path inside the image,
* the message with line references (``line 7``, ``lines 3-5``) and runs of
  whitespace normalised,
* the occurrence index of that combination, counted in source order.

So a line shift keeps it, a reworded message or a renamed file changes it, and
the second of two identical findings in a file gets its own. The key
:data:`FINGERPRINT_KEY` is versioned: a change to this recipe gets a new key.

The index is counted over *every* finding of a target, those a baseline or
``--new-from-rev`` then sets aside included, so a finding's fingerprint is the
same whether or not others are reported next to it.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePath
from typing import Iterable, Sequence

from .cache import sha256
from .model import Finding

FINGERPRINT_KEY = "imagepolicy/v1"

# "line 7", "lines 3-5", "line 3 and 9": line references vanish from fingerprints.
_LINE_REF_RE = re.compile(r"\b(lines?)\s+\d+(?:\s*(?:-|–|to|and|,)\s*\d+)*", re.IGNORECASE)


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


def resolve(finding: Finding, target: str, kind: str) -> tuple[str | None, str | None, int | None, int | None]:
    """Where a finding of a target of ``kind`` points: (image, file, line, end_line).

    A Dockerfile finding points at its file and line. An image finding (its
    target is an image, or it names a ``path_in_image``) points at the image;
    when the engine tied it to a Dockerfile instruction (``file`` is not the
    image and ``line`` is set) it points at that Dockerfile line as well.
    A line without a Dockerfile path names no file: ``file`` is then None.
    """
    if kind != "image" and finding.path_in_image is None:
        return None, finding.file or target, finding.line, finding.end_line
    image = target if kind == "image" else (finding.file or target)
    if finding.file and finding.file != image and finding.line is not None:
        return image, finding.file, finding.line, finding.end_line
    return image, None, finding.line, finding.end_line


def image_identity(image: str) -> str:
    """The image as a fingerprint names it: an archive or layout by its path (:func:`relative_posix`), an
    image of the Docker daemon or a registry by its name without the tag or digest, since a pipeline
    tags each build anew (``docker://$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA``)."""
    from .image.reference import parse_target
    from .model import InputError

    try:
        target = parse_target(image)
    except InputError:
        return relative_posix(image)
    if target.kind == "registry":
        return f"docker://{target.registry}/{target.repository}"
    if target.kind == "daemon":
        name = re.sub(r"@[^/]*$", "", target.name)
        return "docker-daemon:" + re.sub(r":[^/:]*$", "", name)
    return relative_posix(image)


def _base(finding: Finding, image: str | None, file: str | None) -> str:
    return "\x00".join([
        finding.rule,
        relative_posix(file) if file else "",
        image_identity(image) if image else "",
        finding.path_in_image or "",
        normalise_message(finding.message),
    ])


def _digest(base: str, index: int) -> str:
    return sha256(f"{base}\x00{index}".encode("utf-8", "surrogatepass")).hexdigest()


def fingerprints(groups: Iterable[tuple[str, str, Sequence[Finding]]]) -> list[list[str]]:
    """Fingerprints of each group's findings, in the order given.

    ``groups`` are (target, kind, findings) per target, as in a report; the
    occurrence index is counted over the whole run, in each group's source
    order (:meth:`Finding.sort_key`), so the result does not depend on the
    order the findings come in.
    """
    seen: dict[str, int] = {}
    out: list[list[str]] = []
    for target, kind, findings in groups:
        prints = [""] * len(findings)
        order = sorted(range(len(findings)), key=lambda i: findings[i].sort_key())
        for i in order:
            image, file, _, _ = resolve(findings[i], target, kind)
            base = _base(findings[i], image, file)
            index = seen.get(base, 0)
            seen[base] = index + 1
            prints[i] = _digest(base, index)
        out.append(prints)
    return out


def error_fingerprints(errors: Iterable[tuple[str, str]]) -> list[str]:
    """A stable, unique fingerprint for each (target, message) input error, in order."""
    seen: dict[str, int] = {}
    prints = []
    for target, message in errors:
        base = "\x00".join(["input-error", relative_posix(target), normalise_message(message)])
        index = seen.get(base, 0)
        seen[base] = index + 1
        prints.append(_digest(base, index))
    return prints
