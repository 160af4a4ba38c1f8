"""`COPY`/`ADD` of a path that `.dockerignore` excludes (BuildKit's experimental `CopyIgnoredFile`).

## What it does
Flags a `COPY` or `ADD` source from the build context that `.dockerignore` (or
`<Dockerfile>.dockerignore`) excludes, itself or through a parent folder. Sources that a
`!` pattern may bring back are skipped, as in BuildKit. `COPY --from`, URLs and
here-documents are not context files.

Like BuildKit's experimental checks it is off unless asked for: name `BK014` in the
config's `rules`, or write `# check=experimental=CopyIgnoredFile` (or `all`).

## Why is this bad?
The file is not sent to the builder: the build fails with "not found", or a wildcard
silently copies less than intended.

## Example
With a `.dockerignore` that lists `Dockerfile`:
```dockerfile
# check=experimental=CopyIgnoredFile
FROM scratch
COPY Dockerfile .
```

## Use instead
```dockerfile
# check=experimental=CopyIgnoredFile
FROM scratch
COPY README.md .
```

## References
- [BuildKit CopyIgnoredFile](https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/)
"""

from __future__ import annotations

import posixpath
import re

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import experimental_enabled


def _clean(src: str) -> str:
    return posixpath.normpath("/" + src).lstrip("/") or "."


def _negated(context, src: str) -> bool:
    """A ``!`` pattern that may re-include ``src`` or something below it."""
    src = "" if src == "." else src
    for pattern in context.patterns:
        if not pattern.exclusion:
            continue
        parts = pattern.text.split("/")
        wild = next((i for i, p in enumerate(parts) if re.search(r"[*?\[]", p)), None)
        prefix = "/".join(parts[:wild]) if wild is not None else pattern.text
        if _at_or_below(prefix, src) or (wild is not None and _at_or_below(src, prefix)):
            return True
    return False


def _at_or_below(path: str, base: str) -> bool:
    return not base or path == base or path.startswith(base + "/")


def _ignored(context, src: str) -> bool:
    src = _clean(src)
    if _negated(context, src):
        return False
    if src == ".":  # the context root is only "ignored" by a pattern that excludes everything
        return any(not p.exclusion and p.text in ("*", "**", "**/*") for p in context.patterns)
    return context.ignored_by(src) is not None


@rule("BK014", "copy-ignored-file", "warning", "dockerfile", "COPY/ADD of a file .dockerignore excludes (off unless enabled)",
      aliases=("CopyIgnoredFile",))
def check(dockerfile, ctx):
    context = dockerfile.context
    if not context.patterns or not experimental_enabled(dockerfile, ctx.config, "BK014", "CopyIgnoredFile"):
        return
    for instr in dockerfile.instructions:
        if instr.keyword not in ("COPY", "ADD") or instr.flag("from") is not None:
            continue
        for src in instr.sources:
            if re.match(r"^[a-z][a-z0-9+.-]*://", src) or src.startswith("git@"):
                continue
            if _ignored(context, src):
                verb = "Add" if instr.keyword == "ADD" else "Copy"
                yield Violation(
                    f"Attempting to {verb} file \"{_clean(src)}\" that is excluded by .dockerignore",
                    line=instr.line,
                    fix=f"Remove the pattern that excludes {_clean(src)} from .dockerignore (or add !{_clean(src)}), or do not copy it.",
                )
