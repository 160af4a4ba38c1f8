"""## What it does
Flags every `HEALTHCHECK` after the first one in the same stage.

## Why is this bad?
Only the last `HEALTHCHECK` of a stage takes effect; the earlier ones are dead
code that readers may believe in.

## Example
```dockerfile
FROM nginx:1.27
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
HEALTHCHECK CMD wget -q --spider http://localhost/ || exit 1
```

## Use instead
```dockerfile
FROM nginx:1.27
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
```

## References
- https://github.com/hadolint/hadolint/wiki/DL3012
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule


@rule("DL3012", "multiple-healthchecks", "error", "dockerfile", "more than one HEALTHCHECK in a stage",
      needs=("HEALTHCHECK",))
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        checks = [i for i in stage.instructions if i.keyword == "HEALTHCHECK"]
        for extra in checks[1:]:
            yield Violation(
                f"{stage.label} has another HEALTHCHECK (the first is on line {checks[0].line}); only the last one counts",
                line=extra.line,
                fix="Keep a single HEALTHCHECK per stage",
            )
