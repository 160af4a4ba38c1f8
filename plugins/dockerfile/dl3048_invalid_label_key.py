"""A label key that breaks Docker's key format.

## What it does
Flags a `LABEL` with a key that does not follow Docker's recommended format:
lower-case letters, digits, `.`, `-`, `_` and `/` only, starting with a letter and
ending with a letter or digit, no `..` or `--`, and not in the namespaces
Docker reserves (`com.docker.`, `io.docker.`, `org.dockerproject.`). The
characters are hadolint's: `build_version` and `com.redhat.license_terms` are fine.

## Why is this bad?
Tools that read labels expect reverse-DNS keys; keys in Docker's own
namespaces may be overwritten by Docker.

## Example
```dockerfile
FROM python:3.12-slim
LABEL Maintainer="platform@example.com"
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.authors="platform@example.com"
```

## References
- [hadolint DL3048](https://github.com/hadolint/hadolint/wiki/DL3048)
- [Docker object labels](https://docs.docker.com/config/labels-custom-metadata/#key-format-recommendations)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import label_pairs

_KEY = re.compile(r"^[a-z](?:[a-z0-9._/-]*[a-z0-9])?$")
_RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")


def invalid_key(key: str) -> bool:
    return not _KEY.match(key) or ".." in key or "--" in key or key.startswith(_RESERVED)


@rule("DL3048", "invalid-label-key", "style", "dockerfile", "A label key breaks Docker's key format",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr in dockerfile.instructions:
        if instr.keyword != "LABEL":
            continue
        bad = [key for key, _value in label_pairs(instr) if invalid_key(key)]
        if bad:
            yield Violation(
                f"invalid label key {', '.join(repr(k) for k in bad)}",
                line=instr.line,
                fix="Use lower-case reverse-DNS keys of letters, digits, '.', '-' and '_' (e.g. org.opencontainers.image.authors), outside com.docker./io.docker./org.dockerproject.",
            )
