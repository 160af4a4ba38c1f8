"""A console script the project declares is missing from the image, or its interpreter is.

## What it does
Checks that each console script the project declares (`[project.scripts]` of
the build context's project, and the `console_scripts` of installed
distributions whose RECORD lists a script) exists in the built image, in the
`bin` folder of the interpreter's prefix or on the image's `PATH`, and that its
`#!` line names an interpreter that exists in the image (`#!/usr/bin/env
python3` needs `python3` on PATH; pip's `/bin/sh` trampoline for long paths is
followed). The message says when the image's `CMD`/`ENTRYPOINT` runs the script.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the instruction that deleted the script, else at the one that wrote the
distribution declaring it (a `COPY --from` of site-packages), or, for a broken `#!`, at the one
that wrote the script.

## Why is this bad?
The container starts with `exec: "acme": executable file not found in $PATH`,
or `bad interpreter: No such file or directory`. A multi-stage build that
copies only site-packages (or a venv's `lib/`) keeps the modules and loses the
scripts pip wrote to `bin/`; copying a venv's `bin/` to an image where its
`#!/opt/venv/bin/python` does not exist breaks every script in it.

## Example
```dockerfile
FROM python:3.12-slim AS builder
WORKDIR /build
COPY . .
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.12-slim
COPY --from=builder /opt/venv/lib/ /usr/local/lib/
CMD ["acme"]
```

## Use instead
```dockerfile
FROM python:3.12-slim AS builder
WORKDIR /build
COPY . .
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.12-slim
COPY --from=builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
CMD ["acme"]
```

## Options
- `scripts` (list of strings, default `[]`): more script names that must exist.

## References
- [Entry points specification: console_scripts](https://packaging.python.org/en/latest/specifications/entry-points/)
- [pip: wheel installs, script wrappers](https://packaging.python.org/en/latest/specifications/binary-distribution-format/)
"""

from __future__ import annotations

import posixpath
from typing import Iterator

from imagepolicy.layermap import span_for
from imagepolicy.model import RuleContext, Violation, rule

from .py003_module_not_importable import context_project
from .runtime import (
    Distribution,
    PythonRuntime,
    command_argv,
    deleting_layer,
    distribution_layer,
    load_runtime,
    normalize_name,
    parse_shebang,
    written_by,
)


@rule(
    "PY004",
    "console-script-missing",
    "error",
    "image",
    "A console script the project declares is missing from the image or has no working interpreter",
    options={
        "type": "object",
        "properties": {
            "scripts": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "More console script names that must exist in the image's bin folder or on PATH.",
            },
        },
        "additionalProperties": False,
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    project = context_project(ctx)
    runtime = load_runtime(image)
    expected = _expected_scripts(runtime, project, ctx.options.get("scripts") or [])
    if not expected:
        return
    bin_dirs = _bin_dirs(runtime)
    found = {name: _locate(image, name, bin_dirs) for name in expected}
    heads = image.read_many([p for p in found.values() if p], max_bytes=1024)
    command = _command_names(image)
    for name, (origin, dist) in expected.items():
        path = found[name]
        runs = f"; the image's CMD/ENTRYPOINT runs `{name}`" if name in command else ""
        if path is None:
            line, end_line = span_for(image, ctx.dockerfile, _missing_layer(image, name, bin_dirs, dist))
            yield Violation(
                message=f"console script {name} ({origin}) is not in {bin_dirs[0] if bin_dirs else 'the bin folder'} "
                f"nor anywhere on PATH ({':'.join(bin_dirs)}){runs}",
                line=line,
                end_line=end_line,
                fix="Install the project in the final stage, or copy the whole venv (with its bin/) and put its bin on PATH, "
                "instead of copying only site-packages.",
                path_in_image=posixpath.join(bin_dirs[0], name) if bin_dirs else None,
                details={"script": name, "searched": bin_dirs},
            )
            continue
        problem = _interpreter_problem(image, heads.get(path, b""), bin_dirs)
        if problem:
            line, end_line = span_for(image, ctx.dockerfile, written_by(image, path))
            yield Violation(
                message=f"console script {path} ({origin}) cannot start: {problem}{runs}",
                line=line,
                end_line=end_line,
                fix="Reinstall the project in the final image so pip writes scripts for its interpreter, "
                "or copy the venv to the same path and keep its interpreter.",
                path_in_image=path,
                details={"script": name},
            )


def _expected_scripts(runtime: PythonRuntime, project, extra: list[str]) -> dict[str, tuple[str, Distribution | None]]:
    """Script name -> (where it is declared, the installed distribution that declares it, if any)."""
    expected: dict[str, tuple[str, Distribution | None]] = {}
    installed = runtime.distribution(project.name) if project is not None and project.name and runtime.interpreter is not None else None
    if project is not None:
        for name in project.scripts:
            expected.setdefault(name, (f"[project.scripts] of {project.name or 'the context project'}", installed))
    if runtime.interpreter is not None:
        own = normalize_name(project.name) if project is not None and project.name else None
        for dist in runtime.distributions:
            recorded = {posixpath.basename(p) for p in dist.record_paths() if "/bin/" in p}
            for name in dist.console_scripts:
                if normalize_name(dist.name) == own or name in recorded:
                    expected.setdefault(name, (f"console_scripts of {dist.label()} in {dist.path}", dist))
    for name in extra:
        expected.setdefault(name, ("PY004 option `scripts`", None))
    return expected


def _missing_layer(image, name: str, bin_dirs: list[str], dist: Distribution | None) -> int | None:
    """The layer to blame for a missing script: the one that deleted it, else the one that installed its distribution."""
    deleted = deleting_layer(image, [posixpath.join(folder, name) for folder in bin_dirs])
    if deleted is not None:
        return deleted
    return distribution_layer(image, dist) if dist is not None else None


def _bin_dirs(runtime: PythonRuntime) -> list[str]:
    """The interpreter prefix's bin first, then the image's PATH."""
    from .runtime import DEFAULT_PATH

    dirs: list[str] = []
    if runtime.interpreter is not None:
        dirs.append(posixpath.join(runtime.interpreter.prefix, "bin"))
    path = runtime.image.env.get("PATH")
    for folder in (path if path is not None else DEFAULT_PATH).split(":"):
        if folder.startswith("/") and folder not in dirs:
            dirs.append(folder)
    return dirs


def _locate(image, name: str, dirs: list[str]) -> str | None:
    for folder in dirs:
        path = posixpath.join(folder, name)
        entry = image.resolve(path)
        if entry is not None and entry.type in ("file", "hardlink") and entry.mode & 0o111:
            return path
    return None


def _interpreter_problem(image, head: bytes, path_dirs: list[str]) -> str | None:
    argv = parse_shebang(head)
    if argv is None or not argv:
        return None  # a binary or a script without #!: nothing to check
    program = argv[0]
    if posixpath.basename(program) == "env" and len(argv) > 1:
        args = [a for a in argv[1:] if not a.startswith("-")]
        if not args:
            return None
        wanted = args[0]
        if _locate(image, wanted, path_dirs) is None:
            return f"its #! line runs `{' '.join(argv)}` but there is no {wanted} on PATH"
        return None
    entry = image.resolve(program)
    if entry is None:
        return f"its #! interpreter {program} does not exist in the image"
    if entry.type not in ("file", "hardlink") or not entry.mode & 0o111:
        return f"its #! interpreter {program} is not an executable file"
    return None


def _command_names(image) -> set[str]:
    argv = command_argv(image)
    return {posixpath.basename(argv[0])} if argv else set()
