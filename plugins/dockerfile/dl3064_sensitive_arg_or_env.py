"""An `ARG` or `ENV` whose name says it holds a secret.

## What it does
Flags `ARG` and `ENV` (also before the first `FROM` and inside `ONBUILD`) that
define a well-known credential variable (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`,
`NPM_TOKEN`, `POSTGRES_PASSWORD`...) or a name containing `password`, `secret`,
`token`, `private`, `api_key`, `client_key` or `username` (any case).

## Why is this bad?
`ENV` values are stored in the image config and `ARG` values in the image history
and the build cache: anyone who can pull the image can read them. Secrets belong in
`RUN --mount=type=secret`, which never writes them to a layer or to the history.

## Example
```dockerfile
FROM node:20-slim
ARG NPM_TOKEN
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc && npm ci
```

## Use instead
```dockerfile
FROM node:20-slim
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
```

## Differences from hadolint
- A name ending in `_FILE` (`POSTGRES_PASSWORD_FILE=/run/secrets/db`) holds the path of
  a secret file, the convention of the official images, not the secret: we stay silent,
  hadolint flags it.

## References
- https://github.com/hadolint/hadolint/wiki/DL3064
- [Docker: build secrets](https://docs.docker.com/build/building/secrets/)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction
from imagepolicy.model import RuleContext, Violation, rule

# Variables that credential-taking tools read (CI services, registries, clouds, APIs).
KNOWN_SECRET_NAMES = frozenset(
    """
    ACCESS_TOKEN APPLICATION_KEY APP_SECRET AUTH_TOKEN AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    BITTREX_API_KEY BITTREX_API_SECRET CF_PASSWORD CF_USERNAME CIRCLE_TOKEN CI_DEPLOY_PASSWORD
    CI_DEPLOY_USER DOCKERHUB_PASSWORD DOCKER_EMAIL DOCKER_PASSWORD DOCKER_USERNAME
    FACEBOOK_ACCESS_TOKEN FACEBOOK_APP_ID FACEBOOK_APP_SECRET FIREBASE_API_TOKEN FIREBASE_TOKEN
    FOSSA_API_KEY GH_ENTERPRISE_TOKEN GH_TOKEN GITHUB_ENTERPRISE_TOKEN GITHUB_TOKEN HEROKU_API_KEY
    HEROKU_API_USER NPM_AUTH_TOKEN NPM_TOKEN OKTA_AUTHN_GROUPID OKTA_CLIENT_ORGURL OKTA_CLIENT_TOKEN
    OKTA_OAUTH2_CLIENTID OKTA_OAUTH2_CLIENTSECRET OPENAI_API_KEY OS_PASSWORD OS_USERNAME
    POSTGRES_PASSWORD SLACK_TOKEN STRIPE_API_KEY STRIPE_DEVICE_NAME TRAVIS_OS_NAME
    TRAVIS_SECURE_ENV_VARS TRAVIS_SUDO VAULT_CLIENT_KEY VAULT_TOKEN
    """.split()
)
SECRET_WORDS = ("api_key", "client_key", "password", "private", "secret", "token", "username")


def is_sensitive_name(name: str) -> bool:
    """True for a known credential variable or a name containing a secret word (any case)."""
    if name.upper().endswith("_FILE"):
        return False  # the path of a secret file (POSTGRES_PASSWORD_FILE), not the secret
    return name.upper() in KNOWN_SECRET_NAMES or any(word in name.lower() for word in SECRET_WORDS)


def _defined_names(instr: Instruction) -> list[str]:
    """The variable names an ARG or ENV defines (``ENV K V`` defines K)."""
    words = instr.words()
    if instr.keyword == "ENV" and words and "=" not in words[0]:
        return words[:1]
    return [w.split("=", 1)[0] for w in words if instr.keyword == "ARG" or "=" in w]


def _arg_and_env(dockerfile: Dockerfile) -> Iterator[Instruction]:
    for instr in dockerfile.instructions:
        inner = instr.onbuild or instr
        if inner.keyword in ("ARG", "ENV"):
            yield inner


@rule("DL3064", "sensitive-arg-or-env", "warning", "dockerfile", "ARG or ENV named like a secret (token, password, key...)")
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for instr in _arg_and_env(dockerfile):
        names = [n for n in _defined_names(instr) if is_sensitive_name(n)]
        if names:
            yield Violation(
                f"{instr.keyword} {', '.join(names)} looks like a secret: its value stays readable in the "
                + ("image config" if instr.keyword == "ENV" else "image history and build cache"),
                line=instr.line,
                fix=f"Pass it as a build secret instead: RUN --mount=type=secret,id={names[0].lower()},env={names[0]} <command>.",
            )
