"""Install of the local project before its source is in the image.

## What it does
Flags a `RUN` that installs the local Python project while folders the
project's modules come from are not yet in the image at the project's path.
Installs are found in every way teams write them:

- `pip install [-e] .` and paths (`./pkg`, `/app`, `file:...`), also with
  pip's global options first (`pip --no-cache-dir install -e .`,
  `python -m pip -q install .`), `pip wheel .` (the wheel is built there),
  `uv pip install|sync`, `uv sync` (and the workspace members it installs;
  `--no-install-project`, `--no-install-workspace`, `--only-group` and
  `--only-dev` install no local project), `poetry install|sync` (not
  `--no-root`), `pdm install|sync` (not `--no-self`), `pipx install`,
  `flit install`, `python setup.py install|develop`;
- the files installers read, from the build context when the Dockerfile
  copies or bind-mounts them before the `RUN`: requirements files (`-e .`,
  `.`, `./pkg`, `-r`/`-c` includes relative to the including file, local
  paths relative to the working directory, environment markers evaluated for
  Linux and the base image's Python), `Pipfile` / `Pipfile.lock` path entries
  (`pipenv install [--system] [--deploy]`, `pipenv sync`), and the `pip:`
  section of a conda environment file (`conda|mamba env create -f
  environment.yml`, run by conda in the file's folder); wrappers such as
  `conda run -n env`, `env` and `sudo` are looked through.

The project's modules are read statically from the build context's
`pyproject.toml` / `setup.cfg` / `setup.py` (setuptools, hatchling, poetry,
flit, pdm, maturin, uv_build; discovery when nothing is declared), and the
files in the image at that `RUN` from the `COPY`/`ADD` instructions before it
(`.dockerignore`, or `<Dockerfile>.dockerignore` when present, applied) and
from the `RUN --mount=type=bind` mounts of the context.

The message says which of the two outcomes the project's backend and
configuration give, as observed in real builds (pip 23, Python 3.11):

| backend, configuration | `pip install .` / `pip install -e .` before the source |
| --- | --- |
| hatchling, default file selection | the build FAILS at metadata generation |
| hatchling, explicit `packages` / `only-include` / `include` | GREEN build, the module is missing at run time |
| flit_core, uv_build, poetry-core | the build FAILS |
| setuptools, explicit `packages`, `package-dir` root, `find` with a `where` | the build FAILS |
| setuptools, auto-discovery (or `find` in the project folder) | GREEN build, the module is missing at run time |
| pdm-backend | GREEN build, the module is missing at run time |

Two editable cases work and stay silent: setuptools `py-modules` installed
with `pip install -e .` (the wiring names the project folder, filled later),
and `python setup.py develop` with discovered packages (`easy-install.pth`
holds the project folder). An editable install from a bind mount alone is
reported too: the mount is gone when the container runs.

## Why is this bad?
Either the build breaks, or, worse, the build stays green and the container
crashes: with only `pyproject.toml` copied, the install packages nothing; the
source copied afterwards is never on `sys.path` (except by luck of the working
directory), so `import <package>` fails at run time with `ModuleNotFoundError`.
No other Dockerfile linter models which files exist when a `RUN` runs, so
this ships.

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
or requirements file (`uv sync --no-install-project`, `poetry install
--no-root`), then copy the source and install the project itself.

## Fix
When the missing source is copied later in the stage, `imagepolicy fix` moves
those `COPY`/`ADD` instructions (with the comment lines right above them) just
above the installing RUN (and its comment lines), keeping every other line in
its order. The install itself is left as written: with the source in place an
editable install works too. Safe when only instructions that do not touch files
stand between the RUN and the moved ones (`LABEL`, `EXPOSE`, `ENV`/`ARG` the
moved instruction does not use, `USER`, `CMD`...). Unsafe (applied with
`--unsafe`) when a `RUN`, `COPY`, `ADD` or `WORKDIR` stands between them, or an
`ENV`/`ARG` the moved instruction uses: the move then changes what they see or
where the files land. No fix is offered when the source is never copied or is
excluded by the ignore file.

## Options
None.

## References
- [pip: local project installs](https://pip.pypa.io/en/stable/topics/local-project-installs/)
- [pip: requirements file format](https://pip.pypa.io/en/stable/reference/requirements-file-format/)
- [uv: using uv in Docker](https://docs.astral.sh/uv/guides/integration/docker/)
- [Dockerfile reference: COPY](https://docs.docker.com/reference/dockerfile/#copy)
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction, iter_run_instructions
from imagepolicy.fixes import instruction_block, move_blocks_edits
from imagepolicy.model import Fix, RuleContext, Violation, rule

from .installs import ProjectInstall
from .project import PythonProject, load_project, read_text_bounded
from .timeline import context_path, mount_source, present, run_installs

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


@rule(
    "PY001",
    "install-before-source",
    "error",
    "dockerfile",
    "A RUN installs the local project before the project's source is copied into the image",
    autofix="sometimes",
)
def check(dockerfile: Dockerfile, ctx: RuleContext) -> Iterator[Violation]:
    for run in iter_run_instructions(dockerfile):
        if run.script is None or run.stage is None:
            continue
        seen: set[tuple[str, bool]] = set()
        for install in run_installs(dockerfile, run):
            for one in _workspace_installs(dockerfile, run, install):
                if (one.path, one.editable) in seen:
                    continue
                seen.add((one.path, one.editable))
                violation = _check_install(dockerfile, run, one)
                if violation is not None:
                    yield violation


def project_for(dockerfile: Dockerfile, run: Instruction, path: str) -> tuple[str | None, PythonProject | None]:
    """The context folder that lands at image ``path`` and its project model.

    Found through the COPY that brought a project file (pyproject.toml,
    setup.py, setup.cfg) to ``path``, before or after ``run``, or through a
    ``RUN --mount=type=bind`` of the context that puts it there.
    """
    ctx = dockerfile.context
    root = ctx.root
    if root is None or not ctx.available:
        return None, None
    for name in PROJECT_FILES:
        image_file = posixpath.join(path, name)
        mounted = mount_source(run, image_file)
        if mounted is not None and ctx.exists(mounted):
            folder = posixpath.dirname(mounted)
            return folder, load_project(root / folder if folder else root, display_root=root)
        provider = dockerfile.provider(run, image_file)
        candidates = [provider] if provider is not None else dockerfile.later_providers(run, image_file)
        for found in candidates:
            if found.known and found.source and found.instruction.from_stage is None and posixpath.basename(found.source) == name:
                folder = posixpath.dirname(found.source)
                project = load_project(root / folder if folder else root, display_root=root)
                return folder, project
    return None, None


def _workspace_installs(dockerfile: Dockerfile, run: Instruction, install: ProjectInstall) -> list[ProjectInstall]:
    """``uv sync`` in a workspace installs members too: the root's workspace dependencies, one ``--package``, or all."""
    if install.workspace is None:
        return [install]
    folder = context_path(dockerfile, run, posixpath.join(install.path, "pyproject.toml"))
    context_root = dockerfile.context.root
    if folder is None or context_root is None:
        return [install]
    from .project import load_toml_text

    try:
        root = load_toml_text(read_text_bounded(context_root / folder, folder), folder)
    except (OSError, UnicodeDecodeError, ValueError):
        return [install]
    members = _workspace_members(dockerfile, posixpath.dirname(folder), root)
    if not members:
        return [install]
    project = root.get("project") if isinstance(root.get("project"), dict) else None
    wanted: set[str] = set()
    if install.workspace == "all":
        wanted = set(members)
    elif install.workspace.startswith("package:"):
        wanted = {_norm(install.workspace.split(":", 1)[1])}
    elif project is not None:
        sources = (root.get("tool") or {}).get("uv", {}).get("sources", {}) if isinstance(root.get("tool"), dict) else {}
        deps = [d for d in project.get("dependencies") or [] if isinstance(d, str)]
        names = {_norm(re_name(d)) for d in deps}
        wanted = {n for n in names if n in members and isinstance(sources.get(n) or _source_for(sources, n), dict)}
    out = [install] if project is not None and not install.workspace.startswith("package:") else []
    context_dir = posixpath.dirname(folder)
    for name in sorted(wanted):
        rel = members.get(name)
        if rel is None:
            continue
        image_dir = posixpath.normpath(posixpath.join(install.path, posixpath.relpath(rel, context_dir or ".")))
        out.append(ProjectInstall(install.tool, install.command, image_dir, install.editable, install.line,
                                  via=f"workspace member {name}"))
    return out or [install]


def _workspace_members(dockerfile: Dockerfile, root: str, pyproject: dict) -> dict[str, str]:
    """Workspace member name -> context folder, from ``[tool.uv.workspace] members`` globs."""
    tool = pyproject.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    workspace = uv.get("workspace") if isinstance(uv, dict) else None
    context_root = dockerfile.context.root
    if not isinstance(workspace, dict) or not isinstance(workspace.get("members"), list) or context_root is None:
        return {}
    base = context_root / root if root else context_root
    found: dict[str, str] = {}
    from .project import load_toml_text

    for pattern in workspace["members"]:
        if not isinstance(pattern, str):
            continue
        for match in sorted(base.glob(pattern))[:200]:
            file = match / "pyproject.toml"
            if not file.is_file():
                continue
            rel = file.parent.relative_to(context_root).as_posix()
            try:
                data = load_toml_text(read_text_bounded(file, f"{rel}/pyproject.toml"), f"{rel}/pyproject.toml")
            except (OSError, UnicodeDecodeError, ValueError):
                continue
            name = (data.get("project") or {}).get("name") if isinstance(data.get("project"), dict) else None
            if isinstance(name, str):
                found[_norm(name)] = rel
    return found


def _source_for(sources: dict, name: str):
    return next((v for k, v in sources.items() if _norm(k) == name), None)


def re_name(requirement: str) -> str:
    import re

    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1) if match else requirement


def _norm(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


def outcome(project: PythonProject, install: ProjectInstall, missing_modules: list[str], root_missing: bool) -> tuple[str, str]:
    """What a build with the modules' sources missing does: ("fails" | "crashes" | "works" | "unknown", why).

    Each branch was observed in a real build (tests/pybackends.py): pip 23 with
    hatchling 1.x, flit_core 3/4, uv_build, setuptools 66-84, pdm-backend,
    poetry-core 2.
    """
    backend = project.backend
    develop = install.tool == "setup.py" and install.editable
    editable = install.editable
    first = missing_modules[0] if missing_modules else "the package folder"
    if backend == "flit":
        return "fails", f"flit_core finds no module at {first} and stops the build"
    if backend == "uv":
        return "fails", f"uv_build expects {first}/__init__.py and stops the build"
    if backend == "poetry":
        return "fails", f"poetry-core stops the build: the package {first} does not contain any element"
    if backend == "hatchling":
        if project.selection == "default":
            return "fails", ("hatchling's default file selection finds nothing and stops the build at metadata generation "
                             "(\"Unable to determine which files to ship inside the wheel\")")
        return "crashes", "hatchling ships only the declared packages, which are not there yet"
    if backend == "pdm":
        return "crashes", "pdm-backend finds no package to ship and builds a wheel without one"
    if backend == "setuptools" or (backend is None and install.tool == "setup.py"):
        if project.package_root and root_missing:
            what = "error in 'egg_base' option" if develop else "package directory does not exist"
            return "fails", f"setuptools stops the build: package-dir root {project.package_root} does not exist ({what})"
        if project.selection == "packages":
            return "fails", f"setuptools stops the build: package directory {first} does not exist"
        if project.selection == "find" and any(w not in ("", ".") for w in project.find_where):
            return "fails", f"setuptools stops the build: find's where={list(project.find_where)} is not a folder yet"
        flat = all("/" not in p for p in missing_modules)
        if project.selection == "py-modules" and editable and flat:
            return "works", "setuptools' editable wiring points at the project folder, where the modules land later"
        if develop and project.selection in ("find", "auto", "py-modules") and flat:
            return "works", "setup.py develop links the project folder (easy-install.pth), where the modules land later"
        return "crashes", "setuptools discovers nothing to ship and builds a distribution with no module"
    return "unknown", "depending on the build backend the build fails or installs no module"


def _check_install(dockerfile: Dockerfile, run: Instruction, install: ProjectInstall) -> Violation | None:
    folder, project = project_for(dockerfile, run, install.path)
    if project is None:
        return None
    where = f"line {run.line}"
    command_line = run.script_line + install.line - 1
    module_paths = project.module_paths()
    needed = [(p, "source") for p in module_paths] + [(p, "file") for p in project.required_files]
    if install.tool == "setup.py":
        needed.append(("setup.py", "file"))
    missing: list[tuple[str, str, str, str]] = []  # (image path, context path, what brings it later, kind)
    gone_after: list[str] = []  # present only through a bind mount: gone once the RUN ends
    for rel, kind in needed:
        image_path = posixpath.join(install.path, rel)
        if dockerfile.provider(run, image_path) is not None:
            continue
        context_rel = posixpath.join(folder, rel) if folder else rel
        later = dockerfile.later_providers(run, image_path)
        if present(dockerfile, run, image_path):
            if install.editable and kind == "source" and not later:
                gone_after.append(image_path)
            continue
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
        missing.append((image_path, context_rel, how, kind))
    via = f" ({install.via})" if install.via else ""
    modules = ", ".join(project.module_names()) or "the project's modules"
    if not missing and gone_after:
        return Violation(
            message=(f"`{install.command}`{via} installs the project at {install.path} editable from a RUN --mount bind mount: "
                     f"{', '.join(gone_after)} exist only while this RUN runs, so the installed {modules} cannot be imported "
                     "at run time (ModuleNotFoundError)."),
            line=run.line, end_line=max(command_line, run.line),
            fix="Install non-editable from the bind mount (drop -e, or `--no-editable`), or COPY the source into the image first.",
            details={"missing": gone_after, "outcome": "crashes"},
        )
    if not missing:
        return None
    missing_modules = [posixpath.relpath(m[0], install.path) for m in missing if m[3] == "source"]
    root_missing = bool(project.package_root) and not present(dockerfile, run, posixpath.join(install.path, project.package_root))
    if missing_modules:
        result, why = outcome(project, install, missing_modules, root_missing)
    else:
        result, why = "fails", f"the build backend ({project.backend or 'unknown'}) needs these files to build"
    if result == "works":
        return None
    listed = "; ".join(f"{img} (from {src}) is {how}" for img, src, how, _ in missing)
    verb = "builds a wheel of" if install.wheel else "installs"
    if result == "fails":
        consequence = f"The build fails here: {why}."
    elif result == "crashes":
        target = "the wheel it writes" if install.wheel else f"the installed distribution {project.name or ''}".rstrip()
        noun = "module" if len(project.module_names()) == 1 else "modules"
        consequence = (f"The build succeeds ({why}), but {target} provides no {noun} {modules}: "
                       f"`import {project.module_names()[0] if project.module_names() else modules}` fails at run time (ModuleNotFoundError).")
    else:
        consequence = f"Depending on the build backend ({project.backend}), the build fails here or installs no {modules}."
    message = f"`{install.command}`{via} {verb} the project at {install.path} before its source is in the image: {listed}. {consequence}"
    later_copies = sorted(
        {(p.instruction.line, _short(p.instruction)) for image_path, _, _, _ in missing for p in dockerfile.later_providers(run, image_path)}
    )
    if later_copies:
        moves = ", ".join(f"`{text}` (line {ln})" for ln, text in later_copies)
        fix = f"Move {moves} above this RUN ({where})"
    else:
        sources = ", ".join(sorted({src for _, src, _, _ in missing}))
        fix = f"Copy {sources} into {install.path} before this RUN ({where}) and make sure {_ignore_file(dockerfile)} does not exclude it"
    if install.editable:
        fix += ", and install non-editable (drop -e) so the image does not depend on the source folder at run time"
    movers = {later[0].instruction.index: later[0].instruction for image_path, _, _, _ in missing
              if (later := dockerfile.later_providers(run, image_path))}
    return Violation(message=message, line=run.line, end_line=max(command_line, run.line), fix=fix + ".",
                     details={"missing": [m[0] for m in missing], "outcome": result},
                     autofix=_move_fix(dockerfile, run, [movers[k] for k in sorted(movers)]) if later_copies else None)


# Instructions that neither touch files nor change how a moved COPY resolves.
_HARMLESS = frozenset({"LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL", "USER", "MAINTAINER",
                       "ONBUILD", "VOLUME", "SHELL"})


def _move_fix(dockerfile: Dockerfile, run: Instruction, movers: list[Instruction]) -> Fix | None:
    """Move ``movers`` (COPYs after ``run`` in its stage) above ``run`` (see the docs' Fix section)."""
    if not movers or run.stage is None or any(m.stage is not run.stage or m.index <= run.index for m in movers):
        return None
    blocks = [instruction_block(dockerfile, m) for m in movers]
    top, _ = instruction_block(dockerfile, run)
    if any(b[0] <= run.end_line for b in blocks) or any(a[1] >= b[0] for a, b in zip(blocks, blocks[1:])):
        return None
    between = [i for i in run.stage.instructions if run.index < i.index < movers[-1].index and i not in movers]
    uses_variables = any("$" in m.original for m in movers)
    reason = None
    for instr in between:
        if instr.keyword in ("RUN", "COPY", "ADD", "WORKDIR"):
            reason = f"the {instr.keyword} at line {instr.line} comes after them now"
            break
        if instr.keyword in ("ENV", "ARG") and uses_variables:
            reason = f"the {instr.keyword} at line {instr.line}, which they may use, comes after them now"
            break
        if instr.keyword not in _HARMLESS and instr.keyword not in ("ENV", "ARG"):
            reason = f"the {instr.keyword} at line {instr.line} comes after them now"
            break
    what = ", ".join(f"`{_short(m)}`" for m in movers)
    title = f"move {what} above the RUN at line {run.line}"
    edits = tuple(move_blocks_edits(dockerfile, blocks, top))
    if reason is None:
        return Fix(edits, title)
    return Fix(edits, title, safe=False, unsafe_because=reason)


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
