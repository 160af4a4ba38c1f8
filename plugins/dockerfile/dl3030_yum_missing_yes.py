"""`yum install` without `-y`.

## What it does
Flags `yum install`, `yum groupinstall` and `yum localinstall` run without
`-y` (`--assumeyes`) in a RUN (shell form, heredoc or ONBUILD RUN).

## Why is this bad?
A build has no terminal: without `-y`, yum asks for confirmation, reads end
of input, and aborts the install, so the build fails.

## Example
```dockerfile
FROM centos:7
RUN yum install httpd-2.4.6 && yum clean all
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```

## References
- [hadolint DL3030](https://github.com/hadolint/hadolint/wiki/DL3030)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import run_commands

INSTALL_VERBS = ("install", "groupinstall", "localinstall")


@rule("DL3030", "yum-missing-yes", "warning", "dockerfile", "yum install without -y waits for a confirmation the build cannot give")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        for cmd, _line in run_commands(run):
            if cmd.name == "yum" and any(v in cmd.positional() for v in INSTALL_VERBS) and not cmd.has_flag("y", "assumeyes"):
                yield Violation(
                    f"`{cmd.text}` has no -y: yum asks for confirmation and the build aborts",
                    line=run.line,
                    fix="Add -y: `yum install -y <package>-<version>`.",
                )
                break  # one finding per RUN, as hadolint
