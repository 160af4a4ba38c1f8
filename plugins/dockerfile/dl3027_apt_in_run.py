"""## What it does
Flags the `apt` command in a `RUN`.

## Why is this bad?
`apt` is the interactive front end: its output and behaviour may change between
releases and it warns that it "does not have a stable CLI interface". Scripts
should use `apt-get` and `apt-cache`.

## Example
```dockerfile
FROM debian:12
RUN apt install -y curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## Differences from hadolint
- `apt` in `sh -c` exec forms and by its path (`/usr/bin/apt`) counts too.

## References
- https://github.com/hadolint/hadolint/wiki/DL3027
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import instruction_commands


@rule("DL3027", "apt-in-run", "warning", "dockerfile", "apt (the interactive front end) in RUN",
      needs=("RUN apt",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        found = next((c for c, _ in instruction_commands(instr) if c.name == "apt"), None)
        if found is not None:
            yield Violation(
                f"RUN uses apt, the interactive front end: `{found.text}`",
                line=instr.line,
                fix="Use apt-get (install, update, remove) or apt-cache (search, show) in scripts",
            )
