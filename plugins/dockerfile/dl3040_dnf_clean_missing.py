"""`dnf install` without `dnf clean all` in the same RUN.

## What it does
Flags a RUN in the final image that runs `dnf` or `microdnf` `install` (or
`upgrade`, `update`, `upgrade-minimal`, `reinstall`, which fill the cache the
same way) but neither runs `dnf clean`/`microdnf clean` after it, removes the
cache folder after it (dnf4's `/var/cache/dnf`, dnf5's `/var/cache/libdnf5`,
`/var/cache/yum`; a glob such as `/var/cache/libdnf5*` too), nor keeps it in a
`--mount=type=cache`. A clean before the install cleans nothing.

## Why is this bad?
dnf keeps downloaded packages and repository metadata in its cache folder.
Cleaning in a later RUN does not shrink the image: the layer that installed
still holds them.

## Example
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62
```

## Use instead
```dockerfile
FROM fedora:40
RUN dnf install -y httpd-2.4.62 && dnf clean all
```

## Differences from hadolint
- The cleanup must clean dnf's cache; hadolint accepts any `rm -rf`, even of another
  folder (`rm -rf "$GNUPGHOME"`).
- A cleanup counts only after the last install: `dnf clean all && dnf install ...`
  cleans nothing the install leaves. hadolint compares the first install with the
  first cleanup, so an earlier cleanup hides a later one (`rm -rf /tmp/x && microdnf install
  -y x && microdnf clean all` fires there).
- `dnf update` is `dnf upgrade` and is judged like it; hadolint only knows `upgrade`.
- A `RUN --mount=type=cache` (or `type=tmpfs`) on dnf4's `/var/cache/dnf`
  (or a folder above it) keeps the cache out of the image, so we stay silent;
  hadolint only accepts a cache mount on dnf5's `/var/cache/libdnf5` (as we
  do).
- Only stages whose cache reaches the final image are judged (the final stage,
  the stages it is built `FROM`, a stage it copies the cache from). hadolint
  judges every stage.

## References
- [hadolint DL3040](https://github.com/hadolint/hadolint/wiki/DL3040)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import DNF, uncleaned_installs


@rule("DL3040", "dnf-clean-missing", "warning", "dockerfile", "dnf install leaves its package cache in the layer",
      needs=tuple(f"RUN {name}" for name in DNF.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, install in uncleaned_installs(dockerfile, DNF):
        yield Violation(
            f"`{install.text}` leaves {install.name}'s cache in the layer: no `{install.name} clean all` in the same RUN",
            line=run.line,
            fix=f"End the RUN with `&& {install.name} clean all`, or use `RUN --mount=type=cache,target=/var/cache/libdnf5`.",
        )
