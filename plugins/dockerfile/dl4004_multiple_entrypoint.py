"""More than one `ENTRYPOINT` in a stage.

## What it does
Flags every `ENTRYPOINT` after the first in the same stage.

## Why is this bad?
Only the last `ENTRYPOINT` takes effect; the earlier ones are dead code that
misleads the reader about what the container runs.

## Example
```dockerfile
FROM python:3.12-slim
ENTRYPOINT ["python"]
ENTRYPOINT ["gunicorn", "app:app"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
ENTRYPOINT ["gunicorn", "app:app"]
```

## References
- [hadolint DL4004](https://github.com/hadolint/hadolint/wiki/DL4004)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._stages import repeated


@rule("DL4004", "multiple-entrypoint", "error", "dockerfile", "A stage has more than one ENTRYPOINT; only the last takes effect",
      needs=("ENTRYPOINT",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for line, first in repeated(dockerfile, "ENTRYPOINT"):
        yield Violation(
            f"another ENTRYPOINT in the same stage (the first is on line {first}); only the last takes effect",
            line=line,
            fix="Keep one ENTRYPOINT per stage.",
        )
