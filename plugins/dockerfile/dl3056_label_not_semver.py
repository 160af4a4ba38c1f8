"""A label of type `semver` is not a semantic version.

## What it does
Flags a `LABEL` whose key the label schema types as `semver` and whose value is not a semantic version 2.0 (`1.4.2`, `2.0.0-rc.1`).

## Why is this bad?
Tools compare versions read from this label; `v1.4` or `latest` cannot be ordered.

## Example
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.version="v1.4"
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
Values are checked after ARG/ENV expansion, and a value that uses a variable
without a known value (an ARG without default) is not judged; hadolint checks
the literal text (`$VERSION` is never a valid version).

## References
- [hadolint DL3056](https://github.com/hadolint/hadolint/wiki/DL3056)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import invalid_labels

_N = r"(?:0|[1-9]\d*)"
_PRE = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
# A pattern, compiled by re on first use: only a Dockerfile with such a label needs it.
_SEMVER = (
    rf"^{_N}\.{_N}\.{_N}(?:-{_PRE}(?:\.{_PRE})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)


def _is_semver(value: str) -> bool:
    return re.match(_SEMVER, value) is not None


@rule("DL3056", "label-not-semver", "warning", "dockerfile", "A label typed semver in the label schema is not a semantic version",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr, key, value in invalid_labels(dockerfile, ctx, "semver", _is_semver):
        yield Violation(
            f"label {key!r} is {value!r}, not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.4.2)",
            line=instr.line,
            fix=f"Write {key} as MAJOR.MINOR.PATCH without a leading v.",
        )
