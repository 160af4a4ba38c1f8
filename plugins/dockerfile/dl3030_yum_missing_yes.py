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

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import YUM, missing_yes


@rule("DL3030", "yum-missing-yes", "warning", "dockerfile", "yum install without -y waits for a confirmation the build cannot give",
      needs=tuple(f"RUN {name}" for name in YUM.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, cmd in missing_yes(dockerfile, YUM):
        yield Violation(
            f"`{cmd.text}` has no -y: yum asks for confirmation and the build aborts",
            line=run.line,
            fix="Add -y: `yum install -y <package>-<version>`.",
        )
