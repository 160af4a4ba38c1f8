"""`dnf install` of a package without a version.

## What it does
Flags packages in `dnf install` or `microdnf install` that name no version
(`httpd` instead of `httpd-2.4.62`), and modules in `dnf module install`
without a stream (`nodejs` instead of `nodejs:20`).

## Why is this bad?
Without a version the image gets whatever the repository serves on the day
of the build: two builds of the same commit differ.

## Example
```dockerfile
FROM fedora:40
RUN dnf install -y httpd && dnf clean all
```

## Use instead
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
```

## Differences from hadolint
Variables are expanded with the ARG/ENV values in scope: `ARG PKG=httpd-2.4.62` then
`dnf install -y $PKG` is pinned (hadolint only accepts a `${PKG}` that an ARG or ENV declares,
whatever its value, and flags `$PKG`). A variable the Dockerfile does not set pins nothing
(`php-${PHP_VERSION}` is judged as written), as in hadolint; a `$(...)` names no package.
The values of options such as `--installroot /mnt/rootfs`, `--releasever 9` or `--setopt
install_weak_deps=false` are not packages (hadolint counts them as unpinned packages).

## References
- [hadolint DL3041](https://github.com/hadolint/hadolint/wiki/DL3041)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import DNF, unpinned_installs


@rule("DL3041", "dnf-unpinned", "warning", "dockerfile", "dnf install of a package without a version",
      needs=tuple(f"RUN {name}" for name in DNF.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, cmd, unpinned in unpinned_installs(dockerfile, DNF):
        yield Violation(
            f"`{cmd.name} install` of {', '.join(unpinned)} without a version",
            line=run.line,
            fix=f"Pin each package: `{cmd.name} install -y <package>-<version>` (modules: `<module>:<stream>`).",
        )
