"""## What it does
Flags a `WORKDIR` whose path is relative, after resolving ARG and ENV values.

## Why is this bad?
A relative `WORKDIR` is joined to the previous one, so its meaning depends on
every earlier `WORKDIR` (and the base image's). Absolute paths say where you are.

## Example
```dockerfile
FROM debian:12
WORKDIR app
```

## Use instead
```dockerfile
FROM debian:12
WORKDIR /app
```

## Differences from hadolint
- Variables are resolved: `ENV APP=app` + `WORKDIR $APP` fires (hadolint accepts any path
  starting with `$`). A variable the Dockerfile does not set (such as `$HOME` from the
  base image) is given the benefit of the doubt, as hadolint does.

## References
- https://github.com/hadolint/hadolint/wiki/DL3000
"""

from __future__ import annotations

import re

from imagepolicy.model import Violation, rule

# A pattern, compiled by re on first use: only a relative-looking WORKDIR needs it.
_WINDOWS_ABSOLUTE = r"^[A-Za-z]:"


def _resolved(instr, dockerfile) -> str | None:
    """The WORKDIR path with quotes removed and variables substituted; None if a variable is unknown."""
    from imagepolicy.dockerfile import process_word

    missing: list[str] = []
    try:
        value = process_word(instr.args.strip(), instr.variables, escape=dockerfile.directives.get("escape", "\\"), missing=missing)
    except ValueError:
        return None
    return None if missing else value


@rule("DL3000", "relative-workdir", "error", "dockerfile", "WORKDIR with a relative path", aliases=("WorkdirRelativePath",))
def check(dockerfile, ctx):
    for instr in dockerfile.instructions:
        if instr.keyword != "WORKDIR":
            continue
        path = _resolved(instr, dockerfile)
        if path is None or path.startswith(("/", "\\")) or re.match(_WINDOWS_ABSOLUTE, path):
            continue
        yield Violation(
            f"WORKDIR {instr.args.strip()} is relative ({path!r}): it depends on the WORKDIR before it",
            line=instr.line,
            fix=f"Use an absolute path, e.g. WORKDIR {instr.workdir.rstrip('/')}/{path.removeprefix('./')}",
        )
