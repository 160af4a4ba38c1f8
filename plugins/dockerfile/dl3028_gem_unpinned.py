"""## What it does
Flags `gem install` of gems without a version (`rails` instead of `rails:7.1.3`),
unless `-v`/`--version` is given. Local `.gem` files count as pinned.

## Why is this bad?
Without versions, rebuilding installs whatever rubygems.org has today: builds
stop being reproducible and breaking releases arrive unreviewed.

## Example
```dockerfile
FROM ruby:3.3-slim
RUN gem install --no-document bundler
```

## Use instead
```dockerfile
FROM ruby:3.3-slim
RUN gem install --no-document bundler:2.5.16
```

## Differences from hadolint
- hadolint 2.15.1 skips the word after any option, so `gem install -N rails` passes there;
  we skip only the values of options that take one (`-s URL`, `-i DIR`...).
- Words after `--` are build options for the gem, not gems.
- Local `.gem` files count as pinned; ARG/ENV values are resolved.

## References
- https://github.com/hadolint/hadolint/wiki/DL3028
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import Command, expand_word, instruction_commands

GEM_VALUE_FLAGS = ("s", "source", "i", "install-dir", "n", "bindir", "platform", "P", "trust-policy", "g", "file", "build-root", "p", "http-proxy", "config-file")


def unpinned_gems(instr) -> list[str]:
    found: list[str] = []
    for cmd, _ in instruction_commands(instr):
        if cmd.name != "gem":
            continue
        words = cmd.argv_words
        end = cmd.argv.index("--") if "--" in cmd.argv else len(words)
        before = Command(cmd.argv[:end], cmd.line, cmd.text, words[:end])
        operands = before.operand_words(*GEM_VALUE_FLAGS)
        if not operands or operands[0].text not in ("install", "i") or before.has_flag("v", "version"):
            continue
        for word in operands[1:]:
            found.extend(g for g in expand_word(instr, word) or () if ":" not in g and not g.endswith(".gem"))
    return found


@rule("DL3028", "gem-unpinned", "warning", "dockerfile", "gem install without gem versions",
      needs=("RUN gem",))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        unpinned = unpinned_gems(instr)
        if unpinned:
            yield Violation(
                f"gem install without a version for {', '.join(dict.fromkeys(unpinned))}",
                line=instr.line,
                fix=f"Pin each gem: {unpinned[0]}:<version> (or -v <version> for a single gem)",
            )
