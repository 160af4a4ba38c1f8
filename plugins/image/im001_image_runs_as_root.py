"""The image runs its process as root.

## What it does
Reads the image config's `User` (set by the last `USER` instruction of the
final stage, or inherited from the base image) and reports when the container
would start as UID 0: no `User` at all, `root`, `0`, `0:0`, or a user name that
`/etc/passwd` maps to UID 0.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the `USER` line of the final stage that set the root user (none when the
base image's user is inherited).

## Why is this bad?
A process running as root inside the container is root on the host if it
escapes (a kernel or runtime bug, a mounted docker socket, a privileged run),
and it can rewrite every file of the image at run time. Most services need no
privileges at all. CIS Docker Benchmark 4.1 asks for a non-root user.

## Example
```dockerfile
FROM python:3.12-slim
COPY . /app
CMD ["python", "-m", "acme"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN useradd --uid 10001 --no-create-home app
COPY . /app
USER 10001
CMD ["python", "-m", "acme"]
```

## Options
- `allow` (boolean, default `false`): accept root (for images that must start as
  root and drop privileges themselves, such as `gosu`/`su-exec` entrypoints).
- `allowed-users` (list of strings, default `[]`): user specs accepted even
  though they resolve to UID 0 (e.g. `["root"]` in one image's config section).

## References
- [dockle CIS-DI-0001](https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md)
- [Dockerfile reference: USER](https://docs.docker.com/reference/dockerfile/#user)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.layermap import config_instruction, instruction_span
from imagepolicy.model import RuleContext, Violation, rule

from ._passwd import read_account_files, resolve_uid, split_user


@rule(
    "IM001",
    "image-runs-as-root",
    "warning",
    "image",
    "The image's configured user is root (unset, root, 0 or a name with UID 0).",
    aliases=("CIS-DI-0001",),
    options={
        "type": "object",
        "properties": {
            "allow": {"type": "boolean", "default": False, "description": "Accept images that run as root."},
            "allowed-users": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "User specs (as written in the config's User) accepted even when they are root.",
            },
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    if ctx.options.get("allow"):
        return
    spec = image.user.strip()
    if spec and spec in ctx.options.get("allowed-users", []):
        return
    user, _ = split_user(spec)
    fix = "add a user (`RUN useradd --uid 10001 app`) and end the final stage with `USER 10001` (a numeric UID works without /etc/passwd)"
    if not user:
        yield Violation("the image runs as root: its config sets no User, so the container starts as UID 0", fix=fix, details={"user": spec})
        return
    line, end_line = instruction_span(config_instruction(image, ctx.dockerfile, "User"))
    if user == "root" or user.isdigit() and int(user) == 0:
        yield Violation(f"the image runs as root: its config sets User {spec!r}", line=line, end_line=end_line, fix=fix, details={"user": spec})
        return
    if user.isdigit():
        return
    passwd = read_account_files(image, ("passwd",))["passwd"]
    if resolve_uid(user, passwd) == 0:
        yield Violation(
            f"the image runs as root: User {spec!r} has UID 0 in /etc/passwd",
            line=line,
            end_line=end_line,
            fix="give the user its own non-zero UID in /etc/passwd, or use another user",
            path_in_image="/etc/passwd",
            details={"user": spec, "uid": 0},
        )
