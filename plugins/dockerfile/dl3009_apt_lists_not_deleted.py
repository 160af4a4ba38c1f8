"""## What it does
Flags a `RUN` that runs `apt-get update` without deleting `/var/lib/apt/lists` in
the same `RUN`, when those lists end up in the final image: in the final stage, a
stage it is built `FROM`, or a stage whose lists are copied into it.

## Why is this bad?
The package lists are tens of megabytes that nothing needs at run time, and a
later `RUN rm` cannot shrink the layer that already holds them.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
```

## Use instead
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \
 && rm -rf /var/lib/apt/lists/*
```

## Differences from hadolint
- Stage-aware (hadolint #405, #929, #1068): a builder stage from which only build outputs
  are copied is not judged; hadolint judges every stage used by a later `FROM`.
- Cache and tmpfs mounts on `/var/lib/apt/lists` or a folder above it (`/var/lib/apt`)
  are enough; hadolint also wants `/var/cache/apt` mounted in that case.
- The cleanup must delete the lists (`rm -rf /var/lib/apt/lists/*`, `/var/lib/apt/lists`,
  `/var/lib/apt`, the glob `/var/lib/apt/lists*`) or run `apt-get dist-clean` (`distclean`,
  apt 2.7+, as in the official trixie images), after the last `update`; hadolint accepts any
  `rm -rf`, even of another folder or before the update, and does not know `dist-clean`.

## References
- https://github.com/hadolint/hadolint/wiki/DL3009
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import mounted_over, removes

from ._stages import final_image_runs

APT_LISTS = "/var/lib/apt/lists"
APT_TOOLS = ("apt-get", "apt", "aptitude")


def _cleans(cmd) -> bool:
    """``rm`` of the lists (or a folder above, or a glob naming them), or ``apt-get dist-clean``."""
    return removes(cmd, APT_LISTS) or (cmd.name in ("apt-get", "apt") and bool({"dist-clean", "distclean"} & set(cmd.args)))


@rule("DL3009", "apt-lists-not-deleted", "info", "dockerfile", "apt-get update without deleting /var/lib/apt/lists")
def check(dockerfile, ctx):
    for instr, commands in final_image_runs(dockerfile, APT_LISTS):
        # hadolint counts `apt update` and `aptitude update` as well as `apt-get update`
        updates = [i for i, c in enumerate(commands) if c.name in APT_TOOLS and "update" in c.args]
        if not updates:
            continue
        # Only a cleanup after the last update leaves no lists behind.
        if any(_cleans(c) for c in commands[updates[-1] + 1 :]):
            continue
        if mounted_over(instr, APT_LISTS):
            continue
        yield Violation(
            f"RUN runs {commands[updates[0]].name} update but leaves {APT_LISTS} in the final image",
            line=instr.line,
            fix="End the same RUN with && rm -rf /var/lib/apt/lists/* (or mount a cache on /var/lib/apt/lists)",
        )
