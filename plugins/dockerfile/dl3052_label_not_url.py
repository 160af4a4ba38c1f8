"""A label of type `url` is not a valid URL.

## What it does
Flags a `LABEL` whose key the label schema types as `url` and whose value is not an absolute URL (`scheme:...`).
An empty value is no URL either (DL3051 reports it as empty too), as in hadolint.

## Why is this bad?
Tools follow these labels (source repository, documentation); a malformed URL leads nowhere.

## Example
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.source="github.com/acme/app"
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.source="https://github.com/acme/app"
```
(with `org.opencontainers.image.source: url` in the `label-schema` setting)

## Options
None of its own: it reads the Dockerfile plugin's `label-schema` setting
(see DL3049).

## Differences from hadolint
Values are checked after ARG/ENV expansion, and a value that uses a variable
without a known value (an ARG without default) is not judged; hadolint checks
the literal text (`$VERSION` is never a valid URL).

## References
- [hadolint DL3052](https://github.com/hadolint/hadolint/wiki/DL3052)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import invalid_labels

# A pattern, compiled by re on first use: only a Dockerfile with such a label needs it.
_URL = (r"^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+$")


def _is_url(value: str) -> bool:
    return re.match(_URL, value) is not None


@rule("DL3052", "label-not-url", "warning", "dockerfile", "A label typed url in the label schema is not a valid URL",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr, key, value in invalid_labels(dockerfile, ctx, "url", _is_url):
        yield Violation(
            f"label {key!r} is {value!r}, not a valid URL (expected scheme:..., e.g. https://example.com/x)",
            line=instr.line,
            fix=f"Give {key} an absolute URL such as https://github.com/acme/app.",
        )
