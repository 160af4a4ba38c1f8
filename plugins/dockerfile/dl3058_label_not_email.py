"""A label of type `email` is not an email address.

## What it does
Flags a `LABEL` whose key the label schema types as `email` and whose value is not an RFC 5322 address (`team@example.com`).

## Why is this bad?
People and tools use this label to reach the image's owner; a name alone reaches no one.

## Example
```dockerfile
FROM python:3.12-slim
LABEL maintainer="Platform Team"
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL maintainer="platform@example.com"
```
(with `maintainer: email` in the `label-schema` setting)

## Options
None of its own: it reads the Dockerfile plugin's `label-schema` setting
(see DL3049).

## Differences from hadolint
Values are checked after ARG/ENV expansion, and a value that uses a variable
without a known value (an ARG without default) is not judged; hadolint checks
the literal text (`$VERSION` is never a valid email address).

## References
- [hadolint DL3058](https://github.com/hadolint/hadolint/wiki/DL3058)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import invalid_labels

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# A pattern, compiled by re on first use: only a Dockerfile with such a label needs it.
_EMAIL = (
    rf'^(?:{_ATOM}(?:\.{_ATOM})*|"[^"\\]*")@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[^\]\s]+\])$'
)


def _is_email(value: str) -> bool:
    return re.match(_EMAIL, value) is not None


@rule("DL3058", "label-not-email", "warning", "dockerfile", "A label typed email in the label schema is not an email address",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr, key, value in invalid_labels(dockerfile, ctx, "email", _is_email):
        yield Violation(
            f"label {key!r} is {value!r}, not an email address (e.g. team@example.com)",
            line=instr.line,
            fix=f"Give {key} a mail address such as platform@example.com.",
        )
