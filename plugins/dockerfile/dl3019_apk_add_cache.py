"""## What it does
Flags `apk add` without `--no-cache` when apk's cache ends up in the final image.
A cache or tmpfs mount on `/var/cache/apk` (or `/etc/apk/cache`), or deleting
`/var/cache/apk` in the same `RUN`, is enough; builder stages whose files are not
copied wholesale are not judged.

## Why is this bad?
apk keeps the package index (and, with a cache folder, the packages) in
`/var/cache/apk`: megabytes in the layer that nothing needs at run time.

## Example
```dockerfile
FROM alpine:3.20
RUN apk add curl=8.9.1-r0
```

## Use instead
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl=8.9.1-r0
```

## Fix
Safe: `imagepolicy fix` adds `--no-cache` after `add` in every such apk command of
the RUN (apk then fetches a fresh index itself; an `apk update` before it is no
longer needed but does no harm).

## Differences from hadolint
- Stage-aware (hadolint #405, #1068): a builder stage whose cache never reaches the final
  image is not judged; hadolint judges every stage.
- A mount on `/etc/apk/cache` or a folder above `/var/cache/apk` counts, and so does
  `rm -rf /var/cache/apk/*` in the same RUN.

## References
- https://github.com/hadolint/hadolint/wiki/DL3019
"""

from __future__ import annotations

from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import mounted_over, removes

from ._fixes import flag_fix, word_named
from ._stages import final_image_runs

APK_CACHE = "/var/cache/apk"


@rule("DL3019", "apk-add-cache", "info", "dockerfile", "apk add without --no-cache", autofix="safe",
      needs=("RUN apk",))
def check(dockerfile, ctx):
    for instr, commands in final_image_runs(dockerfile, APK_CACHE):
        offending = [c for c in commands if c.name == "apk" and "add" in c.args and not c.has_flag("no-cache")]
        if not offending:
            continue
        if mounted_over(instr, APK_CACHE, "/etc/apk/cache") or any(removes(c, APK_CACHE) for c in commands):
            continue
        yield Violation(
            f"`{offending[0].text}` leaves apk's cache in {APK_CACHE}",
            line=instr.line,
            fix="Use apk add --no-cache (no apk update or rm -rf /var/cache/apk/* needed)",
            autofix=flag_fix(instr, offending, lambda c: word_named(c, "add"), "--no-cache", "add --no-cache"),
        )
