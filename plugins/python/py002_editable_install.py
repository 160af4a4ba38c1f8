"""Editable install whose source folder is not in the final image.

## What it does
Flags an editable install of the local project (`pip install -e`, `-e` lines
of a requirements file, Pipfile path entries with `editable = true`, `uv
sync` and `pdm install` without `--no-editable`, `poetry install|sync`,
`python setup.py develop`, `flit install --symlink`) whose wiring reaches the
final image while the project folder it points at does not: typically a
builder stage installs editable into a venv and the final stage copies the
venv (`COPY --from=builder /opt/venv /opt/venv`) but not the project folder.

On a built image it flags each distribution on the default interpreter's
`sys.path` that is installed editable (`direct_url.json` says `"dir_info":
{"editable": true}`) from a folder that does not exist in the image, and
editable-install hooks (setuptools `__editable__` finders and `.pth` files,
`.egg-link` files) whose target folder does not exist. The finding names the
dist-info folder (`path_in_image`); with the Dockerfile given too, it points
at the instruction that wrote it.

**When is an editable install in an image worth a warning?** Only when it
breaks. An editable install keeps importing from the project folder; as long
as that folder is in the final image at the path it was installed from, the
image works, and a warning would be noise on the recipes the tools recommend:
uv's two-step Docker recipe (`uv sync --no-install-project`, `COPY`, `uv
sync`) installs the project editable, and Poetry always installs the root
project editable. Editable installs done before the source was copied are
PY001's (error); imports that fail in the built image are PY003's and
PY006's. This rule keeps the case neither sees from the Dockerfile: the
wiring is shipped, the folder is not.

## Why is this bad?
The editable wiring (a `.pth` line or an import finder) names the project
folder of the builder stage; in the final image that folder does not exist,
so the project's modules cannot be imported and the container crashes with
`ModuleNotFoundError`, while the build stays green.

## Example
```dockerfile
FROM python:3.12-slim AS builder
WORKDIR /app
COPY . .
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -e .

FROM python:3.12-slim
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
CMD ["acme"]
```

## Use instead
```dockerfile
FROM python:3.12-slim AS builder
WORKDIR /app
COPY . .
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.12-slim
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
CMD ["acme"]
```
(`uv sync --no-editable` and `pdm install --no-editable` do the same for
those tools; or copy the project folder to the same path too.)

## Fix
Safe: `imagepolicy fix` makes the install non-editable where it is written in
the RUN: it drops `-e`/`--editable` from `pip install` (and `uv pip install`,
`-e.` and `--editable=path` keep their path), and adds `--no-editable` to `uv
sync` and `pdm install|sync`. The project is then installed into site-packages,
which the final image gets with the environment. Editable lines of a
requirements file or Pipfile, `poetry install`, `setup.py develop` and `flit
install --symlink` get no fix. Findings on a built image get none either.

## Options
None.

## References
- [pip: editable installs](https://pip.pypa.io/en/stable/topics/local-project-installs/#editable-installs)
- [uv: non-editable installs in Docker](https://docs.astral.sh/uv/guides/integration/docker/#non-editable-installs)
- [PEP 660](https://peps.python.org/pep-0660/)
"""

from __future__ import annotations

from typing import Iterator

import posixpath

from imagepolicy.dockerfile import Dockerfile, iter_run_instructions
from imagepolicy.fixes import script_edit
from imagepolicy.model import Edit, Fix, RuleContext, Violation, rule
from imagepolicy.shellcmd import instruction_script

from .timeline import run_installs

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
    autofix="safe",
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
    copied_from = {i.from_stage.index: i for st in final.lineage() for i in st.instructions if i.from_stage is not None}
    for run in iter_run_instructions(dockerfile):
        if run.script is None or run.stage is None:
            continue
        reaches = run.stage.index in lineage or run.stage.index in copied_from
        if not reaches:
            continue
        for install in run_installs(dockerfile, run):
            if not install.editable or _in_final_image(dockerfile, install.path):
                continue
            if run.stage.index in lineage:
                continue  # the folder comes from a bind mount or nowhere: PY001's case
            copy = copied_from[run.stage.index]
            line = run.script_line + install.line - 1
            instead = _NON_EDITABLE.get(install.tool, "the same command without -e")
            via = f" ({install.via})" if install.via else ""
            yield Violation(
                message=(
                    f"`{install.command}`{via} installs {install.path} editable in {run.stage.label}, and the final image gets "
                    f"its wiring through `{_short(copy)}` (line {copy.line}) but not {install.path}: the .pth file or import "
                    "hook points at a folder the final image does not have, so the project cannot be imported (ModuleNotFoundError)"
                ),
                line=run.line,
                end_line=max(line, run.line),
                fix=f"Install non-editable in {run.stage.label}: use {instead}; or copy {install.path} into the final image at the same path.",
                autofix=_non_editable_fix(run, install),
            )


def _non_editable_fix(run, install) -> Fix | None:
    """Edits making ``install`` non-editable in the RUN's script (see the docs' Fix section), or None."""
    script = instruction_script(run)
    if script is None or install.via or run.script is None:
        return None
    found = [c for c in script.commands if c.line == install.line and c.text == install.command and c.placed]
    if len(found) != 1:
        return None
    (cmd,) = found
    words = list(cmd.argv_words)
    edit: Edit | None = None
    if install.tool in ("pip", "uv pip"):
        flags = [i for i, w in enumerate(words) if w.text in ("-e", "--editable") or w.text.startswith(("-e", "--editable="))]
        flags = [i for i in flags if not words[i].text.startswith("--") or words[i].text.startswith("--editable")]
        if len(flags) != 1:
            return None  # several editable installs in one command: which is this one is not certain
        i = flags[0]
        word = words[i]
        if word.text in ("-e", "--editable"):
            if i + 1 >= len(words):
                return None
            edit = script_edit(run, word.start, words[i + 1].start, "")
        else:
            raw = run.script[word.start : word.end]
            prefix = "--editable=" if raw.startswith("--editable=") else "-e" if raw.startswith("-e") else None
            if prefix is None:
                return None
            edit = script_edit(run, word.start, word.end, raw[len(prefix):])
    elif install.tool in ("uv sync", "pdm"):
        anchor = next((w for w in words[1:] if w.parts in ((("lit", "sync"),), (("lit", "install"),))), None)
        if anchor is not None:
            edit = script_edit(run, anchor.end, anchor.end, " --no-editable")
    if edit is None:
        return None
    return Fix((edit,), "install non-editable")


def _in_final_image(dockerfile: Dockerfile, path: str) -> bool:
    """True when a COPY/ADD of the final stage (or a stage it is built FROM) puts ``path``'s project files in the image."""
    final = dockerfile.final_stage
    if final is None:
        return False
    start = final.from_instruction
    for name in ("pyproject.toml", "setup.py", "setup.cfg", ""):
        target = posixpath.join(path, name) if name else path
        if dockerfile.provider(start, target) is not None or dockerfile.later_providers(start, target):
            return True
    return False


def _short(instr) -> str:
    text = " ".join(instr.original.split())
    return text if len(text) <= 60 else text[:57] + "..."


def _check_image(image, dockerfile: Dockerfile | None) -> Iterator[Violation]:
    """Editable distributions and editable wiring on the default interpreter's sys.path whose folder is missing.

    With the Dockerfile given, each finding points at the instruction that
    wrote the dist-info (or the hook file).
    """
    from imagepolicy.layermap import span_for  # here: a Dockerfile check does not import the layer map

    from .runtime import distribution_layer, load_runtime, normalize_name, written_by

    runtime = load_runtime(image)
    if runtime.interpreter is None:
        return
    reported: set[str] = set()
    for dist in runtime.distributions:
        if not dist.editable:
            continue
        source = dist.source_dir
        stem = normalize_name(dist.name).replace("-", "_")
        if source is not None and image.exists(source):
            reported.add(stem)  # its hooks are fine too
            continue
        reported.add(stem)
        shown = source or dist.url or "an unknown folder"
        line, end_line = span_for(image, dockerfile, distribution_layer(image, dist))
        yield Violation(
            message=(
                f"distribution {dist.label()} is installed editable from {shown} ({dist.path}/direct_url.json), "
                f"which does not exist in the image: its modules are imported from that folder, so they cannot be imported"
            ),
            line=line,
            end_line=end_line,
            path_in_image=dist.path,
            fix="Install the project non-editable where the image is built (`pip install .` after copying the source; "
            "`uv sync --no-editable`, `pdm install --no-editable`), or copy the project folder to the same path.",
            details={"distribution": dist.name, "url": dist.url},
        )
    hooks: list[tuple[str, list[str]]] = []  # (hook file, the folders it names that are missing)
    for finder in runtime.finders:
        gone = [t for t in finder.mapping.values() if not image.exists(t)]
        hooks.append((finder.path, gone))
    for pth in runtime.pth_files:
        if posixpath.basename(pth.path).startswith("__editable__."):
            hooks.append((pth.path, list(pth.missing)))
    folders = {posixpath.dirname(h) for h, _ in hooks} | {e.path for e in runtime.sys_path if e.source in ("site", "user-site")}
    links = [posixpath.join(folder, n) for folder in sorted(folders) for n in image.listdir(folder) if n.endswith(".egg-link")]
    heads = image.read_many(links, max_bytes=4096) if links else {}
    for link in links:
        first = (heads.get(link) or b"").decode("utf-8", "replace").splitlines()[:1]
        hooks.append((link, [first[0].strip()] if first and first[0].strip() and not image.exists(first[0].strip()) else []))
    for path, gone in sorted(hooks):
        stem = normalize_name(posixpath.basename(path)).replace("-", "_")
        if not gone or any(name and name in stem for name in reported):
            continue
        line, end_line = span_for(image, dockerfile, written_by(image, path))
        yield Violation(
            message=f"{path} is an editable-install hook that points at {', '.join(gone)}, which does not exist in the image",
            line=line,
            end_line=end_line,
            path_in_image=path,
            fix="Install the project non-editable in the image (`pip install .` after copying the source).",
        )
