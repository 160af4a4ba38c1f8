"""Inline ignore pragmas (off by default, as in hadolint).

## What it does
Flags inline ignore pragmas (`# hadolint ignore=DL3008` or `# imagepolicy ignore=DL3008`
above an instruction). Global pragmas (`# hadolint global ignore=...`) are not flagged.

## Why is this bad?
Inline pragmas scatter policy exceptions across Dockerfiles, where reviewers
rarely look. Teams that want exceptions in one reviewed place (the config's
`ignore` list) enable this rule.

## Example
```dockerfile
FROM debian:12
# hadolint ignore=DL3008
RUN apt-get install -y --no-install-recommends curl
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## Differences from hadolint
- None in when it runs: off by default in both; turn it on with
  `rules: {DL1001: style}` (hadolint: `--style DL1001` or `override`).
- `# imagepolicy ignore=` pragmas count as well as hadolint's.

## References
- https://github.com/hadolint/hadolint/wiki/DL1001
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule


def _instruction_lines(dockerfile) -> set[int]:
    """Lines inside an instruction (continuations, heredoc bodies): comments there are no pragmas."""
    inside: set[int] = set()
    for instr in dockerfile.instructions:
        last = max([instr.end_line, *(h.end_line for h in instr.heredocs)])
        inside.update(range(instr.line, last + 1))
    return inside


@rule("DL1001", "inline-ignore-pragma", "style", "dockerfile", "An inline ignore pragma hides a finding outside the reviewed config", default_enabled=False)
def check(dockerfile, ctx):
    inside = None
    for pragma in dockerfile.pragmas:
        if pragma.kind != "ignore" or pragma.scope != "next" or not pragma.values:
            continue
        if inside is None:
            inside = _instruction_lines(dockerfile)
        if pragma.line in inside:
            continue
        yield Violation(
            f"inline ignore pragma `# {pragma.tool} ignore={','.join(pragma.values)}`",
            line=pragma.line,
            fix="Remove the pragma and fix the finding, or list the exception in the config's ignore section",
        )
