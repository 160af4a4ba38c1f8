"""## What it does
Flags `cd` in a `RUN`.

## Why is this bad?
`cd` only lasts for the rest of that `RUN`; the next instruction is back in the
`WORKDIR`. `WORKDIR` states the directory once for every later instruction and is
easier to read.

## Example
```dockerfile
FROM debian:12
RUN cd /usr/src/app && make
```

## Use instead
```dockerfile
FROM debian:12
WORKDIR /usr/src/app
RUN make
```

## Differences from hadolint
- Heredoc RUNs, `sh -c` exec forms and `$(...)` are checked too, and so is a heredoc
  body a shell runs (`RUN bash <<EOT`, `RUN <<-EOT bash`): hadolint reads neither (it
  cannot parse `<<-`).

## References
- https://github.com/hadolint/hadolint/wiki/DL3003
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import instruction_commands


@rule("DL3003", "cd-in-run", "warning", "dockerfile", "cd in RUN instead of WORKDIR", needs=("RUN cd",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        target = next((c for c, _ in instruction_commands(instr) if c.name == "cd"), None)
        if target is not None:
            where = target.positional()[0] if target.positional() else "~"
            yield Violation(
                f"RUN changes directory with `{target.text}`",
                line=instr.line,
                fix=f"Use WORKDIR {where} before the RUN instead of cd",
            )
