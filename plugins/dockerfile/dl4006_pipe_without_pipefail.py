"""A RUN with a pipe while the shell lacks `-o pipefail`.

## What it does
Flags a RUN whose script has a pipe (`a | b`) when neither the stage's
`SHELL` (inherited through `FROM <stage>`) runs with `-o pipefail` nor the
script runs `set -o pipefail` before the pipe. A pipe inside a command
substitution counts (`arch="$(dpkg --print-architecture | cut -d- -f1)"`); the
`|` between `case` patterns (`x86_64|aarch64)`) and inside quotes is no pipe.

## Why is this bad?
A pipeline's status is that of its last command: in
`RUN wget -O - https://example.com/install.sh | sh` a failed download still
"succeeds", and the build goes on with a broken image.

## Example
```dockerfile
FROM debian:12-slim
RUN wget -qO- https://example.com/key.asc | gpg --dearmor > /usr/share/keyrings/example.gpg
```

## Use instead
```dockerfile
FROM debian:12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN wget -qO- https://example.com/key.asc | gpg --dearmor > /usr/share/keyrings/example.gpg
```

## Differences from hadolint
- `set -o pipefail` (or `set -euo pipefail`) in the script before the pipe
  counts, in a heredoc too; hadolint ignores it and still fires.
- A `SHELL` with `-o pipefail` set in a stage that this stage is built `FROM`
  counts; hadolint forgets it at every `FROM`.
- Any shell run with `-o pipefail` counts here; hadolint accepts it only
  for bash, zsh and ash. Whether the shell *accepts* the option is SC3040's
  finding: dash 0.5.12 (`/bin/sh` on Debian 12 and Ubuntu 24.04) has no
  pipefail and exits with "Illegal option -o pipefail", so on those bases
  `SHELL ["/bin/sh", "-o", "pipefail", "-c"]` and `set -o pipefail` are
  SC3040 errors; busybox ash (Alpine) and bash accept both.
- PowerShell and cmd shells are not judged, as in hadolint.

## References
- [hadolint DL4006](https://github.com/hadolint/hadolint/wiki/DL4006)
"""

from __future__ import annotations

import posixpath
from typing import Iterator, Sequence

from imagepolicy.dockerfile import Dockerfile, Instruction
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import SHELLS, instruction_script, parse_script


def _sets_pipefail(words: Sequence[str]) -> bool:
    """``-o pipefail`` among shell or ``set`` arguments (also ``-eo pipefail``, ``-euxo pipefail``)."""
    return any(w.startswith("-") and not w.startswith("--") and "o" in w for w in words) and "pipefail" in words


def _script_and_shell(run: Instruction) -> tuple[str | None, tuple[str, ...]]:
    if run.script is not None:
        return run.script, run.shell
    args = run.json_args or []
    if len(args) >= 3 and posixpath.basename(args[0]) in SHELLS and "-c" in args:
        at = args.index("-c")
        if at + 1 < len(args):
            return args[at + 1], tuple(args[: at + 1])
    return None, run.shell


@rule("DL4006", "pipe-without-pipefail", "warning", "dockerfile", "A RUN pipes commands while the shell lacks -o pipefail")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in dockerfile.instructions:
        if run.keyword != "RUN":
            continue
        script, shell = _script_and_shell(run)
        if script is None or not shell or posixpath.basename(shell[0]).lower() not in SHELLS:
            continue
        parsed = instruction_script(run) if run.script is not None else parse_script(script)
        if parsed is None or not parsed.pipes or _sets_pipefail(shell[1:]):
            continue
        before = parsed.commands[: parsed.pipes[0].before]
        if any(cmd.name == "set" and cmd.depth == 0 and _sets_pipefail(cmd.args) for cmd in before):
            continue
        yield Violation(
            f"a pipe in this RUN runs under {' '.join(shell)} without -o pipefail: a failing command before the pipe goes unnoticed",
            line=run.line,
            fix='Add SHELL ["/bin/bash", "-o", "pipefail", "-c"] before it (where /bin/sh is busybox ash or bash, '
                '`set -o pipefail` at the start of the script works too; dash has no pipefail).',
        )
