"""`useradd` with a high UID and without `-l`.

## What it does
Flags `useradd -u <uid>` (or `--uid`) with a UID of more than five digits and
without `-l` (`--no-log-init`).

## Why is this bad?
useradd reserves a record for the UID in `/var/log/lastlog` and
`/var/log/faillog`, sparse files whose size grows with the UID. Docker's layer
tar does not keep them sparse: a UID like 100000000 adds gigabytes of zeros
to the image.

## Example
```dockerfile
FROM debian:12-slim
RUN useradd -u 123456789 app
```

## Use instead
```dockerfile
FROM debian:12-slim
RUN useradd -l -u 123456789 app
```

## Differences from hadolint
`--uid 123456` and `--uid=123456` count too; hadolint reads only `-u`. A UID
written with a variable (`-u $APP_UID`) is judged by the ARG/ENV value it
resolves to, and not at all when that value is unknown; hadolint measures the
text `$APP_UID` (8 characters) and fires.

## References
- [hadolint DL3046](https://github.com/hadolint/hadolint/wiki/DL3046)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import run_commands


@rule("DL3046", "useradd-high-uid", "warning", "dockerfile", "useradd with a high UID and without -l bloats the image with lastlog",
      needs=("RUN useradd",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        for cmd, _line in run_commands(run):
            if cmd.name != "useradd" or cmd.has_flag("l", "no-log-init"):
                continue
            uid = cmd.flag_value("u", "uid")
            if uid and "$" in uid:
                # Measure the value the ARG/ENV gives it, not the text; unknown (no default,
                # set by the base image or the script) stays unjudged.
                try:
                    resolved = run.resolve(uid, shell=True)
                except ValueError:
                    continue
                if resolved.unknown or resolved.missing:
                    continue
                uid = resolved.text.strip()
            if uid and len(uid) > 5:
                yield Violation(
                    f"`{cmd.text}` creates UID {uid} without -l: /var/log/lastlog and faillog grow with the UID",
                    line=run.line,
                    fix=f"Add -l (--no-log-init): `useradd -l -u {uid} ...`.",
                )
                break  # one finding per RUN, as hadolint
