"""## What it does
Flags `apt-get install` without `--no-install-recommends` (or
`-o APT::Install-Recommends=false`).

## Why is this bad?
Recommended packages are not needed to run what you install; they make the
image larger, slower to pull and add attack surface.

## Example
```dockerfile
FROM debian:12
RUN apt-get install -y curl=7.88.1-10+deb12u8
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## Fix
Unsafe (applied with `imagepolicy fix --unsafe`): it adds `--no-install-recommends`
after `install` in every such apt-get command of the RUN. Packages that were only
recommended are then no longer installed, and the image may have relied on one
(curl and wget recommend `ca-certificates`, without which HTTPS fails): add those
to the install list.

## Differences from hadolint
- `-o APT::Install-Recommends=0` (and `no`, any case) counts as well as `=false`.

## References
- https://github.com/hadolint/hadolint/wiki/DL3015
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import Command, instruction_commands

from ._fixes import flag_fix, word_named

UNSAFE_BECAUSE = "packages that were only recommended (ca-certificates for curl and wget) are no longer installed"


def skips_recommends(cmd: Command) -> bool:
    if cmd.has_flag("no-install-recommends"):
        return True
    return any(a.lower().replace(" ", "") in ("apt::install-recommends=false", "apt::install-recommends=0", "apt::install-recommends=no") for a in cmd.args)


@rule("DL3015", "apt-get-recommends", "info", "dockerfile", "apt-get install without --no-install-recommends",
      autofix="unsafe",
      needs=("RUN apt-get",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        offending = [cmd for cmd, _ in instruction_commands(instr)
                     if cmd.name == "apt-get" and "install" in cmd.args and not skips_recommends(cmd)]
        if offending:  # one finding per RUN; its fix mends every apt-get install of it
            yield Violation(
                f"`{offending[0].text}` also installs recommended packages",
                line=instr.line,
                fix="Add --no-install-recommends and list what you need explicitly",
                autofix=flag_fix(instr, offending, lambda c: word_named(c, "install"), "--no-install-recommends",
                                 "add --no-install-recommends", safe=False, unsafe_because=UNSAFE_BECAUSE),
            )
