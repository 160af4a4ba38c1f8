"""A label of type `hash` is not a git commit hash.

## What it does
Flags a `LABEL` whose key the label schema types as `hash` and whose value is not a git commit hash: 7 or 40 lower-case hex digits.

## Why is this bad?
Tools link the image to its source commit through this label; a branch name or a typo points nowhere.

## Example
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.revision="main"
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.revision="4f3c2a1"
```
(with `org.opencontainers.image.revision: hash` in the `label-schema` setting)

## Options
None of its own: it reads the Dockerfile plugin's `label-schema` setting
(see DL3049).

## Differences from hadolint
Values are checked after ARG/ENV expansion, and a value that uses a variable
without a known value (an ARG without default) is not judged; hadolint checks
the literal text (`$VERSION` is never a valid hash).

## References
- [hadolint DL3055](https://github.com/hadolint/hadolint/wiki/DL3055)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import invalid_labels

_HASH = re.compile(r"^(?:[0-9a-f]{7}|[0-9a-f]{40})$")


def _is_hash(value: str) -> bool:
    return _HASH.match(value) is not None


@rule("DL3055", "label-not-git-hash", "warning", "dockerfile", "A label typed hash in the label schema is not a git commit hash",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr, key, value in invalid_labels(dockerfile, ctx, "hash", _is_hash):
        yield Violation(
            f"label {key!r} is {value!r}, not a git commit hash (7 or 40 lower-case hex digits)",
            line=instr.line,
            fix=f"Pass the commit as a build arg: `--build-arg REVISION=$(git rev-parse HEAD)` and LABEL {key}=$REVISION.",
        )
