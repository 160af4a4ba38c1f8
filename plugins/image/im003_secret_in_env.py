"""A secret is baked into the image's environment or build history.

## What it does
Checks every `Env` entry of the image config, and the build arguments that
the builder recorded in the config history (`RUN |1 NPM_TOKEN=... /bin/sh -c
...`), for credentials:

- **error**: a value that is a credential by its shape (AWS access key id,
  GitHub/GitLab/Slack/npm/PyPI token, private key, URL with a password), whatever
  the variable's name;
- **warning**: a non-empty, non-placeholder value under a name that says it holds
  a secret (`*_PASSWORD`, `*_TOKEN`, `*_SECRET`, `API_KEY`, `SECRET_KEY`, ...).
  Names that point at a secret (`*_FILE`, `*_PATH`, `*_URL`, `*_ID`, ...) and
  placeholders (`changeme`, `${VAR}`, `xxxx`, AWS's documented example keys) are
  fine.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
a finding points at the `ENV` line that set the variable, or at the `ARG` line that declared the
build argument (none for values inherited from the base image).

## Why is this bad?
`ENV` values and recorded build arguments are part of the image config: anyone
who can pull the image reads them with `docker inspect` or `docker history`,
and every container (and its child processes, crash reports, debug endpoints)
sees them. Build-time secrets belong in `RUN --mount=type=secret`; run-time
secrets in the orchestrator's secret store.

## Example
```dockerfile
FROM node:20-slim
ENV NPM_TOKEN=npm_0123456789abcdefghijABCDEFGHIJ012345
ENV DB_PASSWORD=hunter2hunter2
```

## Use instead
```dockerfile
# syntax=docker/dockerfile:1
FROM node:20-slim
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
ENV DB_PASSWORD_FILE=/run/secrets/db_password
```

## Options
- `allow-names` (list of globs, default `[]`): variable names never reported (e.g. `["MY_TOKEN_ISSUER"]`).
- `allow-patterns` (list of regexes, default `[]`): values never reported when one matches (searched).
- `check-history` (boolean, default `true`): also check build arguments recorded in the config history.

## References
- [dockle CIS-DI-0010](https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md)
- [Docker build secrets](https://docs.docker.com/build/building/secrets/)
- [trivy built-in secret rules](https://github.com/aquasecurity/trivy/blob/main/pkg/fanal/secret/builtin-rules.go)
"""

from __future__ import annotations

import fnmatch
import re
from typing import Iterator

from imagepolicy.layermap import arg_instruction, config_instruction, instruction_span
from imagepolicy.model import RuleContext, Severity, Violation, rule

from ._provenance import compile_patterns, short_command
from ._secrets import find_tokens, find_url_credentials, is_placeholder, is_secret_name, redact

_HISTORY_ARGS = re.compile(r"^(?:RUN )?\|(\d+) ")


@rule(
    "IM003",
    "secret-in-env",
    "error",
    "image",
    "An ENV value or a recorded build argument holds a credential.",
    aliases=("CIS-DI-0010",),
    options={
        "type": "object",
        "properties": {
            "allow-names": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "Variable names (globs) never reported.",
            },
            "allow-patterns": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "format": "regex"},
                "default": [],
                "description": "Regexes; a value matching one (re.search) is never reported.",
            },
            "check-history": {
                "type": "boolean",
                "default": True,
                "description": "Also check build arguments the builder recorded in the config history.",
            },
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    allow_names = list(ctx.options.get("allow-names", []))
    allow_values = compile_patterns(ctx.options.get("allow-patterns", []), "IM003", "allow-patterns")
    for key, value in image.env.items():
        at = instruction_span(config_instruction(image, ctx.dockerfile, "Env", key))
        yield from _judge(key, value, "ENV", allow_names, allow_values, None, at)
    if ctx.options.get("check-history", True):
        seen: set[tuple[str, str]] = set()
        for index, entry in enumerate(image.config.get("history") or []):
            for key, value in _recorded_args(str(entry.get("created_by") or "")):
                if (key, value) not in seen:
                    seen.add((key, value))
                    at = instruction_span(arg_instruction(image, ctx.dockerfile, key))
                    yield from _judge(key, value, "build argument", allow_names, allow_values, (index, entry), at)


def _recorded_args(created_by: str) -> list[tuple[str, str]]:
    """``|2 A=1 B=2 /bin/sh -c ...`` -> [("A", "1"), ("B", "2")] (BuildKit and the legacy builder)."""
    m = _HISTORY_ARGS.match(created_by)
    if not m:
        return []
    words = created_by[m.end():].split(" ")
    return [tuple(w.split("=", 1)) for w in words[: int(m.group(1))] if "=" in w]  # type: ignore[misc]


def _judge(key, value, where, allow_names, allow_values, history, at: tuple[int | None, int | None]) -> Iterator[Violation]:
    """Violations for one variable; ``at`` is the (line, end_line) of the ENV or ARG that set it, if known."""
    if not value or any(fnmatch.fnmatchcase(key, g) for g in allow_names) or any(p.search(value) for p in allow_values):
        return
    found = "" if history is None else f" (recorded in history entry {history[0]}: {short_command(history[1].get('created_by'))})"
    fix = (
        "pass build-time secrets with `RUN --mount=type=secret` and run-time secrets through the orchestrator "
        "(or a `*_FILE` variable naming a mounted secret file); rotate the exposed credential"
    )
    details = {"variable": key, "where": where}
    matches = find_tokens(value) + find_url_credentials(value)
    if matches:
        match = matches[0]
        yield Violation(
            f"{where} {key} contains a secret, {match.title} {redact(match.value)}{found}",
            line=at[0],
            end_line=at[1],
            fix=fix,
            details={**details, "secret_type": match.id},
        )
        return
    if is_secret_name(key) and not is_placeholder(value):
        yield Violation(
            f"{where} {key} looks like a secret: its name says so and it has a value ({redact(value)}){found}",
            line=at[0],
            end_line=at[1],
            fix=fix,
            severity=Severity.WARNING,
            details={**details, "secret_type": "secret-name"},
        )
