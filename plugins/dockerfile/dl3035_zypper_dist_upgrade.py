"""`zypper dist-upgrade` in a Dockerfile.

## What it does
Flags `zypper dist-upgrade` and `zypper dup` in a RUN.

## Why is this bad?
A distribution upgrade swaps the base image's release underneath it: the
result depends on the day of the build and is not the image the tag names.
Pick a newer base image instead.

## Example
```dockerfile
FROM opensuse/leap:15.5
RUN zypper -n dist-upgrade
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper -n patch
```

## References
- [hadolint DL3035](https://github.com/hadolint/hadolint/wiki/DL3035)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import Command

from ._packages import first_per_run


@rule("DL3035", "zypper-dist-upgrade", "warning", "dockerfile", "zypper dist-upgrade changes the base image's release",
      needs=("RUN zypper",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    def upgrades(cmd: Command) -> bool:
        return cmd.name == "zypper" and any(v in cmd.positional() for v in ("dist-upgrade", "dup"))

    for run, cmd, _ in first_per_run(dockerfile, upgrades):
        yield Violation(
            f"`{cmd.text}` upgrades the whole distribution inside the build",
            line=run.line,
            fix="Use a newer base image tag instead; `zypper patch` applies updates within the release.",
        )
