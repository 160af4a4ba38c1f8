"""## What it does
Flags `apk add` of packages without a version (`curl` instead of `curl=8.9.1-r0`
or `curl~8.9`). Local `.apk` files count as pinned; ARG/ENV values are resolved.

## Why is this bad?
Without versions, rebuilding installs whatever the repository has today:
builds stop being reproducible and upgrades slip in unreviewed.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0
```

## Differences from hadolint
- Variables are resolved (`apk add $PKGS` with `ENV PKGS="curl=8.9.1-r0"` is pinned).
- Option values are skipped exactly (`--virtual=.deps`, `--repository x`, `-X x`, `-p root`).

## References
- https://github.com/hadolint/hadolint/wiki/DL3018
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import expand_word, instruction_commands

APK_VALUE_FLAGS = ("t", "virtual", "repository", "X", "p", "root", "arch", "keys-dir", "cache-dir", "repositories-file", "cache-max-age")


def apk_add_packages(instr):
    for cmd, _ in instruction_commands(instr):
        if cmd.name != "apk" or "add" not in cmd.args:
            continue
        operands = cmd.operand_words(*APK_VALUE_FLAGS)
        verbs = [w.text for w in operands]
        if "add" not in verbs:
            continue
        for word in operands[verbs.index("add") + 1 :]:
            yield from expand_word(instr, word) or ()


@rule("DL3018", "apk-add-unpinned", "warning", "dockerfile", "apk add without package versions",
      needs=("RUN apk",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        unpinned = [p for p in apk_add_packages(instr) if not ("=" in p or "~" in p or p.endswith(".apk"))]
        if unpinned:
            yield Violation(
                f"apk add without a version for {', '.join(dict.fromkeys(unpinned))}",
                line=instr.line,
                fix=f"Pin each package: {unpinned[0]}=<version> (apk policy {unpinned[0]} lists them)",
            )
