"""A required label or OCI annotation is missing or has the wrong value.

## What it does
Checks the image config's `Labels` (set by `LABEL`) and the manifest's
`annotations` against the keys the config requires, optionally with a regex
their value must match (`re.search`). By default a key may be either a label or
an annotation (`where: either`). Nothing is required until you list keys.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
a label that does not match its pattern points at the `LABEL` line that set it.

## Why is this bad?
Labels such as `org.opencontainers.image.source`, `.revision` and `.version`
link a running container back to its code and build: registries (GHCR links
the repository from `source`), scanners and incident responders rely on them.
A policy that requires them keeps every team's images traceable.

## Example
```dockerfile
FROM python:3.12-slim
COPY . /app
```
with `rules: {IM011: {required: [org.opencontainers.image.source]}}`.

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.source="https://github.com/acme/service"
COPY . /app
```

## Options
- `required` (list, default `[]`): each item a key (`"org.opencontainers.image.source"`)
  or `{key: ..., pattern: <regex>}`.
- `where` (`labels` | `annotations` | `either`, default `either`): where a key must be.

## References
- [OCI image spec: pre-defined annotation keys](https://github.com/opencontainers/image-spec/blob/main/annotations.md)
- [Dockerfile reference: LABEL](https://docs.docker.com/reference/dockerfile/#label)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.layermap import config_instruction, instruction_span
from imagepolicy.model import RuleContext, Violation, rule

from ._provenance import compile_patterns

_WHERE = {"labels": "label", "annotations": "annotation", "either": "label or annotation"}


@rule(
    "IM011",
    "missing-label",
    "warning",
    "image",
    "A label or OCI annotation the config requires is missing or does not match its pattern.",
    options={
        "type": "object",
        "properties": {
            "required": {
                "type": "array",
                "default": [],
                "description": "Required keys: a key, or {key, pattern} where pattern is a regex the value must match.",
                "items": {
                    "anyOf": [
                        {"type": "string", "minLength": 1},
                        {
                            "type": "object",
                            "properties": {"key": {"type": "string", "minLength": 1}, "pattern": {"type": "string"}},
                            "required": ["key"],
                            "additionalProperties": False,
                        },
                    ]
                },
            },
            "where": {"enum": ["labels", "annotations", "either"], "default": "either", "description": "Where each key must be found."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    where = ctx.options.get("where", "either")
    sources = {"labels": [image.labels], "annotations": [image.annotations], "either": [image.labels, image.annotations]}[where]
    for i, item in enumerate(ctx.options.get("required", [])):
        key, pattern = (item, None) if isinstance(item, str) else (item["key"], item.get("pattern"))
        values = [s[key] for s in sources if key in s]
        kind = _WHERE[where]
        if not values:
            yield Violation(
                f"required {kind} {key!r} is missing",
                fix=f"add `LABEL {key}=...` to the final stage" + (" (or set the annotation when building)" if where != "labels" else ""),
                details={"key": key},
            )
            continue
        if pattern is None:
            continue
        (regex,) = compile_patterns([pattern], "IM011", f"required[{i}].pattern")
        if not any(regex.search(str(v)) for v in values):
            from_label = where != "annotations" and key in image.labels and image.labels[key] == values[0]
            line, end_line = instruction_span(config_instruction(image, ctx.dockerfile, "Labels", key) if from_label else None)
            yield Violation(
                f"{kind} {key!r} is {values[0]!r}, which does not match the required pattern {pattern!r}",
                line=line,
                end_line=end_line,
                fix=f"set {key} to a value matching {pattern!r}",
                details={"key": key, "value": values[0], "pattern": pattern},
            )
