"""`dnf install` or `microdnf install` without `-y`.

## What it does
Flags `dnf` and `microdnf` `install`, `groupinstall` and `localinstall` run
without `-y` (`--assumeyes`) in a RUN (shell form, heredoc or ONBUILD RUN).

## Why is this bad?
A build has no terminal: without `-y` the package manager asks for
confirmation, reads end of input, and aborts, so the build fails.

## Example
```dockerfile
FROM fedora:40
RUN dnf install httpd-2.4.62 && dnf clean all
```

## Use instead
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
```

## References
- [hadolint DL3038](https://github.com/hadolint/hadolint/wiki/DL3038)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import DNF, missing_yes


@rule("DL3038", "dnf-missing-yes", "warning", "dockerfile", "dnf install without -y waits for a confirmation the build cannot give",
      needs=tuple(f"RUN {name}" for name in DNF.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, cmd in missing_yes(dockerfile, DNF):
        yield Violation(
            f"`{cmd.text}` has no -y: {cmd.name} asks for confirmation and the build aborts",
            line=run.line,
            fix=f"Add -y: `{cmd.name} install -y <package>-<version>`.",
        )
