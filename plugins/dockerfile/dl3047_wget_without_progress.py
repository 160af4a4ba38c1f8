"""`wget` without `--progress`, `-q` or `-nv`.

## What it does
Flags `wget` without `--progress=...`, `-q`/`--quiet`, `-nv`/`--no-verbose`,
`-o`/`--output-file` or `-a`/`--append-output`.

## Why is this bad?
wget's default progress bar writes a line for every few kilobytes when it has
no terminal: a large download floods the build log with thousands of lines.

## Example
```dockerfile
FROM debian:12-slim
RUN wget https://example.com/big.tar.gz
```

## Use instead
```dockerfile
FROM debian:12-slim
RUN wget --progress=dot:giga https://example.com/big.tar.gz
```

## References
- [hadolint DL3047](https://github.com/hadolint/hadolint/wiki/DL3047)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import instruction_commands

QUIET = ("progress", "q", "quiet", "o", "output-file", "a", "append-output", "no-verbose")


@rule("DL3047", "wget-without-progress", "info", "dockerfile", "wget without --progress floods the build log")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        for cmd, _line in instruction_commands(run):
            if cmd.name == "wget" and not cmd.has_flag(*QUIET) and "-nv" not in cmd.args:
                yield Violation(
                    f"`{cmd.text}` prints a progress line every few kilobytes into the build log",
                    line=run.line,
                    fix="Add --progress=dot:giga, or -q / -nv.",
                )
                break  # one finding per RUN, as hadolint
