"""`yarn install` without `yarn cache clean` in the same RUN.

## What it does
Flags a RUN in the final image that runs `yarn install` but not
`yarn cache clean`, and keeps no `--mount=type=cache` over yarn's cache
(`/usr/local/share/.cache/yarn`, `~/.cache/yarn`, or `$YARN_CACHE_FOLDER`).

## Why is this bad?
yarn keeps a copy of every package it downloads in its cache folder; in an
image that copy is dead weight in the layer.

## Example
```dockerfile
FROM node:20-slim
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
```

## Use instead
```dockerfile
FROM node:20-slim
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile && yarn cache clean
```

Like hadolint, the final stage and the stages it is built `FROM` are judged,
and a builder stage whose cache is thrown away with it is not.

## Differences from hadolint
- A builder stage the final image copies the cache from (`COPY --from=build / /`)
  is judged too: its cache lands in the image. hadolint does not look at copies.
- A `type=tmpfs` mount over the cache counts like a cache mount.

## References
- [hadolint DL3060](https://github.com/hadolint/hadolint/wiki/DL3060)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import mounted_over

from ._stages import final_image_runs

CACHES = ("/usr/local/share/.cache/yarn", "/root/.cache/yarn")


@rule("DL3060", "yarn-cache-kept", "info", "dockerfile", "yarn install keeps its package cache in the image",
      needs=("RUN yarn",))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, commands in final_image_runs(dockerfile, *CACHES):
        installs = [i for i, c in enumerate(commands) if c.name == "yarn" and "install" in c.positional()]
        if not installs:
            continue
        install = commands[installs[0]]
        # A clean before the install cleans nothing the install leaves.
        if any(c.name == "yarn" and c.has_args("cache", "clean") for c in commands[installs[-1] + 1 :]):
            continue
        folder = run.variables.get("YARN_CACHE_FOLDER")
        if any(mounted_over(run, path) for path in CACHES) or (folder and mounted_over(run, folder)):
            continue
        yield Violation(
            f"`{install.text}` leaves yarn's package cache in the layer: no `yarn cache clean` in the same RUN",
            line=run.line,
            fix="End the RUN with `&& yarn cache clean`, or use `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn`.",
        )
