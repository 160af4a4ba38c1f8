"""A file in the image has the setuid or setgid bit.

## What it does
Reports regular files of the final filesystem with the setuid (`u+s`) or
setgid (`g+s`) bit, with their mode, owner and the layer that set it. The
setuid/setgid programs every Debian, Ubuntu, Alpine, RHEL and Fedora base
ships (`su`, `mount`, `passwd`, `chsh`, `unix_chkpwd`, ...) are allowed by
default: the rule is about what *your build* adds (`chmod u+s`, installing
`sudo`). Set `allow: []` to report every one, as dockle's CIS-DI-0008 does.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the instruction that wrote the file with its bit (none when the base
image's layer did).

## Why is this bad?
A setuid-root program runs as root whoever starts it; one bug in it turns any
code execution in the container into root. Containers rarely need to switch
users, so such files are attack surface without use; hardened images remove
the bits (`find / -perm /6000 -type f -exec chmod a-s {} +`).

## Example
```dockerfile
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends sudo && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:bookworm-slim
RUN useradd --uid 10001 app
USER 10001
```

## Options
- `allow` (list of globs): paths accepted. Default: the standard setuid/setgid
  binaries of the common base images (see `DEFAULT_ALLOW` in the source).
  `[]` reports all.
- `setgid` (boolean, default `true`): also report setgid-only files.

## References
- [dockle CIS-DI-0008](https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md)
- [CIS Docker Benchmark 4.8: remove setuid and setgid permissions](https://www.cisecurity.org/benchmark/docker)
"""

from __future__ import annotations

import stat
from typing import Iterator

from imagepolicy.layermap import span_for
from imagepolicy.model import RuleContext, Violation, rule

from ._provenance import glob_matcher, layer_details, layer_label

_BIN = ("/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/")
_STANDARD = (
    # util-linux, shadow, login, passwd (Debian/Ubuntu/RHEL)
    "su", "mount", "umount", "passwd", "chsh", "chfn", "newgrp", "gpasswd", "chage", "expiry",
    "unix_chkpwd", "pam_timestamp_check", "wall", "write", "ssh-agent", "crontab", "pkexec",
    # busybox (Alpine)
    "busybox", "bbsuid",
)
DEFAULT_ALLOW = sorted({p + name for p in _BIN for name in _STANDARD}) + [
    "/usr/lib/dbus-1.0/dbus-daemon-launch-helper",
    "/usr/lib/openssh/ssh-keysign",
    "/usr/libexec/openssh/ssh-keysign",
    "/usr/lib/polkit-1/polkit-agent-helper-1",
    "/usr/libexec/utempter/utempter",
]


@rule(
    "IM005",
    "setuid-file",
    "warning",
    "image",
    "A file has the setuid or setgid bit (beyond the base image's standard ones).",
    aliases=("CIS-DI-0008",),
    options={
        "type": "object",
        "properties": {
            "allow": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": DEFAULT_ALLOW,
                "description": "Globs of paths whose setuid/setgid bits are accepted; [] reports every one.",
            },
            "setgid": {"type": "boolean", "default": True, "description": "Also report files with only the setgid bit."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    allowed = glob_matcher(ctx.options.get("allow", DEFAULT_ALLOW))
    with_setgid = ctx.options.get("setgid", True)
    flagged = sorted(image.files.select(("file", "hardlink"), mode=0o6000))
    for path, entry in flagged:
        if not entry.is_setuid and not with_setgid:
            continue
        if allowed(path):
            continue
        bits = " and ".join(b for b, on in (("setuid", entry.is_setuid), ("setgid", entry.is_setgid)) if on)
        mode = stat.filemode(stat.S_IFREG | entry.mode)
        owner = f"uid {entry.uid}" if entry.is_setuid else f"gid {entry.gid}"
        line, end_line = span_for(image, ctx.dockerfile, entry.layer)
        yield Violation(
            f"{path} is {bits} ({mode}, runs as {owner}), set by {layer_label(image, entry.layer)}",
            line=line,
            end_line=end_line,
            fix=f"remove the bit (`RUN chmod u-s,g-s {path}`) or the program, or add the path to this rule's `allow` option if it must stay",
            path_in_image=path,
            details={**layer_details(image, entry.layer), "mode": oct(entry.mode), "uid": entry.uid, "gid": entry.gid},
        )
