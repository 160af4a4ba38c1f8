"""Replacing `/bin/sh` with `ln` instead of using `SHELL`.

## What it does
Flags an `ln` command in a RUN that names `/bin/sh` (`ln -sf /bin/bash /bin/sh`).

## Why is this bad?
Relinking `/bin/sh` changes the shell of every script in the image, not only
of the build, and hides the change from anyone reading the Dockerfile.
`SHELL` changes the shell of the following RUN instructions only.

## Example
```dockerfile
FROM debian:12-slim
RUN ln -sf /bin/bash /bin/sh
```

## Use instead
```dockerfile
FROM debian:12-slim
SHELL ["/bin/bash", "-c"]
```

## References
- [hadolint DL4005](https://github.com/hadolint/hadolint/wiki/DL4005)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import instruction_commands


@rule("DL4005", "ln-bin-sh", "warning", "dockerfile", "ln replaces /bin/sh instead of SHELL changing the build's shell",
      needs=("RUN ln",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in dockerfile.instructions:
        if run.keyword != "RUN":
            continue
        for cmd, _line in instruction_commands(run):
            if cmd.name == "ln" and "/bin/sh" in cmd.args:
                yield Violation(
                    f"`{cmd.text}` replaces /bin/sh for every script in the image",
                    line=run.line,
                    fix='Use SHELL ["/bin/bash", "-c"] to change the shell of the following RUN instructions.',
                )
                break  # one finding per RUN, as hadolint
