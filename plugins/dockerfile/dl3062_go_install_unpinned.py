"""`go install` of a module without a version.

## What it does
Flags `go install` and `go get` of a remote package without `@<version>`,
or with `@latest`. Local packages (`.`, `./cmd/x`, `/src/x`) are not judged.

## Why is this bad?
Without a version, the build fetches whatever the module's default branch
or newest tag is that day: two builds of the same commit differ.

## Example
```dockerfile
FROM golang:1.22
RUN go install golang.org/x/tools/gopls@latest
```

## Use instead
```dockerfile
FROM golang:1.22
RUN go install golang.org/x/tools/gopls@v0.16.1
```

## Differences from hadolint
Variables are expanded with the ARG/ENV values in scope: `ARG TOOL=example.com/tool@v1.0.0`
then `go install $TOOL` is pinned (hadolint judges the text `$TOOL`). A variable the
Dockerfile does not set is judged as written (`tool@${VERSION}` names a version), as in
hadolint; a `$(...)` names no package.

## References
- [hadolint DL3062](https://github.com/hadolint/hadolint/wiki/DL3062)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import instruction_commands

from ._packages import expanded_operands


def _unpinned(word: str) -> bool:
    if word.startswith((".", "/")):
        return False
    _, at, version = word.partition("@")
    return not at or version in ("", "latest")


@rule("DL3062", "go-install-unpinned", "warning", "dockerfile", "go install of a module without a version",
      needs=("RUN go",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        for cmd, _line in instruction_commands(run):
            if cmd.name != "go":
                continue
            positional = expanded_operands(run, cmd)
            if not positional or positional[0] not in ("install", "get"):
                continue
            unpinned = [w for w in positional[1:] if _unpinned(w)]
            if unpinned:
                yield Violation(
                    f"`go {positional[0]}` of {', '.join(unpinned)} without a fixed version",
                    line=run.line,
                    fix="Name a version: `go install <package>@<version>` (not @latest).",
                )
                break  # one finding per RUN, as hadolint
