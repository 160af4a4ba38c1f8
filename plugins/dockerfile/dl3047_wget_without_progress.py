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

## Fix
Safe: `imagepolicy fix` adds `--progress=dot:giga` after `wget` in every such
command of the RUN when the stage's `/bin/sh` is dash or bash (Debian, Ubuntu, the
Red Hat and SUSE families: GNU wget), and `-q` otherwise: BusyBox's wget (Alpine) knows no `--progress` and
would stop the build, while both take `-q`. Only the log output changes.

## References
- [hadolint DL3047](https://github.com/hadolint/hadolint/wiki/DL3047)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import instruction_commands

from imagepolicy.shells import BASH, DASH, bin_sh

from ._fixes import command_word, flag_fix

QUIET = ("progress", "q", "quiet", "o", "output-file", "a", "append-output", "no-verbose")


@rule("DL3047", "wget-without-progress", "info", "dockerfile", "wget without --progress floods the build log",
      autofix="safe",
      needs=("RUN wget",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        offending = [cmd for cmd, _line in instruction_commands(run)
                     if cmd.name == "wget" and not cmd.has_flag(*QUIET) and "-nv" not in cmd.args]
        if offending:  # one finding per RUN, as hadolint; its fix mends every wget of it
            gnu = run.stage is not None and bin_sh(run.stage).name in (DASH, BASH)  # Debian, Ubuntu, Red Hat, SUSE...
            flag = "--progress=dot:giga" if gnu else "-q"
            yield Violation(
                f"`{offending[0].text}` prints a progress line every few kilobytes into the build log",
                line=run.line,
                fix="Add --progress=dot:giga, or -q / -nv.",
                autofix=flag_fix(run, offending, command_word, flag, f"add {flag}"),
            )
