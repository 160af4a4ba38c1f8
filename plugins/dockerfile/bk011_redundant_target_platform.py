"""`FROM --platform=$TARGETPLATFORM` (BuildKit's `RedundantTargetPlatform`).

## What it does
Flags a `FROM --platform` whose value is just `$TARGETPLATFORM` (or `${TARGETPLATFORM}`).

## Why is this bad?
A stage is built for the target platform by default; the flag adds nothing but noise and
suggests a cross-platform intent that is not there. BuildKit treats it as a clean-up hint,
so the default severity is `info`.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine AS builder
RUN apk add --no-cache git
```

## Use instead
```dockerfile
FROM alpine AS builder
RUN apk add --no-cache git
```

## References
- [BuildKit RedundantTargetPlatform](https://docs.docker.com/go/dockerfile/rule/redundant-target-platform/)
"""

from __future__ import annotations

import re

from imagepolicy.dockerfile import process_word
from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import escape_of

_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


@rule("BK011", "redundant-target-platform", "info", "dockerfile", "FROM --platform=$TARGETPLATFORM is the default",
      aliases=("RedundantTargetPlatform",))
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        instr = stage.from_instruction
        raw = instr.flag("platform")
        if not raw:
            continue
        names = {a or b for a, b in _REFERENCE.findall(raw)}
        if names != {"TARGETPLATFORM"}:
            continue
        scope = {k: v for k, v in instr.argvars.items() if v is not None}
        try:
            value = process_word(raw, scope, escape=escape_of(dockerfile))
        except ValueError:
            continue
        if value == scope.get("TARGETPLATFORM"):
            yield Violation(
                f"Setting platform to predefined {raw} in FROM is redundant as this is the default behavior",
                line=instr.line,
                fix=f"Remove --platform={raw}.",
            )
