"""Consecutive `RUN` instructions that could be one.

## What it does
Flags a `RUN` that directly follows another `RUN` of the same stage with the
same flags (`--mount`, `--network`, ...), when both run a single command. Any
other instruction in between resets the count; comments and blank lines do not.

Commands are counted as hadolint counts them: every simple command with a name,
those inside `$(...)` and backticks included (`RUN cp $(cat list) /x` runs two);
a test in brackets (`[ -d x ]`, `[[ ... ]]`), a bare assignment (`X=1`) and
`(( ... ))` count for none, and `if`, `for`, `case` are no commands themselves
(the commands inside them count). A heredoc RUN counts as several.

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

## Differences from hadolint
- A heredoc RUN counts as several commands: it already is the consolidated form.
  hadolint counts the commands of its first line (`RUN python3 <<EOF` is one).
- Under a PowerShell or cmd `SHELL` the statements are counted; hadolint reads the
  script as a POSIX shell script, which fails to parse, and counts none.

## References
- [hadolint DL3059](https://github.com/hadolint/hadolint/wiki/DL3059)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import instruction_commands

MAX_COMMANDS = 1  # hadolint 2.15.1: both RUNs hold a single command


def _count(run: Instruction) -> int:
    """The commands of a RUN; a heredoc RUN counts as long (it is the consolidated form)."""
    if run.heredocs:
        return MAX_COMMANDS + 1
    return sum(1 for cmd, _ in instruction_commands(run) if cmd.name and cmd.name not in ("[", "[["))


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
