"""Editable install of the local project in the final image.

## What it does
Flags an editable install (`pip install -e`, `uv pip install -e`, `uv sync`
and `pdm install` without `--no-editable`, `poetry install`, `python setup.py
develop`, `flit install --symlink`) in the final stage of the image, or in a
stage the final stage is built `FROM`.

## Why is this bad?
An editable install does not put the package into site-packages: it leaves a
`.pth` file or an import finder that points at the source folder. The image
then depends on that folder staying where it was at build time; a later
`COPY` over it, a multi-stage copy of only site-packages, or a volume mounted
on the work directory silently changes or breaks what is imported. With
hatchling, an editable install done before the source was copied installs a
package with no module at all.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e .
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
```

## Options
None.

## References
- [pip: editable installs](https://pip.pypa.io/en/stable/topics/local-project-installs/#editable-installs)
- [PEP 660](https://peps.python.org/pep-0660/)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule

from .installs import find_installs

_NON_EDITABLE = {
    "uv sync": "`uv sync --no-editable`",
    "pdm": "`pdm install --no-editable`",
    "poetry": "`poetry install --no-root` for the dependencies, then `pip install --no-deps .`",
    "setup.py": "`pip install .`",
    "flit": "`flit install` without --symlink/--pth-file",
}


@rule(
    "PY002",
    "editable-install",
    "warning",
    "dockerfile",
    "The final image installs the local project in editable mode",
)
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    final = dockerfile.final_stage
    if final is None:
        return
    lineage = {stage.index for stage in final.lineage()}
    for run in iter_run_instructions(dockerfile):
        if run.script is None or run.stage is None or run.stage.index not in lineage:
            continue
        for install in find_installs(run.script, run.workdir, run.variables):
            if not install.editable:
                continue
            line = run.script_line + install.line - 1
            instead = _NON_EDITABLE.get(install.tool, "the same command without -e")
            where = "the final stage" if run.stage is final else f"{run.stage.label}, which the final stage is built FROM"
            yield Violation(
                message=(
                    f"`{install.command}` is an editable install of {install.path} in {where}: "
                    f"the package is imported from the source folder through a .pth file or import hook, not from site-packages"
                ),
                line=run.line,
                end_line=max(line, run.line),
                fix=f"Install non-editable in the image: use {instead}; keep editable installs for development containers.",
            )
