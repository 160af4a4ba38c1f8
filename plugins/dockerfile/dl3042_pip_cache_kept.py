"""`pip install` without `--no-cache-dir`.

## What it does
Flags `pip install` (also `pip3`, `pip3.12`, `python -m pip install`) in a RUN
of the final image that keeps pip's download cache: no `--no-cache-dir`, no
`PIP_NO_CACHE_DIR` in the environment (ENV, ARG or `VAR=x pip ...`), and no
`--mount=type=cache` over the cache folder (`/root/.cache/pip`,
`/root/.cache`, or `$PIP_CACHE_DIR`).

## Why is this bad?
pip stores every downloaded wheel in `~/.cache/pip`. In an image that cache
is never used again, but it stays in the layer and can double its size.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install requests==2.32.3
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir requests==2.32.3
```

## Fix
Safe: `imagepolicy fix` adds `--no-cache-dir` after `install` in every such pip
command of the RUN. What pip installs does not change.

## Differences from hadolint
- Cache mounts: `--mount=type=cache,target=/root/.cache` (a folder above pip's
  cache) or a target at `$PIP_CACHE_DIR` keeps the cache out of the image; we
  stay silent, hadolint accepts only `/root/.cache/pip`.
- `PIP_NO_CACHE_DIR` with any value disables the cache (pip ignores the value
  for backward compatibility, even `off` or `0`); hadolint flags `off`.
- A `type=tmpfs` mount over the cache counts like a cache mount.
- Only stages whose cache reaches the final image are judged (the final stage,
  the stages it is built `FROM`, and a stage it copies `/root/.cache/pip` from,
  as `COPY --from=build / /` does): a builder stage's cache is otherwise thrown
  away with the stage. hadolint judges every stage.

## References
- [hadolint DL3042](https://github.com/hadolint/hadolint/wiki/DL3042)
- [pip: caching](https://pip.pypa.io/en/stable/topics/caching/)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction
from imagepolicy.model import RuleContext, Violation, rule
from imagepolicy.shellcmd import Command, mounted_over

from ._fixes import flag_fix, word_named
from ._packages import is_pip_install
from ._stages import final_image_runs

PIP_CACHE = "/root/.cache/pip"


def _cache_off(run: Instruction, cmd: Command) -> bool:
    if "no-cache-dir" in {a[2:].split("=", 1)[0] for a in cmd.args if a.startswith("--")}:
        return True
    inline = {w.split("=", 1)[0] for w in cmd.words[: len(cmd.words) - len(cmd.argv)]}
    if "PIP_NO_CACHE_DIR" in inline or run.variables.get("PIP_NO_CACHE_DIR"):
        return True
    cache_dir = run.variables.get("PIP_CACHE_DIR")
    if mounted_over(run, PIP_CACHE) or (cache_dir and mounted_over(run, cache_dir)):
        return True
    # Another user's cache: a target named ~/.cache or ~/.cache/pip.
    return any(m.type == "cache" and (m.target or "").rstrip("/").endswith(("/.cache", "/.cache/pip")) for m in run.mounts)


@rule("DL3042", "pip-cache-kept", "warning", "dockerfile", "pip install keeps its download cache in the image",
      autofix="safe",
      needs=("RUN pip*", "RUN python*"))
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run, commands in final_image_runs(dockerfile, PIP_CACHE):
        offending = [cmd for cmd in commands if is_pip_install(cmd) and not _cache_off(run, cmd)]
        if offending:  # one finding per RUN, as hadolint; its fix mends every pip install of it
            yield Violation(
                f"`{offending[0].text}` keeps pip's download cache in the layer",
                line=run.line,
                fix="Add --no-cache-dir (or set ENV PIP_NO_CACHE_DIR=1, or use `RUN --mount=type=cache,target=/root/.cache/pip`).",
                autofix=flag_fix(run, offending, lambda c: word_named(c, "install"), "--no-cache-dir", "add --no-cache-dir"),
            )
