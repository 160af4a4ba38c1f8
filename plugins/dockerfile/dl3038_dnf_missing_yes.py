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

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import run_commands

INSTALL_VERBS = ("install", "groupinstall", "localinstall")


@rule("DL3038", "dnf-missing-yes", "warning", "dockerfile", "dnf install without -y waits for a confirmation the build cannot give")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        for cmd, _line in run_commands(run):
            if cmd.name in ("dnf", "microdnf") and any(v in cmd.positional() for v in INSTALL_VERBS) and not cmd.has_flag("y", "assumeyes"):
                yield Violation(
                    f"`{cmd.text}` has no -y: {cmd.name} asks for confirmation and the build aborts",
                    line=run.line,
                    fix=f"Add -y: `{cmd.name} install -y <package>-<version>`.",
                )
                break  # one finding per RUN, as hadolint
