"""`FROM` uses a variable that no global `ARG` declares (BuildKit's `UndefinedArgInFrom`).

## What it does
Flags a `$NAME` in a `FROM` image or `--platform` value when no `ARG NAME` comes before the
first `FROM` and `NAME` is not one of BuildKit's automatic platform ARGs
(`BUILDPLATFORM`, `TARGETARCH`, ...). A close match is suggested (`$BULIDPLATFORM` ->
`BUILDPLATFORM`). `${NAME:-default}` forms are not flagged.

## Why is this bad?
An undeclared variable expands to an empty string: the stage silently uses another image
(`node:22${VARIANT}` becomes `node:22`) or the build fails with an empty platform.

## Example
```dockerfile
FROM node:22${VARIANT} AS jsbuilder
```

## Use instead
```dockerfile
ARG VARIANT="-alpine3.20"
FROM node:22${VARIANT} AS jsbuilder
```

## References
- [BuildKit UndefinedArgInFrom](https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/)
"""

from __future__ import annotations

from imagepolicy.dockerfile import AUTOMATIC_ARGS, process_word
from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import did_you_mean, escape_of


def _undeclared(text: str, known: set[str], escape: str) -> list[str]:
    missing: list[str] = []
    try:
        process_word(text, {k: "x" for k in known}, escape=escape, missing=missing)
    except ValueError:
        return []
    return list(dict.fromkeys(m for m in missing if m not in known))


@rule("BK007", "undefined-arg-in-from", "warning", "dockerfile", "FROM uses an ARG that is not declared",
      aliases=("UndefinedArgInFrom", "UndeclaredArgInFrom"))
def check(dockerfile, ctx):
    known = set(AUTOMATIC_ARGS) | set(dockerfile.global_args) | set(dockerfile.build_args)
    escape = escape_of(dockerfile)
    for stage in dockerfile.stages:
        instr = stage.from_instruction
        texts = [stage.base_raw] + [v for v in [instr.flag("platform")] if v]
        for text in texts:
            for name in _undeclared(text, known, escape):
                yield Violation(
                    f"FROM argument '{name}' is not declared{did_you_mean(name, known)}",
                    line=instr.line,
                    fix=f"Declare it before the first FROM (ARG {name}=<default>) or fix the name.",
                )
