"""A module the project provides cannot be imported in the built image.

## What it does
Reads the built image statically and computes the `sys.path` of its default
`python3` (found on the image's `PATH`, venvs through `pyvenv.cfg`) as it runs
for the image's `USER` from its `WORKDIR`: `PYTHONPATH`, the stdlib,
site-packages, the user site, `.pth` path lines and editable-install finders.
Then it resolves each top-level module the project provides, as the import
system would, and reports those that are not found, with where it looked and
why they are missing.

The modules come from the build context's `pyproject.toml` / `setup.cfg`
(`--context`, or the folder of the paired Dockerfile) and from the `modules`
option. The working directory is on `sys.path` as for `python -m` and
`python -c` runs (and for servers such as gunicorn or uvicorn that add it
themselves); a `CMD ["python", "path/script.py"]` puts the script's folder
there instead, and `-I`/`-P`/`PYTHONSAFEPATH` put nothing there.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the instruction that installed the project's distribution (its
dist-info), such as `RUN pip install -e .`.

## Why is this bad?
The build was green, the image was pushed, and the container dies at start
with `ModuleNotFoundError`. An editable install done before the source was
copied leaves a distribution that provides no module at all; a multi-stage
copy puts site-packages where the final interpreter does not look; a `.pth`
file points at a folder that is not in the final image. None of this shows in
the Dockerfile alone.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e .
COPY src/ ./src/
CMD ["acme"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src/ ./src/
RUN pip install --no-cache-dir .
CMD ["acme"]
```

## Options
- `modules` (list of strings, default `[]`): top-level modules that must be
  importable, in addition to those of the context's project.
- `python` (string, default `""`: `python3`, then `python`, on the image's
  PATH): the interpreter to model, a path in the image or a name on PATH.

## References
- [The module search path (sys.path initialization)](https://docs.python.org/3/library/sys_path_init.html)
- [site: site-specific configuration hook, .pth files](https://docs.python.org/3/library/site.html)
- [PEP 660: editable installs](https://peps.python.org/pep-0660/)
"""

from __future__ import annotations

import os
from typing import Any, Iterator

from imagepolicy.layermap import layer_details, span_for
from imagepolicy.model import RuleContext, Violation, rule

from .project import PythonProject, load_project
from .runtime import PythonRuntime, Resolution, distribution_layer, load_runtime

_MAX_LOOKED = 8


@rule(
    "PY003",
    "module-not-importable",
    "error",
    "image",
    "A top-level module the project provides cannot be imported by the image's python",
    options={
        "type": "object",
        "properties": {
            "modules": {
                "type": "array",
                "items": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"},
                "default": [],
                "description": "Top-level modules that must be importable in the image, besides the context project's.",
            },
            "python": {
                "type": "string",
                "default": "",
                "description": "Interpreter to model: a path in the image or a name on its PATH (default: python3, then python).",
            },
        },
        "additionalProperties": False,
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    project = context_project(ctx)
    wanted = expected_modules(project, ctx.options.get("modules") or [])
    if not wanted:
        return
    runtime = load_runtime(image, ctx.options.get("python") or None)
    if runtime.interpreter is None:
        names = ", ".join(wanted)
        yield Violation(
            message=f"the image cannot import {names}: {runtime.problem}",
            fix="Build the final stage FROM an image with Python (or copy the interpreter with its stdlib), "
            "or set PY003's `python` option to the interpreter the image uses.",
            details={"modules": wanted},
        )
        return
    for name in wanted:
        found = runtime.resolve_module(name)
        if not found.found:
            yield _violation(runtime, project, found, ctx.dockerfile)


def context_project(ctx: RuleContext) -> PythonProject | None:
    """The project in the build context folder, if it has one."""
    if not ctx.context_dir or not os.path.isdir(ctx.context_dir):
        return None
    return load_project(ctx.context_dir)


def expected_modules(project: PythonProject | None, extra: list[str]) -> list[str]:
    """Top-level names to check: the project's, then the option's, each once."""
    names: dict[str, None] = {}
    for name in (project.module_names() if project else []) + [m.split(".", 1)[0] for m in extra]:
        names.setdefault(name, None)
    return list(names)


def _violation(runtime: PythonRuntime, project: PythonProject | None, found: Resolution, dockerfile) -> Violation:
    """The finding for one module; with the Dockerfile given, on the instruction that installed the project."""
    interp = runtime.interpreter
    assert interp is not None
    looked = list(found.looked)
    shown = ", ".join(looked[:_MAX_LOOKED]) + (f" and {len(looked) - _MAX_LOOKED} more" if len(looked) > _MAX_LOOKED else "")
    reasons = list(found.reasons) + list(interp.notes)
    why = "; ".join(reasons) if reasons else "no folder or file of that name exists on any of them"
    user = runtime.user
    who = "root" if user.uid == 0 or user.name == "root" else f"user {user.name or user.spec}"
    message = (
        f"module {found.module} cannot be imported by {interp.describe()} run as {who} from {runtime.cwd}: "
        f"{why}. sys.path searched: {shown}"
    )
    dist = runtime.distribution(project.name) if project and project.name else None
    path_in_image = dist.path if dist is not None else None
    details: dict[str, Any] = {"module": found.module, "sys_path": runtime.path_strings(), "reasons": list(found.reasons)}
    installed_by = distribution_layer(runtime.image, dist) if dist is not None else None
    if installed_by is not None:
        details["installed_by"] = layer_details(runtime.image, installed_by)
    line, end_line = span_for(runtime.image, dockerfile, installed_by)
    return Violation(message=message, line=line, end_line=end_line, fix=_fix(found, dist), path_in_image=path_in_image, details=details)


def _fix(found: Resolution, dist) -> str:
    if dist is not None and dist.editable:
        return (
            f"Copy the project's source before installing it and install it non-editable (`pip install .`), "
            f"so {found.module} is built into site-packages."
        )
    if any("not on sys.path" in r for r in found.reasons):
        return (
            f"Install the project into the interpreter's site-packages (`pip install .` after copying the source), "
            f"or add the folder holding {found.module} to PYTHONPATH."
        )
    return f"Install the project (or copy {found.module}) where the image's python looks: one of the sys.path folders above."
