"""Consecutive `RUN` instructions that could be one.

## What it does
Flags a `RUN` that directly follows another `RUN` of the same stage with the
same flags (`--mount`, `--network`, ...), when both run a single command (a
heredoc RUN counts as several). Any other instruction in between resets the count; comments
and blank lines do not.

## Why is this bad?
Each RUN adds a layer; several one-liners in a row make a slower build and a
bigger image than one RUN joined with `&&` (files deleted in a later layer
still weigh in the earlier one).

## Example
```dockerfile
FROM debian:12-slim
RUN mkdir -p /app
RUN chown nobody /app
```

## Use instead
```dockerfile
FROM debian:12-slim
RUN mkdir -p /app && chown nobody /app
```

## References
- [hadolint DL3059](https://github.com/hadolint/hadolint/wiki/DL3059)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import run_commands

MAX_COMMANDS = 1  # hadolint 2.15.1: both RUNs hold a single command


def _count(run: Instruction) -> int:
    """The commands of a RUN; a heredoc RUN counts as long (it is the consolidated form)."""
    if run.heredocs:
        return MAX_COMMANDS + 1
    return sum(1 for _ in run_commands(run)) if run.script is not None else 1


@rule("DL3059", "consecutive-run", "info", "dockerfile", "Consecutive single-command RUN instructions could be one")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    previous: Instruction | None = None
    previous_count = 0
    for instr in dockerfile.instructions:
        if instr.keyword != "RUN":
            previous = None
            continue
        count = _count(instr)
        if previous is not None and previous.flags == instr.flags and count <= MAX_COMMANDS and previous_count <= MAX_COMMANDS:
            yield Violation(
                f"RUN follows the RUN on line {previous.line} with the same flags; each runs a single command",
                line=instr.line,
                fix="Join them into one RUN with && (or a heredoc) to save a layer.",
            )
        previous, previous_count = instr, count
