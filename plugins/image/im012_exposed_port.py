"""The image exposes a port the policy does not allow.

## What it does
Checks the image config's `ExposedPorts` (from `EXPOSE`, inherited ones
included) against the policy: a port in `denied` is always reported (by
default SSH 22 and telnet 23); when `allowed` is set, every port outside it is
reported. Items are ports or ranges, optionally with a protocol: `8080`,
`8000-8999`, `53/udp` (no protocol means any).

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the `EXPOSE` line that lists the port.

## Why is this bad?
`EXPOSE` documents what the container serves and `docker run -P` publishes it.
An SSH or telnet daemon in an application image is a remote login nobody
patches; an unexpected port usually means a debug server or an admin endpoint
was left on.

## Example
```dockerfile
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*
EXPOSE 22 8080
```

## Use instead
```dockerfile
FROM debian:bookworm-slim
EXPOSE 8080
```

## Options
- `allowed` (list or `null`, default `null`): ports/ranges that may be exposed; `null` allows all not denied.
- `denied` (list, default `["22", "23"]`): ports/ranges never allowed.

## References
- [Dockerfile reference: EXPOSE](https://docs.docker.com/reference/dockerfile/#expose)
- [trivy AVD-DS-0004: port 22 exposed](https://avd.aquasec.com/misconfig/ds004)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.layermap import config_instruction, instruction_span
from imagepolicy.model import RuleContext, Violation, rule

PORT_SPEC = r"^[0-9]{1,5}(-[0-9]{1,5})?(/(tcp|udp|sctp))?$"
_SPEC = {"anyOf": [{"type": "string", "pattern": PORT_SPEC}, {"type": "integer", "minimum": 0, "maximum": 65535}]}


@rule(
    "IM012",
    "exposed-port",
    "warning",
    "image",
    "The image exposes a denied port, or one outside the allowed list.",
    options={
        "type": "object",
        "properties": {
            "allowed": {
                "anyOf": [{"type": "null"}, {"type": "array", "items": _SPEC}],
                "default": None,
                "description": "Ports or ranges (`8080`, `8000-8999`, `53/udp`) that may be exposed; null allows all that are not denied.",
            },
            "denied": {"type": "array", "items": _SPEC, "default": ["22", "23"], "description": "Ports or ranges never allowed."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    allowed = ctx.options.get("allowed")
    denied = ctx.options.get("denied", ["22", "23"])
    for exposed in sorted(image.runtime.get("ExposedPorts") or {}, key=_sort_key):
        port, proto = parse_exposed(exposed)
        if port is None:
            continue
        rule_hit = next((spec for spec in denied if port_matches(spec, port, proto)), None)
        if rule_hit is not None:
            message = f"the image exposes port {exposed}, which the policy denies ({rule_hit})"
            fix = f"remove `EXPOSE {port}` and the service listening on it"
        elif allowed is not None and not any(port_matches(spec, port, proto) for spec in allowed):
            shown = ", ".join(str(s) for s in allowed) or "none"
            message = f"the image exposes port {exposed}, which is not in the allowed ports ({shown})"
            fix = f"remove `EXPOSE {port}`, or add it to this rule's `allowed` option"
        else:
            continue
        line, end_line = instruction_span(config_instruction(image, ctx.dockerfile, "ExposedPorts", exposed))
        yield Violation(message, line=line, end_line=end_line, fix=fix, details={"port": port, "protocol": proto})


def parse_exposed(text: str) -> tuple[int | None, str]:
    """``"8080/tcp"`` -> (8080, "tcp"); a config key without protocol is tcp."""
    port, _, proto = str(text).partition("/")
    return (int(port) if port.isdigit() else None), (proto or "tcp").lower()


def port_matches(spec: str | int, port: int, proto: str) -> bool:
    """True when ``spec`` (``8080``, ``8000-8999/tcp``...) covers ``port``/``proto``."""
    m = re.match(r"^(\d+)(?:-(\d+))?(?:/(\w+))?$", str(spec).strip())
    if not m:
        return False
    low = int(m.group(1))
    high = int(m.group(2) or low)
    return low <= port <= high and (m.group(3) is None or m.group(3).lower() == proto)


def _sort_key(text: str) -> tuple[int, str]:
    port, proto = parse_exposed(text)
    return (port if port is not None else -1, proto)
