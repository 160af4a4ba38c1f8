"""A label of type `rfc3339` is not an RFC 3339 time.

## What it does
Flags a `LABEL` whose key the label schema types as `rfc3339` and whose value is not an RFC 3339 date-time (`2024-05-01T12:00:00Z`).

## Why is this bad?
Tools sort and compare build dates from these labels; any other format breaks them.

## Example
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.created="01/05/2024"
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.created="2024-05-01T12:00:00Z"
```
(with `org.opencontainers.image.created: rfc3339` in the `label-schema` setting)

## Options
None of its own: it reads the Dockerfile plugin's `label-schema` setting
(see DL3049).

## Differences from hadolint
Values are checked after ARG/ENV expansion, and a value that uses a variable
without a known value (an ARG without default) is not judged; hadolint checks
the literal text (`$VERSION` is never a valid time).

## References
- [hadolint DL3053](https://github.com/hadolint/hadolint/wiki/DL3053)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import invalid_labels

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_rfc3339(value: str) -> bool:
    if not _RFC3339.match(value):
        return False
    from datetime import datetime  # here: 4 ms to import, and most Dockerfiles have no such label

    try:
        datetime.fromisoformat(value[:10] + "T" + value[11:].upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@rule("DL3053", "label-not-rfc3339", "warning", "dockerfile", "A label typed rfc3339 in the label schema is not an RFC 3339 time",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr, key, value in invalid_labels(dockerfile, ctx, "rfc3339", _is_rfc3339):
        yield Violation(
            f"label {key!r} is {value!r}, not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)",
            line=instr.line,
            fix=f"Write {key} as YYYY-MM-DDTHH:MM:SSZ, e.g. from `date -u +%Y-%m-%dT%H:%M:%SZ` passed as a build arg.",
        )
