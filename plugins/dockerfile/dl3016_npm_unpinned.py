"""## What it does
Flags `npm install` (also `npm i`, `npm add`) of packages without a version
(`express` instead of `express@4.19.2`). Local folders and tarballs, and git URLs
with a `#commit` or `#semver:` count as pinned; `npm install` without packages
(installing `package.json`) is not judged.

## Why is this bad?
Without versions, rebuilding installs whatever the registry has today: builds
stop being reproducible and breaking releases arrive unreviewed.

## Example
```dockerfile
FROM node:20-slim
RUN npm install -g typescript
```

## Use instead
```dockerfile
FROM node:20-slim
RUN npm install -g typescript@5.5.4
```

## Differences from hadolint
- `npm i` and `npm add` are npm's aliases of `install` and are judged (hadolint only reads
  `install`), and options before the command (`npm --prefix /app install x`) are skipped.
- `name@latest` is not a pin; hadolint accepts any `@`.
- A `#ref` on a GitHub shorthand (`github:org/repo#v1.2.0`) counts as pinned.

## References
- https://github.com/hadolint/hadolint/wiki/DL3016
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import expand_word, instruction_commands

INSTALL_ALIASES = frozenset({"install", "i", "add", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall"})
NPM_VALUE_FLAGS = ("prefix", "C", "registry", "w", "workspace", "cache", "userconfig", "globalconfig", "tag", "omit", "include", "loglevel", "install-strategy")


def is_pinned(spec: str) -> bool:
    if spec.startswith(("git://", "git+ssh://", "git+http://", "git+https://")):
        return "#" in spec
    if spec.endswith((".tar", ".tar.gz", ".tgz")) or spec.startswith(("/", "./", "../", "~/")):
        return True
    if "#" in spec:
        return True
    name = spec.split("/", 1)[1] if spec.startswith("@") and "/" in spec else spec
    if "@" not in name:
        return False
    return name.rsplit("@", 1)[1] not in ("", "latest")


@rule("DL3016", "npm-unpinned", "warning", "dockerfile", "npm install without package versions",
      needs=("RUN npm",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        unpinned: list[str] = []
        for cmd, _ in instruction_commands(instr):
            if cmd.name != "npm":
                continue
            operands = cmd.operand_words(*NPM_VALUE_FLAGS)
            if not operands or operands[0].text not in INSTALL_ALIASES:
                continue
            for word in operands[1:]:
                unpinned.extend(p for p in expand_word(instr, word) or () if not is_pinned(p))
        if unpinned:
            yield Violation(
                f"npm install without a version for {', '.join(dict.fromkeys(unpinned))}",
                line=instr.line,
                fix=f"Pin each package: {unpinned[0]}@<version>",
            )
