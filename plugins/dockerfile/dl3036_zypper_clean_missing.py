"""`zypper install` without `zypper clean` in the same RUN.

## What it does
Flags a RUN in the final image that runs `zypper install` (`in`) but neither
runs `zypper clean` (`cc`) after it, removes `/var/cache/zypp` after it, nor
keeps it in a `--mount=type=cache`. A clean before the install cleans nothing.

## Why is this bad?
zypper keeps downloaded packages and repository metadata in
`/var/cache/zypp`; cleaning in a later RUN does not shrink the layer that
installed them.

## Example
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58
```

## Use instead
```dockerfile
FROM opensuse/leap:15.6
RUN zypper install -y httpd=2.4.58 && zypper clean
```

## Differences from hadolint
- An `rm -rf /var/cache/zypp` counts as cleaning; hadolint only accepts
  `zypper clean` (or a cache mount, as we do).
- A cleanup counts only after the last install: `zypper clean && zypper install ...`
  cleans nothing the install leaves. hadolint compares the first install with the
  first cleanup, so an earlier cleanup hides a later one (`zypper clean && zypper install
  -y x && zypper clean` fires there).
- A cache or tmpfs mount on `/var/cache/zypp` (or a folder above it) keeps the
  cache out of the image: silent.
- Only stages whose cache reaches the final image are judged (the final stage,
  the stages it is built `FROM`, a stage it copies `/var/cache/zypp` from).
  hadolint judges every stage.

## References
- [hadolint DL3036](https://github.com/hadolint/hadolint/wiki/DL3036)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import ZYPPER, uncleaned_installs


@rule("DL3036", "zypper-clean-missing", "warning", "dockerfile", "zypper install leaves its package cache in the layer",
      needs=tuple(f"RUN {name}" for name in ZYPPER.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, install in uncleaned_installs(dockerfile, ZYPPER):
        yield Violation(
            f"`{install.text}` leaves zypper's cache in /var/cache/zypp: no `zypper clean` in the same RUN",
            line=run.line,
            fix="End the RUN with `&& zypper clean`, or use `RUN --mount=type=cache,target=/var/cache/zypp`.",
        )
