"""## What it does
Flags the final image when the last `USER` in force is `root` (or UID 0). Only
the final stage and the stages it is built `FROM` are judged: a builder stage may
stay root.

## Why is this bad?
A container running as root turns any compromise of the application into
root in the container, one kernel bug away from the host.

## Example
```dockerfile
FROM debian:12
RUN useradd --create-home app
USER root
```

## Use instead
```dockerfile
FROM debian:12 AS build
USER root
RUN echo "builders may be root"

FROM debian:12
RUN useradd --create-home app
USER app
```

## Differences from hadolint
- Stage-aware (hadolint #405, #1068): hadolint flags the last `USER root` of every stage;
  we judge only what the final image runs as, following `FROM <stage>` parents.
- Variables are resolved: `ARG RUN_AS=root` + `USER $RUN_AS` fires.

## References
- https://github.com/hadolint/hadolint/wiki/DL3002
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule


def is_root(user: str | None) -> bool:
    """True for ``root``/``0`` with or without a group."""
    if not user:
        return False
    return user.split(":", 1)[0].strip() in ("root", "0")


@rule("DL3002", "last-user-root", "warning", "dockerfile", "the final image's last USER is root")
def check(dockerfile, ctx):
    final = dockerfile.final_stage
    if final is None or not is_root(final.end_state[2]):
        return
    for stage in final.lineage():
        last = next((i for i in reversed(stage.instructions) if i.keyword == "USER"), None)
        if last is not None:
            yield Violation(
                f"the final image runs as {final.end_state[2]!r}: the last USER ({last.args.strip()}) is root",
                line=last.line,
                fix="Create an unprivileged user (useradd/adduser) and end with USER <name or uid>",
            )
            return
