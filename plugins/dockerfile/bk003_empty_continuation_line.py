"""A blank line inside a continued instruction (BuildKit's `NoEmptyContinuation`).

## What it does
Flags an instruction whose continuation lines (after a trailing `\\`) include an empty
line. The finding is on the instruction's last line, where BuildKit reports it.

## Why is this bad?
The builder skips such lines today, but support is deprecated: a future Dockerfile syntax
will reject them and the build will break. A comment line is fine (comments are not
empty lines).

## Example
```dockerfile
FROM alpine
EXPOSE \\

80
```

## Use instead
```dockerfile
FROM alpine
EXPOSE \\
# Port
80
```

## References
- [BuildKit NoEmptyContinuation](https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/)
- [moby/moby#33719](https://github.com/moby/moby/pull/33719)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import empty_continuation, own_end_line


@rule("BK003", "empty-continuation-line", "warning", "dockerfile", "Empty line inside a continued instruction",
      aliases=("NoEmptyContinuation", "NoEmptyContinuations"))
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if empty_continuation(instr):
            yield Violation(
                f"Empty continuation line in the {instr.keyword} instruction starting on line {instr.line}",
                line=own_end_line(instr),
                fix="Remove the empty lines inside the instruction, or turn them into comments.",
            )
