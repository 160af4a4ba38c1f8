"""`yum install` without `yum clean all` in the same RUN.

## What it does
Flags a RUN in the final image that runs `yum install` but neither runs
`yum clean` after it, removes `/var/cache/yum` after it, nor keeps that folder
in a `--mount=type=cache`. A clean before the install cleans nothing.

## Why is this bad?
yum keeps the downloaded packages and repository metadata in
`/var/cache/yum`. Cleaning in a later RUN does not shrink the image: the
layer that installed still holds them.

## Example
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6
```

## Use instead
```dockerfile
FROM centos:7
RUN yum install -y httpd-2.4.6 && yum clean all
```

## Differences from hadolint
- The cleanup must clean yum's cache (`yum clean`, `rm -rf /var/cache/yum/*` or a folder
  above it); hadolint accepts any `rm -rf`, even of another folder (`rm -rf /tmp/x`).
- A cleanup counts only after the last install: `yum clean all && yum install ...`
  cleans nothing the install leaves. hadolint compares the first install with the
  first cleanup, so an earlier cleanup hides a later one (`yum clean all && yum install
  -y x && yum clean all` fires there).
- A `RUN --mount=type=cache` (or `type=tmpfs`) on `/var/cache/yum` or a folder
  above it keeps the cache out of the image, so we stay silent; hadolint still
  asks for `yum clean all`.
- Only stages whose cache reaches the final image are judged: the final stage,
  the stages it is built `FROM`, and a stage it copies the cache from
  (`COPY --from=build / /`); a builder stage only copied build outputs from is
  not. hadolint judges every stage.

## References
- [hadolint DL3032](https://github.com/hadolint/hadolint/wiki/DL3032)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._packages import YUM, uncleaned_installs


@rule("DL3032", "yum-clean-missing", "warning", "dockerfile", "yum install leaves its package cache in the layer",
      needs=tuple(f"RUN {name}" for name in YUM.names))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, install in uncleaned_installs(dockerfile, YUM):
        yield Violation(
            f"`{install.text}` leaves yum's cache in /var/cache/yum: no `yum clean all` in the same RUN",
            line=run.line,
            fix="End the RUN with `&& yum clean all`, or use `RUN --mount=type=cache,target=/var/cache/yum`.",
        )
