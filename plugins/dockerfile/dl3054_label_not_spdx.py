"""A label of type `spdx` is not an SPDX license identifier.

## What it does
Flags a `LABEL` whose key the label schema types as `spdx` and whose value is not an SPDX license identifier (`MIT`, `Apache-2.0`).

## Why is this bad?
License scanners read this label; a free-form name (`Apache License`) cannot be matched to a license.

## Example
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.licenses="Apache License"
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.licenses="Apache-2.0"
```
(with `org.opencontainers.image.licenses: spdx` in the `label-schema` setting)

## Options
None of its own: it reads the Dockerfile plugin's `label-schema` setting
(see DL3049).

## Differences from hadolint
Values are checked after ARG/ENV expansion, and a value that uses a variable
without a known value (an ARG without default) is not judged; hadolint checks
the literal text (`$VERSION` is never a valid license).

## References
- [hadolint DL3054](https://github.com/hadolint/hadolint/wiki/DL3054)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import invalid_labels

_ID = re.compile(r"^[A-Za-z0-9.+-]+$")


def _is_spdx(value: str) -> bool:
    """One SPDX license identifier from the SPDX license list (``MIT``, ``apache-2.0``, ``GPL-2.0+``).

    packaging's public ``canonicalize_license_expression`` knows the list; a single word is
    asked for (an expression such as ``MIT OR Apache-2.0`` is not one identifier, nor is a
    custom ``LicenseRef-...``, which names no license a scanner can look up).
    """
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    if not _ID.match(value) or value.lower().startswith(("licenseref-", "documentref-")):
        return False
    try:
        canonicalize_license_expression(value)
    except InvalidLicenseExpression:
        return False
    return True


@rule("DL3054", "label-not-spdx", "warning", "dockerfile", "A label typed spdx in the label schema is not an SPDX license identifier",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr, key, value in invalid_labels(dockerfile, ctx, "spdx", _is_spdx):
        yield Violation(
            f"label {key!r} is {value!r}, not an SPDX license identifier (e.g. MIT, Apache-2.0)",
            line=instr.line,
            fix="Use the SPDX identifier of the license (https://spdx.org/licenses/).",
        )
