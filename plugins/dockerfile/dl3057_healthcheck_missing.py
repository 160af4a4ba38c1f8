"""The image has no `HEALTHCHECK` (off unless configured).

## What it does
Flags a Dockerfile whose final stage (with the stages it is built `FROM`)
has no `HEALTHCHECK` instruction. The finding is on the final stage's `FROM`
line. Like hadolint, this rule is off by default: it runs only when the
config names it, e.g. `rules: {DL3057: info}`.

## Why is this bad?
Without a health check, Docker and orchestrators that read it only know that
the process runs, not that it serves.

## Example
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
```

## Use instead
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
HEALTHCHECK CMD curl -fsS http://localhost/ || exit 1
```

## Options
None. Turn it on by naming it in the config (`DL3057: info`, `DL3057:
warning`, or `DL3057: {}` for the default severity).

## Differences from hadolint
Only the final image is judged (builder stages never run as containers);
hadolint reports every stage without a HEALTHCHECK. `HEALTHCHECK NONE` counts
as a decision and silences the rule in both.

## References
- [hadolint DL3057](https://github.com/hadolint/hadolint/wiki/DL3057)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule


@rule("DL3057", "healthcheck-missing", "info", "dockerfile", "The image has no HEALTHCHECK (off unless configured)", default_enabled=False)
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    final = dockerfile.final_stage
    if final is None:
        return
    if any(instr.keyword == "HEALTHCHECK" for stage in final.lineage() for instr in stage.instructions):
        return
    yield Violation(
        f"the final image ({final.label}, FROM {final.base}) has no HEALTHCHECK",
        line=final.from_instruction.line,
        fix="Add HEALTHCHECK CMD <command that fails when the service is unhealthy>, or HEALTHCHECK NONE to say none is wanted.",
    )
