"""A secret-looking name in a stage's `ARG` or `ENV` (BuildKit's `SecretsUsedInArgOrEnv`).

## What it does
Flags `ARG` and `ENV` names in a stage whose first, last or an inner `_`-separated word is
`apikey`, `auth`, `credential(s)`, `key`, `password`, `pword`, `passwd`, `secret` or
`token` (any case), unless a word is `public`, `file` or `version` (`PUBLIC_KEY`,
`TOKEN_FILE`). Same words as BuildKit.

## When it runs
Off by default: the hadolint rule that overlaps it already reports the problem.
Turn it on with `extends: [recommended, buildkit]` (BuildKit's own set of checks) or
`rules: {BK012: warning}`.

## Why is this bad?
`ENV` values are stored in the image config, and `ARG` values in the image history and
build cache, where anyone who can pull the image reads them. Secrets belong in
`RUN --mount=type=secret`.

## Example
```dockerfile
FROM scratch
ARG AWS_SECRET_ACCESS_KEY
ENV GITHUB_TOKEN=ghp_example
```

## Use instead
```dockerfile
FROM alpine
RUN --mount=type=secret,id=aws,env=AWS_SECRET_ACCESS_KEY \
    aws s3 cp s3://bucket/file /file
```

## Differences from BuildKit
None in what fires. Global ARGs (before the first `FROM`) are only reported where a stage
declares them again, as in BuildKit. Image-level secret values are IM003's business.

## References
- [BuildKit SecretsUsedInArgOrEnv](https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/)
"""

from __future__ import annotations

import re

from imagepolicy.model import Violation, rule
from imagepolicy.plugins.dockerfile._buildkit import assignments, escape_of

_DENY = re.compile(r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)")
_ALLOW = re.compile(r"(?i)(?:_|^)(?:public|file|version)(?:_|$)")


def is_secret_name(name: str) -> bool:
    return bool(_DENY.search(name)) and not _ALLOW.search(name)


@rule("BK012", "secret-in-arg-or-env", "warning", "dockerfile", "ARG/ENV name suggests a secret",
      aliases=("SecretsUsedInArgOrEnv",), default_enabled=False)
def check(dockerfile, ctx):
    escape = escape_of(dockerfile)
    for instr in dockerfile.instructions:
        if instr.keyword not in ("ARG", "ENV") or instr.stage is None:
            continue
        for key, _ in assignments(instr, escape)[0]:
            if is_secret_name(key):
                yield Violation(
                    f"Do not use ARG or ENV instructions for sensitive data ({instr.keyword} \"{key}\")",
                    line=instr.line,
                    fix=f"Pass it as a build secret: RUN --mount=type=secret,id={key.lower()},env={key} <command>.",
                )
