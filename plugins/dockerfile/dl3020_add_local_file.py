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

## Differences from hadolint
- Git sources (`git@github.com:org/repo.git`, `ssh://...`, `git://...`) are legitimate `ADD`
  uses and stay silent (hadolint flags `git@` sources). Any URL scheme counts as remote.

## References
- https://github.com/hadolint/hadolint/wiki/DL3020
"""

from __future__ import annotations

import re

from imagepolicy.model import Violation, rule

from ._packages import ARCHIVE_SUFFIXES

_REMOTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^git@")


def is_remote_or_archive(source: str) -> bool:
    return bool(_REMOTE.match(source)) or source.endswith(ARCHIVE_SUFFIXES)


@rule("DL3020", "add-local-file", "error", "dockerfile", "ADD used for local files instead of COPY")
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword != "ADD":
            continue
        local = [s for s in instr.sources if not is_remote_or_archive(s)]
        if local:
            yield Violation(
                f"ADD copies local files ({', '.join(local)}): COPY does that without ADD's URL and archive magic",
                line=instr.line,
                fix="Use COPY for files and folders; keep ADD for URLs, git sources and tar archives to extract",
            )
