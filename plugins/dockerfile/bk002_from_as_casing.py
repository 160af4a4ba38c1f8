"""`AS` written in another case than `FROM` (BuildKit's `FromAsCasing`).

## What it does
Flags `FROM image as name` (and `from image AS name`): the `AS` keyword does not match the
case of the `FROM` keyword. A `FROM` keyword in mixed case (`From`) is left to BK004.

## Why is this bad?
Keywords may be either case, but mixing styles in one instruction reads poorly. BuildKit
calls it a style matter, so the default severity is `info`.

## Example
```dockerfile
FROM debian:latest as builder
```

## Use instead
```dockerfile
FROM debian:latest AS deb-builder
from debian:latest as deb-runner
```

## References
- [BuildKit FromAsCasing](https://docs.docker.com/go/dockerfile/rule/from-as-casing/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import raw_keyword


@rule("BK002", "from-as-casing", "info", "dockerfile", "The AS keyword's case does not match FROM's", aliases=("FromAsCasing",))
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        instr = stage.from_instruction
        words = instr.args.split()
        if len(words) < 3:
            continue
        keyword, as_word = raw_keyword(instr), words[1]
        if keyword == keyword.lower():
            wanted = as_word.lower()
        elif keyword == keyword.upper():
            wanted = as_word.upper()
        else:
            continue  # a mixed-case FROM is BK004's finding
        if as_word != wanted:
            yield Violation(
                f"'{as_word}' and '{keyword}' keywords' casing do not match",
                line=instr.line,
                fix=f"Write '{wanted}' to match '{keyword}'.",
            )
