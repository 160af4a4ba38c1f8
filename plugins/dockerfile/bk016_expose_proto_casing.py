"""An `EXPOSE` protocol not in lowercase (BuildKit's `ExposeProtoCasing`).

## What it does
Flags `EXPOSE 80/TCP` and other ports whose protocol (`tcp`, `udp`, `sctp`) is not
written in lowercase. Variables are expanded first.

## Why is this bad?
The builder lowercases it, so it works, but other tools that read the Dockerfile or the
image config may not. BuildKit calls it a style matter, so the default severity is `info`.

## Example
```dockerfile
FROM alpine
EXPOSE 80/TcP
```

## Use instead
```dockerfile
FROM alpine
EXPOSE 80/tcp
```

## References
- [BuildKit ExposeProtoCasing](https://docs.docker.com/go/dockerfile/rule/expose-proto-casing/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import expose_ports


@rule("BK016", "expose-proto-casing", "info", "dockerfile", "EXPOSE protocol not in lowercase", aliases=("ExposeProtoCasing",),
      needs=("EXPOSE",))
def check(dockerfile, ctx):
    for instr, port in expose_ports(dockerfile):
        proto = port.rsplit(":", 1)[-1].partition("/")[2]
        if proto and proto != proto.lower():
            yield Violation(
                f"Defined protocol '{port}' in EXPOSE instruction should be lowercase",
                line=instr.line,
                fix=f"Write EXPOSE {port.rsplit('/', 1)[0]}/{proto.lower()}.",
            )
