"""Editable install of the local project in the final image.

## What it does
Flags an editable install (`pip install -e`, `uv pip install -e`, `uv sync`
and `pdm install` without `--no-editable`, `poetry install`, `python setup.py
develop`, `flit install --symlink`) in the final stage of the image, or in a
stage the final stage is built `FROM`.

On a built image it flags each distribution on the default interpreter's
`sys.path` that is installed editable: `direct_url.json` says
`"dir_info": {"editable": true}`, or a setuptools `__editable__` finder or
`.pth` file, an `editables` redirector or a `.egg-link` is left in
site-packages. The finding names the dist-info folder (`path_in_image`).

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
an image finding points at the instruction that wrote the editable distribution's dist-info
(or the hook file).

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

import posixpath

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.layermap import span_for
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
    "any",
    "The final image installs the local project in editable mode",
)
def check(target, ctx: RuleContext) -> Iterator[Violation]:
    if isinstance(target, Dockerfile):
        return _check_dockerfile(target)
    return _check_image(target, ctx.dockerfile)


def _check_dockerfile(dockerfile: Dockerfile) -> Iterator[Violation]:
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


def _check_image(image, dockerfile: Dockerfile | None) -> Iterator[Violation]:
    """Editable distributions and editable wiring on the default interpreter's sys.path.

    With the Dockerfile given, each finding points at the instruction that
    wrote the dist-info (or the hook file).
    """
    from .runtime import distribution_layer, load_runtime, normalize_name, written_by

    runtime = load_runtime(image)
    if runtime.interpreter is None:
        return
    reported: set[str] = set()
    for dist in runtime.distributions:
        if not dist.editable:
            continue
        reported.add(normalize_name(dist.name).replace("-", "_"))
        source = dist.source_dir or dist.url or "an unknown folder"
        wiring = f"through {', '.join(dist.pth_files)}" if dist.pth_files else "with no .pth file or finder, so it provides no module"
        line, end_line = span_for(image, dockerfile, distribution_layer(image, dist))
        yield Violation(
            message=(
                f"distribution {dist.label()} is installed editable from {source} ({dist.path}/direct_url.json), "
                f"{wiring}: its code is imported from that folder, not from site-packages"
            ),
            line=line,
            end_line=end_line,
            path_in_image=dist.path,
            fix="Install the project non-editable in the image (`pip install .` after copying the source; "
            "`uv sync --no-editable`, `pdm install --no-editable`).",
            details={"distribution": dist.name, "url": dist.url},
        )
    leftovers = [f.path for f in runtime.finders] + [
        p.path for p in runtime.pth_files if posixpath.basename(p.path).startswith("__editable__.")
    ]
    for folder in {posixpath.dirname(p) for p in leftovers} | {e.path for e in runtime.sys_path if e.source in ("site", "user-site")}:
        leftovers += [posixpath.join(folder, n) for n in image.listdir(folder) if n.endswith(".egg-link")]
    for path in sorted(set(leftovers)):
        stem = normalize_name(posixpath.basename(path)).replace("-", "_")
        if any(name and name in stem for name in reported):
            continue
        line, end_line = span_for(image, dockerfile, written_by(image, path))
        yield Violation(
            message=f"{path} is an editable-install hook left in site-packages: modules are imported from the source folder it names",
            line=line,
            end_line=end_line,
            path_in_image=path,
            fix="Install the project non-editable in the image (`pip install .` after copying the source).",
        )
