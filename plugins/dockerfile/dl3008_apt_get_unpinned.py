"""## What it does
Flags `apt-get install` of packages without a version (`curl` instead of
`curl=7.88.1-10+deb12u8`). A release (`curl/bookworm-backports`), a version glob
(`curl=7.*`) and a local `.deb` count as pinned. ARG/ENV values are resolved first.

## Why is this bad?
Without versions, rebuilding the same Dockerfile installs whatever the mirror
has today: builds stop being reproducible and upgrades slip in unreviewed.

## Example
```dockerfile
FROM debian:12
RUN apt-get update && apt-get install -y --no-install-recommends curl git \
 && rm -rf /var/lib/apt/lists/*
```

## Use instead
```dockerfile
FROM debian:12
ARG CURL_VERSION=7.88.1-10+deb12u8
RUN apt-get update && apt-get install -y --no-install-recommends curl=${CURL_VERSION} \
 && rm -rf /var/lib/apt/lists/*
```

## Differences from hadolint
- Variables are resolved: `ENV PKGS="curl=7.88.1 git=1:2.39.5"` + `apt-get install $PKGS` is pinned.
- Heredoc RUNs, `sh -c` exec forms and commands after `then`/`do` are checked.

## References
- https://github.com/hadolint/hadolint/wiki/DL3008
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import expand_word, instruction_commands

APT_VALUE_FLAGS = ("t", "target-release", "default-release", "o", "option", "c", "config-file", "a", "host-architecture")


def apt_get_install_packages(instr):
    """The package words of every ``apt-get install`` in ``instr`` (variables resolved).

    A word whose value only the build knows (``$(cat packages.txt)``) names no package here.
    """
    for cmd, _ in instruction_commands(instr):
        if cmd.name != "apt-get" or "install" not in cmd.args:
            continue
        operands = cmd.operand_words(*APT_VALUE_FLAGS)
        verbs = [w.text for w in operands]
        if "install" not in verbs:
            continue
        for word in operands[verbs.index("install") + 1 :]:
            yield from expand_word(instr, word) or ()


def is_pinned(package: str) -> bool:
    return "=" in package or "/" in package or package.endswith(".deb")


@rule("DL3008", "apt-get-unpinned", "warning", "dockerfile", "apt-get install without package versions",
      needs=("RUN apt-get",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        unpinned = [p for p in apt_get_install_packages(instr) if not is_pinned(p)]
        if unpinned:
            first = unpinned[0]
            yield Violation(
                f"apt-get install without a version for {', '.join(dict.fromkeys(unpinned))}",
                line=instr.line,
                fix=f"Pin each package: {first}=<version> (apt-cache policy {first} lists the candidates)",
            )
