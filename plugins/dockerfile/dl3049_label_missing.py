"""A label the label schema requires is missing from the image.

## What it does
With a label schema configured, flags each schema label that no `LABEL` of
the final stage (or of the stages it is built `FROM`) sets. The finding is on
the final stage's `FROM` line.

## Why is this bad?
Registries, scanners and people read labels to find an image's source,
version and owner. A required label that is missing breaks that chain.

## Example
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.version="1.4.2"
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.version="1.4.2" \\
      org.opencontainers.image.source="https://github.com/acme/app"
```
(with the schema below requiring both labels)

## Options
None of its own. The label schema of *all* label rules (DL3049-DL3058) is a
setting of the Dockerfile plugin, in the shape of hadolint's `label-schema` and
`strict-labels`:

```yaml
settings:
  dockerfile:
    label-schema:
      org.opencontainers.image.source: url
      org.opencontainers.image.version: semver
    strict-labels: false
```

- `label-schema`: label name -> type, one of `text` (any value), `url`
  (DL3052), `rfc3339` (DL3053), `spdx` (DL3054), `hash` (DL3055, a 7 or
  40 hex digit git commit), `semver` (DL3056), `email` (DL3058). Every label
  in the schema is required (DL3049) and must not be empty (DL3051). An
  unknown type is a config error.
- `strict-labels`: when true, DL3050 flags labels the schema does not list.

The other label rules read the schema even when DL3049 is turned off. Configs
that still set both under `rules: {DL3049: {...}}` keep working, with a
deprecation note.

## Differences from hadolint
Only the final image is judged: builder stages need no labels. hadolint
reports every stage without the label, on its `FROM` line.

## References
- [hadolint DL3049](https://github.com/hadolint/hadolint/wiki/DL3049)
- [OCI image annotations](https://github.com/opencontainers/image-spec/blob/main/annotations.md)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import label_pairs, labels_of_type

@rule("DL3049", "label-missing", "info", "dockerfile", "A label the label schema requires is missing from the image")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    required = labels_of_type(ctx)
    final = dockerfile.final_stage
    if not required or final is None:
        return
    present = {
        key
        for stage in final.lineage()
        for instr in stage.instructions
        if instr.keyword == "LABEL"
        for key, _value in label_pairs(instr)
    }
    for name in sorted(set(required) - present):
        yield Violation(
            f"label {name!r} ({required[name]}) is missing from the final image ({final.label})",
            line=final.from_instruction.line,
            fix=f"Add LABEL {name}=\"...\" to the final stage.",
        )
