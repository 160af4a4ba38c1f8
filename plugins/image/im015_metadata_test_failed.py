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
    for key, found in (("user", image.user), ("workdir", image.workdir)):
        if key in options and options[key] != found and not (key == "workdir" and options[key].rstrip("/") == found.rstrip("/")):
            yield _mismatch(key, options[key], found)
    for key, config_key in (("entrypoint", "Entrypoint"), ("cmd", "Cmd")):
        if key in options and list(options[key]) != list(runtime.get(config_key) or []):
            yield _mismatch(key, options[key], list(runtime.get(config_key) or []))
    for key, values in (("env", image.env), ("labels", image.labels)):
        for name, want in sorted((options.get(key) or {}).items()):
            yield from _check_value(key, name, want, values)
    exposed = {_port(p) for p in runtime.get("ExposedPorts") or {}}
    for port in options.get("exposed-ports", []):
        if _port(port) not in exposed:
            yield _mismatch("exposed-ports", f"{_port(port)} exposed", sorted(exposed) or "no ports")
    for port in options.get("unexposed-ports", []):
        if _port(port) in exposed:
            yield _mismatch("unexposed-ports", f"{_port(port)} not exposed", sorted(exposed))
    volumes = {v.rstrip("/") or "/" for v in runtime.get("Volumes") or {}}
    for path in options.get("volumes", []):
        if (path.rstrip("/") or "/") not in volumes:
            yield _mismatch("volumes", f"{path} a volume", sorted(volumes) or "no volumes")
    for path in options.get("unmounted-volumes", []):
        if (path.rstrip("/") or "/") in volumes:
            yield _mismatch("unmounted-volumes", f"{path} not a volume", sorted(volumes))


def _port(value: Any) -> str:
    text = str(value)
    return text if "/" in text else text + "/tcp"


def _check_value(key: str, name: str, want: Any, values: dict[str, str]) -> Iterator[Violation]:
    where = f"{key}.{name}"
    if want is None:
        if name in values:
            yield _mismatch(where, "unset", values[name])
        return
    if name not in values:
        yield _mismatch(where, want if isinstance(want, str) else f"matching {want['pattern']!r}", "unset")
        return
    if isinstance(want, str):
        if values[name] != want:
            yield _mismatch(where, want, values[name])
        return
    (regex,) = compile_patterns([want["pattern"]], "IM015", f"{where}.pattern")
    if not regex.search(values[name]):
        yield _mismatch(where, f"matching {want['pattern']!r}", values[name])


_DOCKERFILE_HINT = {
    "user": "USER", "workdir": "WORKDIR", "entrypoint": "ENTRYPOINT", "cmd": "CMD", "env": "ENV", "labels": "LABEL",
    "exposed-ports": "EXPOSE", "unexposed-ports": "EXPOSE", "volumes": "VOLUME", "unmounted-volumes": "VOLUME",
}


def _mismatch(key: str, expected: Any, found: Any) -> Violation:
    instruction = _DOCKERFILE_HINT[key.split(".", 1)[0]]
    return Violation(
        f"image config {key}: expected {expected!r}, found {found!r}",
        fix=f"set it with {instruction} in the final stage, or update the expectation in the config",
        details={"key": key, "expected": expected, "found": found},
    )
