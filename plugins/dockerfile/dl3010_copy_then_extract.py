"""## What it does
Flags a `COPY` of a local tar archive that a later `RUN` in the same stage extracts
(`tar -x`, `gunzip`, `unxz`...).

## Why is this bad?
The archive stays in the `COPY` layer even after extraction, doubling the space it
takes. `ADD` extracts a local tar archive while copying, in one layer.

## Example
```dockerfile
FROM debian:12
COPY vendor.tar.gz /tmp/
RUN tar -xzf /tmp/vendor.tar.gz -C /opt
```

## Use instead
```dockerfile
FROM debian:12
ADD vendor.tar.gz /opt/
```

## Differences from hadolint
- tar's old-style bundled options count (`tar xzf app.tar.gz`); hadolint only reads `-x`.

## References
- https://github.com/hadolint/hadolint/wiki/DL3010
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import Command, instruction_commands

from ._packages import ARCHIVE_SUFFIXES

if TYPE_CHECKING:
    from imagepolicy.dockerfile import Instruction

DECOMPRESSORS = frozenset({"unzip", "gunzip", "bunzip2", "unlzma", "unxz", "zgz", "uncompress", "zcat", "gzcat"})


def extracts(cmd: Command) -> bool:
    """True for ``tar -x``/``--extract``/``--get``/``tar xzf`` and the decompressors."""
    if cmd.name in DECOMPRESSORS:
        return True
    if cmd.name != "tar" or not cmd.args:
        return False
    first = cmd.args[0]
    old_style = not first.startswith("-") and "x" in first
    return old_style or cmd.has_flag("x", "extract", "get")


def _copied_archives(instr) -> list[str]:
    """Basenames of the archives a context COPY puts in the image."""
    if instr.from_stage is not None or instr.from_image is not None or instr.dest is None:
        return []
    dest = posixpath.basename(instr.dest.rstrip("/"))
    if not instr.dest_is_dir and dest.endswith(ARCHIVE_SUFFIXES):
        return [dest]
    return [posixpath.basename(s) for s in instr.sources if posixpath.basename(s).endswith(ARCHIVE_SUFFIXES)]


@rule("DL3010", "copy-then-extract", "info", "dockerfile", "COPY of an archive that a later RUN extracts",
      needs=tuple(f"RUN {name}" for name in ("tar", *sorted(DECOMPRESSORS))))
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        copied: dict[str, Instruction] = {}
        flagged: set[int] = set()
        for instr in stage.instructions:
            if instr.keyword == "COPY":
                for name in _copied_archives(instr):
                    copied[name] = instr
            elif instr.keyword == "RUN" and copied:
                for cmd, _ in instruction_commands(instr):
                    if not extracts(cmd):
                        continue
                    for arg in cmd.positional():
                        source = copied.get(posixpath.basename(arg))
                        if source is not None and source.index not in flagged:
                            flagged.add(source.index)
                            yield Violation(
                                f"{source.keyword} copies {posixpath.basename(arg)} and the RUN on line {instr.line} extracts it: the archive stays in the image",
                                line=source.line,
                                fix="Use ADD <archive> <folder>/ to copy and extract in one layer",
                            )
