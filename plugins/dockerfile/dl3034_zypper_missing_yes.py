"""`zypper install` without a non-interactive switch.

## What it does
Flags `zypper install`/`in`, `remove`/`rm`, `source-install`/`si` and `patch`
without `-y`, `--no-confirm`, `-n` or `--non-interactive`.

## Why is this bad?
A build has no terminal: zypper asks for confirmation, reads end of input and
aborts, so the build fails.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install httpd=2.4.58 && zypper clean
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```

## Differences from hadolint
hadolint's source lists only `-y` and `--no-confirm`; the 2.15.1 binary also
accepts the global `-n`/`--non-interactive`, and so do we.

## References
- [hadolint DL3034](https://github.com/hadolint/hadolint/wiki/DL3034)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import ZYPPER, missing_yes


@rule("DL3034", "zypper-missing-yes", "warning", "dockerfile", "zypper without -y/--non-interactive waits for a confirmation the build cannot give",
      needs=tuple(f"RUN {name}" for name in ZYPPER.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, cmd in missing_yes(dockerfile, ZYPPER):
        yield Violation(
            f"`{cmd.text}` is interactive: zypper asks for confirmation and the build aborts",
            line=run.line,
            fix="Add -y (or the global -n): `zypper install -y <package>=<version>`.",
        )
