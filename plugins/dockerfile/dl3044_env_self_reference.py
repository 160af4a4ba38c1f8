"""An `ENV` that uses a variable it defines itself.

## What it does
Flags an `ENV` with several pairs where one value refers (`$NAME` or
`${NAME}`) to a variable another pair of the same `ENV` defines, unless that
variable was already defined before (by an `ARG` or `ENV` in scope).

## Why is this bad?
Every value of one `ENV` is expanded with the variables as they were *before*
the instruction: in `ENV DIR=/opt/app BIN=$DIR/bin`, `BIN` becomes `/bin`.

## Example
```dockerfile
FROM python:3.12-slim
ENV APP_HOME=/opt/app APP_BIN=$APP_HOME/bin
```

## Use instead
```dockerfile
FROM python:3.12-slim
ENV APP_HOME=/opt/app
ENV APP_BIN=$APP_HOME/bin
```

## Differences from hadolint
"Defined before" means in scope at this instruction: an `ARG`/`ENV` of this
stage or of the stages it is built `FROM`. hadolint remembers every name
defined anywhere earlier in the file, even in an unrelated stage, and then
stays silent although the value expands to nothing.

## References
- [hadolint DL3044](https://github.com/hadolint/hadolint/wiki/DL3044)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import assignments


def _refers(value: str, name: str) -> bool:
    return re.search(r"\$(?:\{" + re.escape(name) + r"(?=[}:#%/+?-])|" + re.escape(name) + r"(?![A-Za-z0-9_]))", value) is not None


@rule("DL3044", "env-self-reference", "error", "dockerfile", "An ENV value refers to a variable the same ENV defines")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr in dockerfile.instructions:
        if instr.keyword != "ENV":
            continue
        pairs = assignments(instr)
        known = set(instr.env) | set(instr.argvars)
        for i, (name, _value) in enumerate(pairs):
            if name in known:
                continue
            users = [other for j, (other, value) in enumerate(pairs) if j != i and _refers(value, name)]
            if users:
                yield Violation(
                    f"ENV sets {name} and uses ${name} in {', '.join(users)} in the same instruction; "
                    f"the value seen there is the one from before this ENV (none in this Dockerfile: "
                    f"the base image's, if it sets {name})",
                    line=instr.line,
                    fix=f"Define {name} in its own ENV before the ENV that uses it.",
                )
                break
