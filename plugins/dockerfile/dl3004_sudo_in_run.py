"""## What it does
Flags `sudo` in a `RUN`.

## Why is this bad?
Build steps already run as the current `USER`; `sudo` adds a setuid binary to the
image, behaves differently with and without a TTY and hides which user really
owns the files. Switch users with `USER`, or use `gosu`/`su-exec` in an entrypoint.

## Example
```dockerfile
FROM debian:12
USER app
RUN sudo apt-get update
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update
USER app
```

## Differences from hadolint
- `sudo` called by its path (`/usr/bin/sudo`) and in `sh -c` exec forms counts too.

## References
- https://github.com/hadolint/hadolint/wiki/DL3004
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import instruction_commands


@rule("DL3004", "sudo-in-run", "error", "dockerfile", "sudo in RUN", needs=("RUN sudo",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        found = next((c for c, _ in instruction_commands(instr) if c.name == "sudo"), None)
        if found is not None:
            yield Violation(
                f"RUN uses sudo: `{found.text}`",
                line=instr.line,
                fix="Drop sudo: run the step before switching USER (or switch with USER root / gosu)",
            )
