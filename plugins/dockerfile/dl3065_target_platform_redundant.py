"""`FROM --platform=$TARGETPLATFORM`, which is the default.

## What it does
Flags a `FROM --platform` whose value is just `$TARGETPLATFORM` or
`${TARGETPLATFORM}` (quoted or not).

## Why is this bad?
Every stage is built for the target platform unless told otherwise: the flag
changes nothing, and suggests a cross-compilation intent (which would need
`$BUILDPLATFORM`) that is not there.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
```

## Differences from hadolint
- A quoted value (`--platform="$TARGETPLATFORM"`) is the same value to the builder and is
  flagged too; hadolint only matches the unquoted spelling.

## References
- https://github.com/hadolint/hadolint/wiki/DL3065
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

DEFAULT_PLATFORM = ("$TARGETPLATFORM", "${TARGETPLATFORM}")


@rule("DL3065", "target-platform-redundant", "warning", "dockerfile", "FROM --platform=$TARGETPLATFORM repeats the default",
      aliases=("RedundantTargetPlatform",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for stage in dockerfile.stages:
        platform = stage.from_instruction.flag("platform")  # as written, quotes removed
        if platform is not None and platform.strip() in DEFAULT_PLATFORM:
            yield Violation(
                f"FROM --platform={platform.strip()} sets the platform every stage is built for anyway",
                line=stage.from_instruction.line,
                fix=f"Remove --platform={platform.strip()} (use --platform=$BUILDPLATFORM only for cross-compiling stages).",
            )
