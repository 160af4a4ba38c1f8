"""A `CMD`, `ENTRYPOINT` or `HEALTHCHECK` that a later one in the stage overrides (BuildKit's `MultipleInstructionsDisallowed`).

## What it does
Flags each `CMD`, `ENTRYPOINT` and `HEALTHCHECK` that is followed by another of the same
kind in the same stage, on the line of the one that is ignored (as BuildKit does). A stage
built `FROM` another may set its own.

## When it runs
Off by default: the hadolint rule that overlaps it already reports the problem.
Turn it on with `extends: [recommended, buildkit]` (BuildKit's own set of checks) or
`rules: {BK009: warning}`.

## Why is this bad?
Only the last one takes effect; the earlier ones are dead code that misleads readers.

## Example
```dockerfile
FROM alpine
EXPOSE 3000
CMD ["node", "/app/server.js"]
CMD ["node", "/app/worker.js"]
```

## Use instead
```dockerfile
FROM alpine
EXPOSE 3000
CMD ["node", "/app/server.js"]
```

## Differences from hadolint
hadolint splits this into DL4003 (CMD), DL4004 (ENTRYPOINT) and DL3012 (HEALTHCHECK), each
reported on the *later* instruction. BuildKit reports the *earlier*, ignored one, under one
name; one BuildKit name cannot alias three rules, so this rule carries it. With both
families on, a repeated CMD is reported twice (once per line): keep the family you prefer
(`# check=skip=MultipleInstructionsDisallowed`, or `ignore` DL4003/DL4004/DL3012).

## References
- [BuildKit MultipleInstructionsDisallowed](https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule

KINDS = ("CMD", "ENTRYPOINT", "HEALTHCHECK")


@rule("BK009", "overridden-instruction", "warning", "dockerfile", "CMD/ENTRYPOINT/HEALTHCHECK overridden later in the stage",
      aliases=("MultipleInstructionsDisallowed",), default_enabled=False)
def check(dockerfile, ctx):
    for stage in dockerfile.stages:
        last: dict[str, int] = {}
        for instr in stage.instructions:
            if instr.keyword not in KINDS:
                continue
            if instr.keyword in last:
                yield Violation(
                    f"Multiple {instr.keyword} instructions should not be used in the same stage because only the last"
                    f" one will be used (this one is overridden on line {instr.line})",
                    line=last[instr.keyword],
                    fix=f"Remove this {instr.keyword}; keep one per stage.",
                )
            last[instr.keyword] = instr.line
