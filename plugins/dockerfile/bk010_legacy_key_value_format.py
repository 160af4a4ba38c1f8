r"""`ENV key value` or `LABEL key value` without `=` (BuildKit's `LegacyKeyValueFormat`).

## What it does
Flags `ENV` and `LABEL` instructions written in the legacy whitespace-separated form
(`ENV DEPS curl git`), where everything after the first word is one value.

## Why is this bad?
The form is deprecated; it allows only one variable per instruction and its value runs to
the end of the line, so `ENV A 1 B 2` sets `A` to `1 B 2`.

## Example
```dockerfile
FROM alpine
ENV DEPS \
    curl \
    git \
    make
```

## Use instead
```dockerfile
FROM alpine
ENV DEPS="\
    curl \
    git \
    make"
```

## References
- [BuildKit LegacyKeyValueFormat](https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import assignments, escape_of


@rule("BK010", "legacy-key-value-format", "warning", "dockerfile", "ENV/LABEL in the legacy 'key value' form",
      aliases=("LegacyKeyValueFormat",))
def check(dockerfile, ctx):
    escape = escape_of(dockerfile)
    for instr in dockerfile.instructions:
        if instr.keyword not in ("ENV", "LABEL") or instr.stage is None:
            continue
        pairs, legacy = assignments(instr, escape)
        if legacy:
            key, value = pairs[0]
            yield Violation(
                f"\"{instr.keyword} key=value\" should be used instead of legacy \"{instr.keyword} key value\" format"
                f" ({instr.keyword} {key} ...)",
                line=instr.line,
                fix=f"Write {instr.keyword} {key}=\"{' '.join((value or '').split())}\".",
            )
