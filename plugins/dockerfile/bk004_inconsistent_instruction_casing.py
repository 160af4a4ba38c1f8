"""An instruction keyword in another case than the file's majority (BuildKit's `ConsistentInstructionCasing`).

## What it does
Counts the keywords written all uppercase and all lowercase in the stages (ARGs before the
first `FROM` are not counted, as in BuildKit); flags every keyword that is not in the
majority's case, mixed-case keywords (`From`, `EntRYpOiNT`) included. A tie counts as
uppercase.

## Why is this bad?
Keywords may be either case, but a file mixing them is hard to scan. BuildKit calls it a
style matter, so the default severity is `info`.

## Example
```dockerfile
From alpine
Run echo hello > /greeting.txt
EntRYpOiNT ["cat", "/greeting.txt"]
```

## Use instead
```dockerfile
FROM alpine
RUN echo hello > /greeting.txt
ENTRYPOINT ["cat", "/greeting.txt"]
```

## References
- [BuildKit ConsistentInstructionCasing](https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/)
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import raw_keyword


@rule("BK004", "inconsistent-instruction-casing", "info", "dockerfile", "Instruction keyword case differs from the file's majority",
      aliases=("ConsistentInstructionCasing", "FileConsistentCommandCasing", "SelfConsistentCommandCasing"))
def check(dockerfile, ctx):
    staged = [instr for stage in dockerfile.stages for instr in (stage.from_instruction, *stage.instructions)]
    words = [(instr, raw_keyword(instr)) for instr in staged]
    lower = sum(1 for _, w in words if w == w.lower())
    upper = sum(1 for _, w in words if w == w.upper() and w != w.lower())
    majority_lower = lower > upper
    for instr, word in words:
        wanted = word.lower() if majority_lower else word.upper()
        if word != wanted:
            yield Violation(
                f"Command '{word}' should match the case of the command majority ({'lowercase' if majority_lower else 'uppercase'})",
                line=instr.line,
                fix=f"Write '{wanted}'.",
            )
