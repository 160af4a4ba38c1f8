"""More than one `CMD` in a stage.

## What it does
Flags every `CMD` after the first in the same stage.

## Why is this bad?
Only the last `CMD` takes effect; the earlier ones are dead code that misleads
the reader about what the container runs.

## Example
```dockerfile
FROM python:3.12-slim
CMD ["python", "-m", "http.server"]
CMD ["python", "app.py"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["python", "app.py"]
```

## References
- [hadolint DL4003](https://github.com/hadolint/hadolint/wiki/DL4003)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._stages import repeated


@rule("DL4003", "multiple-cmd", "warning", "dockerfile", "A stage has more than one CMD; only the last takes effect")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for line, first in repeated(dockerfile, "CMD"):
        yield Violation(
            f"another CMD in the same stage (the first is on line {first}); only the last CMD takes effect",
            line=line,
            fix="Keep one CMD per stage.",
        )
