"""## What it does
Flags `ADD` of local files or folders, where `COPY` does the same thing. `ADD` of a
URL, a git repository or a local tar archive (which `ADD` extracts) is fine.

## Why is this bad?
`ADD` has surprising powers (fetching URLs, extracting archives). Using it for
plain files hides whether those powers are wanted; `COPY` says exactly what happens.

## Example
```dockerfile
FROM python:3.12-slim
ADD app.py /app/
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY app.py /app/
ADD vendor.tar.gz /opt/
```

## Fix
`imagepolicy fix` replaces `ADD` by `COPY` when every source is local and the
instruction uses no flag `COPY` lacks (`--checksum`, `--keep-git-dir`,
`--unpack`). `ADD` extracts a local tar archive whatever its name, so the fix
reads the build context: it is safe when each source names existing files or
folders and no file among them is a tar archive or compressed (gzip, bzip2, xz,
zstd); no fix is offered when one is, and the fix is unsafe (applied with
`--unsafe`) when a source cannot be looked at (no build context, a variable, a
missing file, a symbolic link, more than 256 files).

## Differences from hadolint
- Git sources (`git@github.com:org/repo.git`, `ssh://...`, `git://...`) are legitimate `ADD`
  uses and stay silent (hadolint flags `git@` sources). Any URL scheme counts as remote.
- A local source the build context shows is a tar archive or compressed file stays silent
  whatever its name (`ADD bundle /opt/`): `ADD` extracts it, which `COPY` would not; hadolint
  goes by the name's suffix only.

## References
- https://github.com/hadolint/hadolint/wiki/DL3020
"""

from __future__ import annotations

import os
import re

from imagepolicy.fixes import keyword_edit
from imagepolicy.model import Fix, Violation, rule

from ._packages import ARCHIVE_SUFFIXES

COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})
MAX_FILES = 256
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")

_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^git@")


def is_remote_or_archive(source: str) -> bool:
    return bool(_REMOTE.match(source)) or source.endswith(ARCHIVE_SUFFIXES)


@rule("DL3020", "add-local-file", "error", "dockerfile", "ADD used for local files instead of COPY", autofix="sometimes",
      needs=("ADD",))
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword != "ADD":
            continue
        local = [s for s in instr.sources if not is_remote_or_archive(s) and not _archive_in_context(dockerfile, s)]
        if local:
            yield Violation(
                f"ADD copies local files ({', '.join(local)}): COPY does that without ADD's URL and archive magic",
                line=instr.line,
                fix="Use COPY for files and folders; keep ADD for URLs, git sources and tar archives to extract",
                autofix=_copy_fix(dockerfile, instr) if len(local) == len(instr.sources) else None,
            )


def _copy_fix(dockerfile, instr) -> Fix | None:
    if any(name not in COPY_FLAGS for name, _ in instr.flags):
        return None
    edit = keyword_edit(instr, "COPY")
    if edit is None:
        return None
    unknown = _unknown_sources(dockerfile, instr)
    if unknown is False:
        return None  # an archive ADD extracts: COPY would not
    if unknown:
        return Fix((edit,), "use COPY instead of ADD", safe=False,
                   unsafe_because=f"{unknown}, so whether ADD extracts it is unknown")
    return Fix((edit,), "use COPY instead of ADD")


def _archive_in_context(dockerfile, source: str) -> bool:
    """True when the build context shows ``source`` holds a file ADD extracts (a tar, or compressed)."""
    context = dockerfile.context
    if not context.available or "$" in source:
        return False
    matches = [m for m in context.glob(source.lstrip("/")) if not context.is_dir(m)]
    return 0 < len(matches) <= MAX_FILES and any(_is_archive(context.root / rel) is True for rel in matches)


def _is_archive(path) -> bool | None:
    """Whether the file at ``path`` is one ADD extracts; None when it is a link or cannot be read."""
    try:
        if os.path.islink(path):
            return None
        with open(path, "rb") as stream:
            head = stream.read(512)
    except OSError:
        return None
    from imagepolicy.image.tarstream import is_tar_header  # only for an ADD of a local file

    return head.startswith(_COMPRESSED) or is_tar_header(head)


def _unknown_sources(dockerfile, instr) -> str | bool | None:
    """None when every source is known and no archive; False when one is an archive; else what is unknown."""
    context = dockerfile.context
    if not context.available:
        return "the build context is not available"
    files: list[str] = []
    for source in instr.sources:
        if "$" in source:
            return f"source {source} holds a variable"
        matches = context.glob(source.lstrip("/"))
        if not matches:
            return f"source {source} is not in the build context"
        for match in matches:
            if context.is_dir(match):
                continue  # ADD copies a folder as COPY does, archives inside it included
            files.append(match)
    if len(files) > MAX_FILES:
        return f"the sources hold more than {MAX_FILES} files"
    for rel in files:
        path = context.root / rel
        archive = _is_archive(path)
        if archive is None:
            return f"source {rel} is a symbolic link" if os.path.islink(path) else f"source {rel} cannot be read"
        if archive:
            return False
    return None
