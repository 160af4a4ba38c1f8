"""Two accounts or groups share one numeric ID.

## What it does
Reports UIDs used by more than one user in `/etc/passwd` and GIDs used by more
than one group in `/etc/group`, naming the accounts and their lines.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the instruction that last wrote `/etc/passwd` or `/etc/group` (none when
the base image's layer did).

## Why is this bad?
The kernel knows only numbers: two users with one UID are the same user,
whatever their names. Files, `ps` output and audit logs show whichever name
comes first, permission checks of one apply to the other, and a second UID 0
account is a hidden root. Such duplicates usually come from a `useradd -o` or
a hand-edited /etc/passwd copied from another image.

## Example
```dockerfile
FROM debian:bookworm-slim
RUN useradd --non-unique --uid 0 admin
```

## Use instead
```dockerfile
FROM debian:bookworm-slim
RUN useradd --uid 10001 admin
```

## Options
- `allow-uids` (list of integers, default `[]`): UIDs that may be shared.
- `allow-gids` (list of integers, default `[]`): GIDs that may be shared.

## References
- [dockle DKL-LI-0002](https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md)
- [passwd(5)](https://man7.org/linux/man-pages/man5/passwd.5.html)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from imagepolicy.model import RuleContext, Violation, rule

from ._passwd import GROUP, PASSWD, read_account_files
from ._provenance import written_by


@rule(
    "IM007",
    "duplicate-id",
    "warning",
    "image",
    "Several users share a UID in /etc/passwd, or several groups a GID in /etc/group.",
    aliases=("DKL-LI-0002",),
    options={
        "type": "object",
        "properties": {
            "allow-uids": {"type": "array", "items": {"type": "integer", "minimum": 0}, "default": [], "description": "UIDs that may be shared."},
            "allow-gids": {"type": "array", "items": {"type": "integer", "minimum": 0}, "default": [], "description": "GIDs that may be shared."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    files = read_account_files(image, ("passwd", "group"))
    for kind, path, label, allow in (
        ("passwd", PASSWD, "UID", ctx.options.get("allow-uids", [])),
        ("group", GROUP, "GID", ctx.options.get("allow-gids", [])),
    ):
        by_id = defaultdict(list)
        for account in files[kind]:
            if account.id is not None:
                by_id[account.id].append(account)
        line, end_line = written_by(image, ctx.dockerfile, path)
        for number, accounts in sorted(by_id.items()):
            if len(accounts) < 2 or number in allow:
                continue
            names = ", ".join(f"{a.name} (line {a.line})" for a in accounts)
            what = "users" if kind == "passwd" else "groups"
            yield Violation(
                f"{label} {number} is shared by {len(accounts)} {what} in {path}: {names}",
                line=line,
                end_line=end_line,
                fix=f"give each of them its own {label}, or remove the extra entries",
                path_in_image=path,
                details={"id": number, "names": [a.name for a in accounts], "lines": [a.line for a in accounts]},
            )
