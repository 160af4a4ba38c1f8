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
A package given as a variable (`$PKG`) is not judged: its value is not known
before the build. hadolint flags it.

## References
- [hadolint DL3033](https://github.com/hadolint/hadolint/wiki/DL3033)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import Command, run_commands

_VERSIONED = re.compile(r"-\d")


def unpinned_rpm_packages(cmd: Command) -> list[str]:
    """Packages of a yum/dnf ``install`` without ``-<version>`` (modules: without ``:stream``)."""
    positional = cmd.positional()
    if "install" not in positional:
        return []
    module = "module" in positional
    out = []
    for word in positional:
        if word in ("install", "module") or "$" in word:
            continue
        pinned = ":" in word if module else _VERSIONED.search(word) is not None
        if not pinned:
            out.append(word)
    return out


@rule("DL3033", "yum-unpinned", "warning", "dockerfile", "yum install of a package without a version")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        for cmd, _line in run_commands(run):
            if cmd.name == "yum":
                unpinned = unpinned_rpm_packages(cmd)
                if unpinned:
                    yield Violation(
                        f"`yum install` of {', '.join(unpinned)} without a version",
                        line=run.line,
                        fix="Pin each package: `yum install -y <package>-<version>` (modules: `<module>:<stream>`).",
                    )
                    break  # one finding per RUN, as hadolint
