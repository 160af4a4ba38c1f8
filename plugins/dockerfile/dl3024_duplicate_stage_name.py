"""## What it does
Flags a `FROM ... AS <name>` whose name an earlier stage already uses (case-insensitive).

## Why is this bad?
BuildKit refuses duplicate stage names, and older builders silently use one of them.

## Example
```dockerfile
FROM golang:1.22 AS build
FROM node:20 AS build
```

## Use instead
```dockerfile
FROM golang:1.22 AS build-go
FROM node:20 AS build-web
```

## Differences from hadolint
- Names compare case-insensitively, as BuildKit does (`AS build` and `AS Build` clash).

## References
- https://github.com/hadolint/hadolint/wiki/DL3024
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule


@rule("DL3024", "duplicate-stage-name", "error", "dockerfile", "two stages share a name", aliases=("DuplicateStageName",))
def check(dockerfile, ctx):
    seen: dict[str, int] = {}
    for stage in dockerfile.stages:
        if not stage.name:
            continue
        key = stage.name.lower()
        line = stage.from_instruction.line
        if key in seen:
            yield Violation(
                f"stage name {stage.name!r} is already used by the stage on line {seen[key]}",
                line=line,
                fix="Give each stage a unique name",
            )
        else:
            seen[key] = line
