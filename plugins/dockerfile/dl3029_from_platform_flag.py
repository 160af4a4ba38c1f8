"""## What it does
Flags `FROM --platform=<constant>`. A platform taken from BuildKit's platform
ARGs (`$BUILDPLATFORM`, `$TARGETPLATFORM`, `$TARGETOS/$TARGETARCH`...) is fine.

## Why is this bad?
A fixed platform pins the stage to one architecture: multi-platform builds
silently produce images that cannot run (or run emulated) on the others.

## Example
```dockerfile
FROM --platform=linux/amd64 golang:1.22
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22
```

## Differences from hadolint
- Every BuildKit platform ARG counts as dynamic (`$TARGETOS/$TARGETARCH`,
  `$BUILDOS/$BUILDARCH`...), not only `BUILDPLATFORM` and `TARGETPLATFORM`.
- BuildKit's `# check=skip=FromPlatformFlagConstDisallowed` silences it, as it silences
  BuildKit's own check of that name; hadolint ignores that directive.

## References
- https://github.com/hadolint/hadolint/wiki/DL3029
"""

from __future__ import annotations

import re

from imagepolicy.model import Violation, rule

# A pattern, compiled by re on first use: only a FROM with --platform needs it.
_PLATFORM_ARG = r"\$\{?(BUILD|TARGET)(PLATFORM|OS|ARCH|VARIANT)\b"


@rule("DL3029", "from-platform-flag", "warning", "dockerfile", "FROM --platform with a constant platform", aliases=("FromPlatformFlagConstDisallowed",))
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        raw = stage.from_instruction.flag("platform")
        if raw is None or re.search(_PLATFORM_ARG, raw):
            continue
        yield Violation(
            f"FROM --platform={raw} pins the stage to one platform",
            line=stage.from_instruction.line,
            fix="Drop --platform (pass it to docker build) or use --platform=$BUILDPLATFORM for cross-compiling stages",
        )
