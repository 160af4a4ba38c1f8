"""Both `wget` and `curl` in one stage.

## What it does
Flags a RUN that uses `wget` or `curl` when the same stage already used the
other one (or uses both itself).

## Why is this bad?
Two tools that do the same job mean two packages to install, patch and
audit. Pick one.

## Example
```dockerfile
FROM debian:12-slim
RUN curl -fsSL -o /tmp/a.tgz https://example.com/a.tgz
RUN wget -q -O /tmp/b.tgz https://example.com/b.tgz
```

## Use instead
```dockerfile
FROM debian:12-slim
RUN curl -fsSL -o /tmp/a.tgz https://example.com/a.tgz
RUN curl -fsSL -o /tmp/b.tgz https://example.com/b.tgz
```

## References
- [hadolint DL4001](https://github.com/hadolint/hadolint/wiki/DL4001)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import instruction_commands

TOOLS = ("curl", "wget")


@rule("DL4001", "wget-and-curl", "warning", "dockerfile", "A stage uses both wget and curl",
      needs=tuple(f"RUN {tool}" for tool in TOOLS))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for stage in dockerfile.stages:
        seen: set[str] = set()
        for run in stage.instructions:
            if run.keyword != "RUN":
                continue
            used = {cmd.name for cmd, _line in instruction_commands(run) if cmd.name in TOOLS}
            seen |= used
            if used and len(seen) == 2:
                yield Violation(
                    f"this RUN uses {' and '.join(sorted(used))} while {stage.label} uses both wget and curl",
                    line=run.line,
                    fix="Use one download tool for the whole stage (curl or wget, not both).",
                )
