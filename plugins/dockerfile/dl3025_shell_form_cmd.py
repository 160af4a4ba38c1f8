"""## What it does
Flags `CMD` and `ENTRYPOINT` in shell form (not a JSON array). One that starts with `[` but
is not a valid JSON array of strings (`CMD ["app", "--flag"` or `CMD ['app']`) is reported
as malformed: the builder silently runs it in shell form.

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
        args = instr.args.strip()
        if args.startswith("["):
            yield _malformed_json(instr.keyword, args, instr.line)
            continue
        words = instr.words()
        yield Violation(
            f"{instr.keyword} {args} is in shell form: /bin/sh becomes PID 1 and swallows signals",
            line=instr.line,
            fix=f"Use the JSON (exec) form: {instr.keyword} {json.dumps(words)}",
        )


def _malformed_json(keyword: str, args: str, line: int) -> Violation:
    """The finding for a CMD/ENTRYPOINT that starts like a JSON array but is not one (the builder runs it in shell form)."""
    try:
        json.loads(args)
        problem = "valid JSON, but not every item is a string"
    except json.JSONDecodeError as exc:
        problem = "malformed JSON: " + (f"{exc.msg.lower()} after {args[:exc.pos]}" if exc.pos else exc.msg.lower())
    return Violation(
        f"{keyword} {args} looks like the JSON (exec) form but is not a JSON array of strings ({problem}), "
        "so it runs in shell form: /bin/sh becomes PID 1 and swallows signals",
        line=line,
        fix=f'Fix the JSON array: double-quoted strings, commas between them, closed with ], e.g. {keyword} ["app", "--flag"]',
    )
