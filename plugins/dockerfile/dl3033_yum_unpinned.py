"""`yum install` of a package without a version.

## What it does
Flags packages in `yum install` that name no version (`httpd` instead of
`httpd-2.4.6`), and modules in `yum module install` without a stream
(`nodejs` instead of `nodejs:18`).

## Why is this bad?
Without a version the image gets whatever the repository serves on the day
of the build: two builds of the same commit differ, and an upgrade arrives
unreviewed.

## Example
```dockerfile
FROM centos:7
RUN yum install -y httpd && yum clean all
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```

## Differences from hadolint
Variables are expanded with the ARG/ENV values in scope: `ARG PKG=httpd-2.4.6` then
`yum install -y $PKG` is pinned (hadolint only accepts a `${PKG}` that an ARG or ENV declares,
whatever its value, and flags `$PKG`). A variable the Dockerfile does not set pins nothing
(`php-${PHP_VERSION}` is judged as written), as in hadolint; a `$(...)` names no package.
The values of options such as `--installroot /mnt/rootfs`, `--releasever 9` or `--setopt
install_weak_deps=false` are not packages (hadolint counts them as unpinned packages).

## References
- [hadolint DL3033](https://github.com/hadolint/hadolint/wiki/DL3033)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import YUM, unpinned_installs


@rule("DL3033", "yum-unpinned", "warning", "dockerfile", "yum install of a package without a version",
      needs=tuple(f"RUN {name}" for name in YUM.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, _cmd, unpinned in unpinned_installs(dockerfile, YUM):
        yield Violation(
            f"`yum install` of {', '.join(unpinned)} without a version",
            line=run.line,
            fix="Pin each package: `yum install -y <package>-<version>` (modules: `<module>:<stream>`).",
        )
