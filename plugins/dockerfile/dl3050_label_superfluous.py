"""A label the label schema does not list, with `strict-labels` on.

## What it does
With the setting `strict-labels: true`, flags each `LABEL` that sets a key
the `label-schema` setting does not list.

## Why is this bad?
A team that fixes the set of labels wants a typo (`org.opencontainers.image.vesion`)
or an ad-hoc label to stand out.

## Example
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.version="1.4.0" build-host="ci-7"
```

## Use instead
```dockerfile
FROM python:3.12-slim
LABEL org.opencontainers.image.version="1.4.0"
```
(with `org.opencontainers.image.version: semver` in the `label-schema` setting
and `strict-labels: true`)

## Options
None of its own: it reads the Dockerfile plugin's settings `label-schema` and
`strict-labels` (see DL3049). Without `strict-labels: true` it never fires.

## References
- [hadolint DL3050](https://github.com/hadolint/hadolint/wiki/DL3050)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule

from ._labels import label_options, label_pairs


@rule("DL3050", "label-superfluous", "info", "dockerfile", "A label is not in the label schema while strict-labels is on",
      needs=("LABEL",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    options = label_options(ctx)
    if not options.get("strict-labels"):
        return
    schema = options.get("label-schema") or {}
    for instr in dockerfile.instructions:
        if instr.keyword != "LABEL":
            continue
        extra = [key for key, _value in label_pairs(instr) if key not in schema]
        if extra:
            yield Violation(
                f"label {', '.join(repr(k) for k in extra)} is not in the label schema (strict-labels is on)",
                line=instr.line,
                fix="Remove the label, or add it to the label-schema setting.",
            )
