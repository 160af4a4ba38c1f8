"""## What it does
Flags `RUN` commands that make no sense while building an image: `ssh`, `vim`,
`shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`.

## Why is this bad?
A build step has no terminal, no running services and no other processes to
inspect or stop; these commands either hang, fail, or do nothing useful and
usually show a misunderstanding of how images are built.

## Example
```dockerfile
FROM debian:12
RUN service nginx start
```

## Use instead
```dockerfile
FROM debian:12
CMD ["nginx", "-g", "daemon off;"]
```

## Differences from hadolint
- Heredoc RUNs, `sh -c` exec forms and `$(...)` are checked too, and a command
  called by its path (`/usr/sbin/service`) counts.

## References
- https://github.com/hadolint/hadolint/wiki/DL3001
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import instruction_commands

POINTLESS = frozenset({"free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim"})


@rule("DL3001", "pointless-command", "info", "dockerfile", "RUN command that makes no sense in a build (ssh, vim, service...)")
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        names = sorted({c.name for c, _ in instruction_commands(instr) if c.name in POINTLESS})
        if names:
            yield Violation(
                f"RUN uses {', '.join(names)}, which makes no sense while building an image",
                line=instr.line,
                fix="Remove it: start services with CMD/ENTRYPOINT, and inspect or edit the container at run time",
            )
