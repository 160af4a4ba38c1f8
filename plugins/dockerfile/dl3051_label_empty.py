"""A label from the label schema with an empty value.

## What it does
Flags a `LABEL` that sets a key listed in the `label-schema` setting to an empty
value. As in hadolint, an empty value of a typed label (`url`, `email`, ...) is
also reported by its type's rule (DL3052-DL3058): it is no URL either.

## Why is this bad?
An empty required label satisfies the letter of the schema and none of its
purpose: nobody can read a source, version or owner from it.

## Example
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.version=""
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.version="1.4.0"
```
(with `org.opencontainers.image.version: semver` in the `label-schema` setting)

## Options
None of its own: it reads the Dockerfile plugin's `label-schema` setting
(see DL3049).

## Differences from hadolint
A value that expands to nothing counts as empty (`LABEL version=$VERSION`
after `ARG VERSION=""`); a variable without a known value is not judged.

## References
- [hadolint DL3051](https://github.com/hadolint/hadolint/wiki/DL3051)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import label_pairs, labels_of_type


@rule("DL3051", "label-empty", "warning", "dockerfile", "A label from the label schema is empty",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    names = labels_of_type(ctx)
    if not names:
        return
    for instr in dockerfile.instructions:
        if instr.keyword != "LABEL":
            continue
        for key, value in label_pairs(instr):
            if key in names and value == "":
                yield Violation(
                    f"label {key!r} is empty",
                    line=instr.line,
                    fix=f"Give {key} a value ({names[key]}).",
                )
