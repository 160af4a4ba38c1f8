"""## What it does
Flags `apt-get install` without `-y` (`--yes`, `--assume-yes`, `-qq`, or
`-o APT::Get::Assume-Yes=true`).

## Why is this bad?
Without it apt-get asks "Do you want to continue?" and, with no terminal to
answer, the build aborts.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install --no-install-recommends curl=7.88.1-10+deb12u8
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## Fix
Safe: `imagepolicy fix` adds `-y` after `install` in every such apt-get command of
the RUN, so it installs what it names instead of aborting the build at the prompt.

## Differences from hadolint
- `-o APT::Get::Assume-Yes=true` counts as yes.

## References
- https://github.com/hadolint/hadolint/wiki/DL3014
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import Command, instruction_commands

from ._fixes import flag_fix, word_named


def _quiet_level(cmd: Command) -> int:
    level = 0
    for arg in cmd.args:
        if arg in ("-q=2", "--quiet=2"):
            level += 2
        elif arg == "--quiet":
            level += 1
        elif arg.startswith("-") and not arg.startswith("--"):
            level += arg.count("q")
    return level


def answers_yes(cmd: Command) -> bool:
    if cmd.has_flag("y", "yes", "assume-yes") or _quiet_level(cmd) >= 2:
        return True
    return any(a.lower().replace(" ", "") in ("apt::get::assume-yes=true", "apt::get::assume-yes=1") for a in cmd.args)


@rule("DL3014", "apt-get-no-yes", "warning", "dockerfile", "apt-get install without -y", autofix="safe",
      needs=("RUN apt-get",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        offending = [cmd for cmd, _ in instruction_commands(instr)
                     if cmd.name == "apt-get" and "install" in cmd.args and not answers_yes(cmd)]
        if offending:  # one finding per RUN; its fix mends every apt-get install of it
            yield Violation(
                f"`{offending[0].text}` will stop at apt-get's confirmation prompt",
                line=instr.line,
                fix="Add -y: apt-get install -y ...",
                autofix=flag_fix(instr, offending, lambda c: word_named(c, "install"), "-y", "add -y"),
            )
