"""## What it does
Flags an `EXPOSE` port (or port range) outside 0-65535, after resolving ARG and ENV values.

## Why is this bad?
Ports are 16-bit numbers; the build fails or the port silently means something else.

## Example
```dockerfile
FROM nginx:1.27
EXPOSE 80 80000
```

## Use instead
```dockerfile
FROM nginx:1.27
EXPOSE 80 8000-8010/tcp
```

## Differences from hadolint
- Variables are resolved: `ARG PORT=99999` + `EXPOSE $PORT` fires (hadolint skips variables).

## References
- https://github.com/hadolint/hadolint/wiki/DL3011
"""

from __future__ import annotations

import re

from imagepolicy.model import Violation, rule

_PORT = re.compile(r"^(\d+)(?:-(\d+))?(?:/[A-Za-z]+)?$")


def invalid_ports(words: list[str]) -> list[str]:
    """The words naming a port or range above 65535 (others, such as unresolved variables, pass)."""
    bad = []
    for word in words:
        m = _PORT.match(word)
        if m and any(int(p) > 65535 for p in m.groups() if p is not None):
            bad.append(word)
    return bad


@rule("DL3011", "invalid-port", "error", "dockerfile", "EXPOSE port outside 0-65535", needs=("EXPOSE",))
def check(dockerfile, ctx):
    from imagepolicy.dockerfile import process_words

    for instr in dockerfile.instructions:
        if instr.keyword != "EXPOSE":
            continue
        missing: list[str] = []
        try:
            words = process_words(instr.args, instr.variables, missing=missing)
        except ValueError:
            continue
        if missing:
            words = [w for w in instr.words() if "$" not in w]
        bad = invalid_ports(words)
        if bad:
            yield Violation(
                f"EXPOSE {', '.join(bad)}: valid ports range from 0 to 65535",
                line=instr.line,
                fix="Use a port number between 0 and 65535",
            )
