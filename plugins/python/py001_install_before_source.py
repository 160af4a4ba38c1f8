"""Install of the local project before its source is in the image.

## What it does
Flags a `RUN` that installs the local Python project (`pip install .`,
`pip install -e .`, `uv pip install`, `uv sync`, `poetry install`, `pdm install`,
`python setup.py install`, ...) while folders the project's modules come from
are not yet in the image at the project's path. The project's modules are read
statically from the build context's `pyproject.toml` / `setup.cfg` (setuptools,
hatchling, poetry, flit, pdm, maturin; discovery when nothing is declared),
and the files in the image at that `RUN` from the `COPY`/`ADD` instructions
before it (`.dockerignore`, or `<Dockerfile>.dockerignore` when present, applied).

## Why is this bad?
The build stays green and the container crashes. With only `pyproject.toml`
copied, an editable install succeeds (hatchling finds nothing and installs a
dist-info with no module) or a regular install packages nothing; the source
copied afterwards is never on `sys.path`, so `import <package>` fails at run
time with `ModuleNotFoundError`. No other Dockerfile linter models which files
exist when a `RUN` runs, so this ships.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e .
COPY src/ ./src/
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src/ ./src/
RUN pip install --no-cache-dir .
```
To keep dependency layers cached, install the dependencies first from a lock
or requirements file, then copy the source and install the project itself.

## Options
None.

## References
- [pip: local project installs](https://pip.pypa.io/en/stable/topics/local-project-installs/)
- [Dockerfile reference: COPY](https://docs.docker.com/reference/dockerfile/#copy)
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction, iter_run_instructions
from imagepolicy.model import RuleContext, Violation, rule

from .installs import ProjectInstall, find_installs
from .project import PythonProject, load_project

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


@rule(
    "PY001",
    "install-before-source",
    "error",
    "dockerfile",
    "A RUN installs the local project before the project's source is copied into the image",
)
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        if run.script is None or run.stage is None:
            continue
        for install in find_installs(run.script, run.workdir, run.variables):
            violation = _check_install(dockerfile, run, install)
            if violation is not None:
                yield violation


def project_for(dockerfile: Dockerfile, run: Instruction, path: str) -> tuple[str | None, PythonProject | None]:
    """The context folder that lands at image ``path`` and its project model.

    Found through the COPY that brought a project file (pyproject.toml,
    setup.py, setup.cfg) to ``path``, before or after ``run``.
    """
    ctx = dockerfile.context
    if not ctx.available:
        return None, None
    for name in PROJECT_FILES:
        image_file = posixpath.join(path, name)
        provider = dockerfile.provider(run, image_file)
        candidates = [provider] if provider is not None else dockerfile.later_providers(run, image_file)
        for found in candidates:
            if found.known and found.source and found.instruction.from_stage is None and posixpath.basename(found.source) == name:
                folder = posixpath.dirname(found.source)
                project = load_project(ctx.root / folder if folder else ctx.root, display_root=ctx.root)
                return folder, project
    return None, None


def _check_install(dockerfile: Dockerfile, run: Instruction, install: ProjectInstall) -> Violation | None:
    folder, project = project_for(dockerfile, run, install.path)
    if project is None:
        return None
    where = f"line {run.line}"
    command_line = run.script_line + install.line - 1
    needed = [(p, "source") for p in project.module_paths()] + [(p, "file") for p in project.required_files]
    if install.tool == "setup.py":
        needed.append(("setup.py", "file"))
    missing: list[tuple[str, str, str]] = []  # (image path, context path, what brings it later)
    for rel, _kind in needed:
        image_path = posixpath.join(install.path, rel)
        if dockerfile.provider(run, image_path) is not None:
            continue
        context_rel = posixpath.join(folder, rel) if folder else rel
        later = dockerfile.later_providers(run, image_path)
        if later:
            how = f"copied later by `{_short(later[0].instruction)}` at line {later[0].instruction.line}"
        else:
            ignored = dockerfile.context.ignored_by(context_rel)
            if ignored is not None and dockerfile.context.on_disk(context_rel):
                how = f"excluded by {_ignore_file(dockerfile)} line {ignored.line} (`{ignored.text}`)"
            elif not dockerfile.context.on_disk(context_rel):
                continue  # not in the context at all: nothing the Dockerfile can copy
            else:
                how = "never copied into the image"
        missing.append((image_path, context_rel, how))
    if not missing:
        return None
    modules = ", ".join(project.module_names()) or "the project's modules"
    listed = "; ".join(f"{img} (from {src}) is {how}" for img, src, how in missing)
    message = (
        f"`{install.command}` installs the project at {install.path} before its source is in the image: {listed}. "
        f"The build succeeds but the installed {modules} cannot be imported at run time (ModuleNotFoundError)."
    )
    later_copies = sorted(
        {(p.instruction.line, _short(p.instruction)) for image_path, _, _ in missing for p in dockerfile.later_providers(run, image_path)}
    )
    if later_copies:
        moves = ", ".join(f"`{text}` (line {ln})" for ln, text in later_copies)
        fix = f"Move {moves} above this RUN ({where})"
    else:
        sources = ", ".join(sorted({src for _, src, _ in missing}))
        fix = f"Copy {sources} into {install.path} before this RUN ({where}) and make sure {_ignore_file(dockerfile)} does not exclude it"
    if install.editable:
        fix += ", and install non-editable (drop -e) so the image does not depend on the source folder at run time"
    return Violation(message=message, line=run.line, end_line=max(command_line, run.line), fix=fix + ".", details={"missing": [m[0] for m in missing]})


def _ignore_file(dockerfile: Dockerfile) -> str:
    """The ignore file the build reads (``.dockerignore`` or ``<Dockerfile>.dockerignore``), relative to the context."""
    context = dockerfile.context
    path = context.dockerignore_path
    if path is None:
        return ".dockerignore"
    if context.root is not None:
        try:
            return path.resolve().relative_to(Path(context.root).resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def _short(instr: Instruction) -> str:
    text = " ".join(instr.original.split())
    return text if len(text) <= 60 else text[:57] + "..."
