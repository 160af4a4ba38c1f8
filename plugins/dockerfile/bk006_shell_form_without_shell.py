"""`CMD`/`ENTRYPOINT` in shell form without an explicit `SHELL` (BuildKit's `JSONArgsRecommended`).

## What it does
Flags a `CMD` or `ENTRYPOINT` in shell form (`CMD my-cmd start`) unless a `SHELL`
instruction earlier in the stage (or in a stage it is built `FROM`) says that a shell is
wanted.

## When it runs
Off by default: the hadolint rule that overlaps it already reports the problem.
Turn it on with `extends: [recommended, buildkit]` (BuildKit's own set of checks) or
`rules: {BK006: warning}`.

## Why is this bad?
In shell form the program runs as a child of `/bin/sh -c`, which does not pass signals on:
`docker stop` cannot make it shut down cleanly and it is killed after the timeout.

## Example
```dockerfile
FROM alpine
ENTRYPOINT my-program start
```

## Use instead
```dockerfile
FROM alpine
ENTRYPOINT ["my-program", "start"]
```

```dockerfile
FROM alpine
RUN apk add bash
SHELL ["/bin/bash", "-c"]
ENTRYPOINT echo "hello world"
```

## Differences from hadolint
hadolint's DL3025 flags every shell-form `CMD`/`ENTRYPOINT`; BuildKit (and this rule)
accepts it after an explicit `SHELL`, the documented way to say "I want a shell here".
Both rules exist so a team can keep hadolint's stricter DL3025 or switch to BuildKit's
opt-out (`ignore` DL3025, or `# check=skip=JSONArgsRecommended` for this one); with both
on, a shell-form `CMD` without `SHELL` is reported by each.

## References
- [BuildKit JSONArgsRecommended](https://docs.docker.com/go/dockerfile/rule/json-args-recommended/)
- [hadolint DL3025](https://github.com/hadolint/hadolint/wiki/DL3025)
"""

from __future__ import annotations

import json

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import shell_set_before


@rule("BK006", "shell-form-without-shell", "warning", "dockerfile",
      "CMD/ENTRYPOINT in shell form without an explicit SHELL", aliases=("JSONArgsRecommended",), default_enabled=False)
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword not in ("CMD", "ENTRYPOINT") or instr.json_args is not None or not instr.args.strip():
            continue
        if shell_set_before(instr):
            continue
        yield Violation(
            f"JSON arguments recommended for {instr.keyword} to prevent unintended behavior related to OS signals"
            f" ({instr.keyword} {instr.args.strip()} runs under /bin/sh -c)",
            line=instr.line,
            fix=f"Use the exec form, {instr.keyword} {json.dumps(instr.words())}, or declare the shell with SHELL [...] first.",
        )
