"""`zypper install` of a package without a version.

## What it does
Flags packages in `zypper install` (`in`) that name no version: no `=`,
`<`, `>` constraint and not an `.rpm` file.

## Why is this bad?
Without a version the image gets whatever the repository serves on the day
of the build: two builds of the same commit differ.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd && zypper clean
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y 'httpd=2.4.58' && zypper clean
```

## Differences from hadolint
Variables are expanded with the ARG/ENV values in scope: `ARG PKG=httpd=2.4.58` then
`zypper install -y $PKG` is pinned (hadolint judges the text `$PKG`). A variable the
Dockerfile does not set is judged as written, as in hadolint; a `$(...)` names no package.

## References
- [hadolint DL3037](https://github.com/hadolint/hadolint/wiki/DL3037)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import ZYPPER, unpinned_installs


@rule("DL3037", "zypper-unpinned", "warning", "dockerfile", "zypper install of a package without a version",
      needs=tuple(f"RUN {name}" for name in ZYPPER.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, _cmd, unpinned in unpinned_installs(dockerfile, ZYPPER):
        yield Violation(
            f"`zypper install` of {', '.join(unpinned)} without a version",
            line=run.line,
            fix="Pin each package: `zypper install -y '<package>=<version>'`.",
        )
