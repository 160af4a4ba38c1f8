"""## What it does
Flags `CMD` and `ENTRYPOINT` in shell form (not a JSON array).

## Why is this bad?
The shell form runs the program under `/bin/sh -c`: the shell is PID 1, so
`docker stop` sends SIGTERM to the shell, not to your program, which is killed
after the timeout. `ENTRYPOINT` in shell form also ignores `CMD` and run arguments.

## Example
```dockerfile
FROM python:3.12-slim
CMD python -m app
```

## Use instead
```dockerfile
FROM python:3.12-slim
CMD ["python", "-m", "app"]
```

## Differences from hadolint
- `HEALTHCHECK CMD` in shell form is fine (hadolint flags it under DL3025): the check is a
  short-lived process, not PID 1, and often needs the shell for `||`.

## References
- https://github.com/hadolint/hadolint/wiki/DL3025
"""

from __future__ import annotations

import json

from imagepolicy.model import Violation, rule


@rule("DL3025", "shell-form-cmd", "warning", "dockerfile", "CMD/ENTRYPOINT in shell form instead of JSON")
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword not in ("CMD", "ENTRYPOINT") or instr.json_args is not None or not instr.args.strip():
            continue
        words = instr.words()
        yield Violation(
            f"{instr.keyword} {instr.args.strip()} is in shell form: /bin/sh becomes PID 1 and swallows signals",
            line=instr.line,
            fix=f"Use the JSON (exec) form: {instr.keyword} {json.dumps(words)}",
        )
