"""`MAINTAINER` is deprecated.

## What it does
Flags every `MAINTAINER` instruction.

## Why is this bad?
`MAINTAINER` has been deprecated since Docker 1.13; tools read the author
from the OCI label `org.opencontainers.image.authors` instead.

## Example
```dockerfile
FROM python:3.12-slim
MAINTAINER Jane Doe <jane@example.com>
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.authors="jane@example.com"
```

## References
- [hadolint DL4000](https://github.com/hadolint/hadolint/wiki/DL4000)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule


@rule("DL4000", "maintainer-deprecated", "error", "dockerfile", "MAINTAINER is deprecated", aliases=("MaintainerDeprecated",),
      needs=("MAINTAINER",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr in dockerfile.instructions:
        if instr.keyword == "MAINTAINER":
            yield Violation(
                f"MAINTAINER {instr.args.strip()} is deprecated",
                line=instr.line,
                fix=f"Use LABEL org.opencontainers.image.authors=\"{instr.args.strip()}\" instead.",
            )
