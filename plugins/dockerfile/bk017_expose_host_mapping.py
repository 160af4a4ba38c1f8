"""`EXPOSE` with an IP address or host port (BuildKit's `ExposeInvalidFormat`).

## What it does
Flags `EXPOSE` ports written as `[ip:]host-port:container-port` (`EXPOSE 8080:80`,
`EXPOSE 127.0.0.1:80:80`). Variables are expanded first.

## Why is this bad?
`EXPOSE` only documents the container's port; mappings to the host are chosen at
`docker run -p`. The builder silently drops the IP and host part today, and a future
release will reject them.

## Example
```dockerfile
FROM alpine
EXPOSE 127.0.0.1:80:80
```

## Use instead
```dockerfile
FROM alpine
EXPOSE 80
```

## References
- [BuildKit ExposeInvalidFormat](https://docs.docker.com/go/dockerfile/rule/expose-invalid-format/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import expose_ports


def split_parts(port: str) -> tuple[str, str, str]:
    """``[ip:]host:container`` -> (ip, host, container), as BuildKit's ``splitParts``."""
    parts = port.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


@rule("BK017", "expose-host-mapping", "warning", "dockerfile", "EXPOSE with an IP address or host port",
      aliases=("ExposeInvalidFormat",),
      needs=("EXPOSE",))
def check(dockerfile, ctx):
    for instr, port in expose_ports(dockerfile):
        ip, host, container = split_parts(port)
        if ip or host:
            yield Violation(
                f"EXPOSE {port}: IP address and host-port mapping should not be used in EXPOSE instruction",
                line=instr.line,
                fix=f"Write EXPOSE {container} and map the host port with docker run -p {':'.join(p for p in (ip, host) if p)}:{container}.",
            )
