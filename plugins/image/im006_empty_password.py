"""An account in the image has an empty password.

## What it does
Reads `/etc/shadow` and `/etc/passwd` and reports accounts whose password
field is empty: anyone can log in as them (or `su` to them) without a
password. Locked fields (`!`, `*`, `!!`, `!*`, a hash prefixed by `!`) and `x`
(the password is in the shadow file) are fine.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the instruction that last wrote the account file (none when the base
image's layer did).

## Why is this bad?
CVE-2019-5021: Alpine's official images shipped `root::` in /etc/shadow for
three years, so any process in a container with `su` or PAM could become root
without a password. A user added with an empty password field has the same
effect.

## Example
```dockerfile
FROM alpine:3.19
RUN adduser -D app && passwd -d app
```

## Use instead
```dockerfile
FROM alpine:3.19
RUN adduser -D app
```

## Options
- `allow-users` (list of names, default `[]`): accounts never reported.

## References
- [dockle DKL-LI-0001](https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md)
- [CVE-2019-5021](https://nvd.nist.gov/vuln/detail/CVE-2019-5021)
- [shadow(5)](https://man7.org/linux/man-pages/man5/shadow.5.html)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.model import RuleContext, Violation, rule

from ._passwd import PASSWD, SHADOW, read_account_files
from ._provenance import written_by


@rule(
    "IM006",
    "empty-password",
    "error",
    "image",
    "An account in /etc/shadow or /etc/passwd has an empty password field.",
    aliases=("DKL-LI-0001",),
    options={
        "type": "object",
        "properties": {
            "allow-users": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "Account names never reported.",
            },
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    allowed = set(ctx.options.get("allow-users", []))
    files = read_account_files(image, ("passwd", "shadow"))
    reported: set[str] = set()
    for kind, path in (("shadow", SHADOW), ("passwd", PASSWD)):
        line, end_line = written_by(image, ctx.dockerfile, path)
        for account in files[kind]:
            if account.password or account.name in allowed or account.name in reported:
                continue
            reported.add(account.name)
            yield Violation(
                f"account {account.name!r} has an empty password in {path} (line {account.line}): anyone can log in as it without a password",
                line=line,
                end_line=end_line,
                fix=f"lock the account (`RUN passwd -l {account.name}`, or `usermod -p '*' {account.name}`)",
                path_in_image=path,
                details={"user": account.name, "line": account.line},
            )
