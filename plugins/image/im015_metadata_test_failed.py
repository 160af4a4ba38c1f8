"""The image config does not match the metadata the config declares.

## What it does
Compares the image config with the values in this rule's options: user,
working directory, entrypoint, command, environment, labels, exposed ports
and volumes. Only the keys you set are checked. It is
container-structure-test's `metadataTest`, read from the image config.

Mapping from container-structure-test's YAML:

| container-structure-test `metadataTest` | imagepolicy (`rules: {IM015: {...}}`) |
|---|---|
| `user` | `user` |
| `workdir` | `workdir` |
| `entrypoint`, `cmd` (lists; `[]` = none) | `entrypoint`, `cmd` |
| `envVars: [{key, value, isRegex}]` | `env: {KEY: value}`; a regex as `{pattern: ...}`; `null` = must not be set |
| `labels: [{key, value, isRegex}]` | `labels: {key: value}` (same forms) |
| `exposedPorts`, `unexposedPorts` | `exposed-ports`, `unexposed-ports` |
| `volumes`, `unmountedVolumes` | `volumes`, `unmounted-volumes` |

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
a value the Dockerfile set (USER, WORKDIR, ENTRYPOINT, CMD, ENV, LABEL, EXPOSE, VOLUME of the
final stage) is reported on that instruction's line.

## Why is this bad?
A refactor of the Dockerfile that drops the `USER`, changes the `WORKDIR`
(breaking relative imports) or turns the exec-form `ENTRYPOINT` into a shell
form changes how every container runs, without any test noticing.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /srv
CMD python -m acme
```
with `rules: {IM015: {workdir: /app, cmd: ["python", "-m", "acme"]}}`.

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
CMD ["python", "-m", "acme"]
```

## Options
`user`, `workdir` (strings), `entrypoint`, `cmd` (lists of strings),
`env`, `labels` (maps), `exposed-ports`, `unexposed-ports` (ports as
`8080` or `8080/tcp`), `volumes`, `unmounted-volumes` (paths). None by default.

## References
- [container-structure-test: metadata test](https://github.com/GoogleContainerTools/container-structure-test#metadata-test)
"""

from __future__ import annotations

from typing import Any, Iterator

from imagepolicy.layermap import config_instruction, instruction_span
from imagepolicy.model import RuleContext, Violation, rule

from ._provenance import compile_patterns

_VALUE = {
    "anyOf": [
        {"type": "string"},
        {"type": "null"},
        {"type": "object", "properties": {"pattern": {"type": "string"}}, "required": ["pattern"], "additionalProperties": False},
    ]
}
_PORT = {"anyOf": [{"type": "integer", "minimum": 0, "maximum": 65535}, {"type": "string", "pattern": "^[0-9]{1,5}(/(tcp|udp|sctp))?$"}]}
_STRINGS = {"type": "array", "items": {"type": "string"}}


@rule(
    "IM015",
    "metadata-test-failed",
    "error",
    "image",
    "The image config (user, workdir, entrypoint, cmd, env, labels, ports, volumes) differs from the config's expectation.",
    aliases=("metadataTest",),
    options={
        "type": "object",
        "properties": {
            "user": {"type": "string", "description": "Expected User (\"\" for none)."},
            "workdir": {"type": "string", "description": "Expected WorkingDir."},
            "entrypoint": {**_STRINGS, "description": "Expected Entrypoint ([] for none)."},
            "cmd": {**_STRINGS, "description": "Expected Cmd ([] for none)."},
            "env": {"type": "object", "additionalProperties": _VALUE, "description": "Expected Env: value, {pattern}, or null for unset."},
            "labels": {"type": "object", "additionalProperties": _VALUE, "description": "Expected Labels: value, {pattern}, or null for unset."},
            "exposed-ports": {"type": "array", "items": _PORT, "description": "Ports that must be exposed."},
            "unexposed-ports": {"type": "array", "items": _PORT, "description": "Ports that must not be exposed."},
            "volumes": {**_STRINGS, "description": "Paths that must be volumes."},
            "unmounted-volumes": {**_STRINGS, "description": "Paths that must not be volumes."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    options = ctx.options
    runtime = image.runtime

    def at(field: str, key: str | None = None) -> tuple[int | None, int | None]:
        """The (line, end_line) of the instruction that set this config value, when the Dockerfile did."""
        return instruction_span(config_instruction(image, ctx.dockerfile, field, key))

    for key, field, found in (("user", "User", image.user), ("workdir", "WorkingDir", image.workdir)):
        if key in options and options[key] != found and not (key == "workdir" and options[key].rstrip("/") == found.rstrip("/")):
            yield _mismatch(key, options[key], found, at(field))
    for key, field in (("entrypoint", "Entrypoint"), ("cmd", "Cmd")):
        if key in options and list(options[key]) != list(runtime.get(field) or []):
            yield _mismatch(key, options[key], list(runtime.get(field) or []), at(field))
    for key, field, values in (("env", "Env", image.env), ("labels", "Labels", image.labels)):
        for name, want in sorted((options.get(key) or {}).items()):
            yield from _check_value(key, name, want, values, at(field, name))
    exposed = {_port(p): p for p in runtime.get("ExposedPorts") or {}}
    for port in options.get("exposed-ports", []):
        if _port(port) not in exposed:
            yield _mismatch("exposed-ports", f"{_port(port)} exposed", sorted(exposed) or "no ports", (None, None))
    for port in options.get("unexposed-ports", []):
        if _port(port) in exposed:
            yield _mismatch("unexposed-ports", f"{_port(port)} not exposed", sorted(exposed), at("ExposedPorts", exposed[_port(port)]))
    volumes = {v.rstrip("/") or "/": v for v in runtime.get("Volumes") or {}}
    for path in options.get("volumes", []):
        if (path.rstrip("/") or "/") not in volumes:
            yield _mismatch("volumes", f"{path} a volume", sorted(volumes) or "no volumes", (None, None))
    for path in options.get("unmounted-volumes", []):
        if (path.rstrip("/") or "/") in volumes:
            yield _mismatch("unmounted-volumes", f"{path} not a volume", sorted(volumes), at("Volumes", volumes[path.rstrip("/") or "/"]))


def _port(value: Any) -> str:
    text = str(value)
    return text if "/" in text else text + "/tcp"


def _check_value(key: str, name: str, want: Any, values: dict[str, str], at: tuple[int | None, int | None]) -> Iterator[Violation]:
    """One env/labels expectation; ``at`` locates the instruction that set the value (unused when it is unset)."""
    where = f"{key}.{name}"
    if want is None:
        if name in values:
            yield _mismatch(where, "unset", values[name], at)
        return
    if name not in values:
        yield _mismatch(where, want if isinstance(want, str) else f"matching {want['pattern']!r}", "unset", (None, None))
        return
    if isinstance(want, str):
        if values[name] != want:
            yield _mismatch(where, want, values[name], at)
        return
    (regex,) = compile_patterns([want["pattern"]], "IM015", f"{where}.pattern")
    if not regex.search(values[name]):
        yield _mismatch(where, f"matching {want['pattern']!r}", values[name], at)


_DOCKERFILE_HINT = {
    "user": "USER", "workdir": "WORKDIR", "entrypoint": "ENTRYPOINT", "cmd": "CMD", "env": "ENV", "labels": "LABEL",
    "exposed-ports": "EXPOSE", "unexposed-ports": "EXPOSE", "volumes": "VOLUME", "unmounted-volumes": "VOLUME",
}


def _mismatch(key: str, expected: Any, found: Any, at: tuple[int | None, int | None]) -> Violation:
    instruction = _DOCKERFILE_HINT[key.split(".", 1)[0]]
    return Violation(
        f"image config {key}: expected {expected!r}, found {found!r}",
        line=at[0],
        end_line=at[1],
        fix=f"set it with {instruction} in the final stage, or update the expectation in the config",
        details={"key": key, "expected": expected, "found": found},
    )
