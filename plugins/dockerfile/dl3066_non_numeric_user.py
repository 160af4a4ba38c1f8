"""`USER` with a user name instead of a numeric id.

## What it does
Flags a `USER` of the final image whose user part (before `:`) is a name
(`USER app`, `USER app:app`) rather than a number (`USER 10001`, `USER 10001:app`).
ARG and ENV values are resolved first.

## Why is this bad?
A name only means something through the image's `/etc/passwd`. The host and the
orchestrator cannot resolve it: Kubernetes' `runAsNonRoot` refuses to start a
container whose user is a name, because it cannot prove the user is not root.

## Example
```dockerfile
FROM python:3.12-slim
RUN useradd --uid 10001 app
USER app
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN useradd --uid 10001 app
USER 10001
```

## Differences from hadolint
- Only stages whose configuration becomes the image's (the final stage and the stages it
  is built `FROM`) are judged: a builder stage's `USER` never reaches the image.
  hadolint judges every stage.
- ARG and ENV values are resolved (`ENV UID=10001` then `USER $UID` is numeric; an ARG
  defaulting to a name is not). A variable without a known value is not judged.
  hadolint leaves any `USER` naming an ARG alone and flags every other variable.
- `USER 10001 ` with trailing blanks is numeric; hadolint counts the blanks.
- Windows stages are not judged: Windows containers run as a named account
  (`USER ContainerUser`, `ContainerAdministrator`) and have no numeric user ids or
  `/etc/passwd`; hadolint flags them.

## References
- https://github.com/hadolint/hadolint/wiki/DL3066
- [Kubernetes: runAsNonRoot](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction, expand_variables
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shells import CMD, bin_sh


def user_value(instr: Instruction) -> str | None:
    """The ``user[:group]`` a USER sets, variables resolved; None when a variable has no known value."""
    words = instr.words()
    if not words:
        return None
    missing: list[str] = []
    value = expand_variables(words[0], instr.variables, missing)
    return None if missing else value


@rule("DL3066", "non-numeric-user", "info", "dockerfile", "USER names a user instead of a numeric user id")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    final = dockerfile.final_stage
    if final is None:
        return
    image_stages = {stage.index for stage in final.lineage()}
    for instr in dockerfile.instructions:
        if instr.keyword != "USER" or instr.stage is None or instr.stage.index not in image_stages:
            continue
        if bin_sh(instr.stage).name == CMD:
            continue  # Windows: accounts have names, not uids (USER ContainerUser)
        value = user_value(instr)
        if value is None:
            continue
        uid = value.split(":", 1)[0]
        if uid and not (uid.isascii() and uid.isdigit()):
            yield Violation(
                f"USER {value}: the user {uid!r} is a name the host cannot resolve without the image's /etc/passwd",
                line=instr.line,
                fix=f"Use the numeric id: USER <uid>{value[len(uid):]} (e.g. create the user with useradd --uid 10001 {uid}).",
            )
