"""The command the container starts cannot import what it needs.

## What it does
Finds the Python entry of the command the container starts (`ENTRYPOINT` +
`CMD` of the final image, and its `HEALTHCHECK`): `python -m pkg`, `python
path/script.py`, console scripts (read as the script files they are),
`python manage.py ...` with the `DJANGO_SETTINGS_MODULE` it sets,
`gunicorn|uvicorn|hypercorn|daphne pkg.mod:app`, `celery -A pkg`, `flask
--app pkg` (or `FLASK_APP`) and `django-admin` with `DJANGO_SETTINGS_MODULE`;
shell wrappers (`sh -c "exec ..."`, `tini --`, `gosu user`) are looked
through. Then it resolves the entry exactly as the interpreter would for the
final `USER`, `WORKDIR` and `ENV`: `sys.path[0]` is a script's own folder
(`/usr/local/bin` for a console script), the working directory for `-m` and
for the servers that put it there (gunicorn `--chdir`, uvicorn `--app-dir`),
nothing for `django-admin` or under `-I`/`-P`/`PYTHONSAFEPATH`; then
`PYTHONPATH`, the stdlib and site-packages. It reads the entry module's
imports with `ast` (nothing is executed or imported) and resolves each one
the same way, following the project's own modules transitively.

With `--image`, every folder is looked up in the image (the static `sys.path`
of `imagepolicy.plugins.python.runtime`, zipped eggs included). From the
Dockerfile alone, the project's own modules are looked up in the file
timeline at the end of the final stage (`COPY`/`ADD` from the build context),
and a module counts as the project's when the build context holds it; a
third-party import is judged only when the final stage installs nothing
(a `python:*` base then has nothing but the stdlib), or when `pipenv install`
without `--system` put the dependencies into a virtualenv the image's
`python` does not use. Anything else is left to the image check.

Severity: an unguarded import at module level is an **error**. An import
inside a function body runs only when the function is called: it is reported
as a **warning**. Imports in a `try` block that handles `ImportError` (or
`Exception`), under `if TYPE_CHECKING:` and in the `else` of `if __name__ ==
"__main__"` are **not reported**: the code is written to run without them.

## Why is this bad?
The image builds green, then the container dies at start with
`ModuleNotFoundError`: `COPY pkg/ ./` copies a package folder's *contents*
(so `import pkg` finds nothing), a Django `COPY manage.py mysite/ polls/ ./`
loses the `mysite` package its settings live in, a dependency was never
installed, or `pipenv install` put it into a virtualenv the image's python
never uses.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY acme/ ./
CMD ["python", "-m", "acme"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY acme/ ./acme/
CMD ["python", "-m", "acme"]
```

## Options
None.

## References
- [The module search path (sys.path initialization)](https://docs.python.org/3/library/sys_path_init.html)
- [Dockerfile reference: COPY (a folder's contents are copied)](https://docs.docker.com/reference/dockerfile/#copy)
- [gunicorn: chdir](https://docs.gunicorn.org/en/stable/settings.html#chdir)
"""

from __future__ import annotations

import json
import posixpath
import sys
from typing import Any, Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction, iter_run_instructions
from imagepolicy.model import RuleContext, Severity, Violation, rule

from .entry import Entry, Found, Graph, Import, django_settings, import_graph, parse_entry
from .project import read_text_bounded

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(sys.builtin_module_names) | {"__future__"}
_SITE_DIRS = ("/site-packages", "/dist-packages")


@rule(
    "PY006",
    "entry-not-importable",
    "error",
    "any",
    "The command the container starts cannot import its entry module or one of its imports",
)
def check(target, ctx: RuleContext) -> Iterator[Violation]:
    if isinstance(target, Dockerfile):
        yield from _check_dockerfile(target)
    else:
        yield from _check_image(target, ctx.dockerfile)


# --- shared -------------------------------------------------------------------------------------


def _report(entry: Entry, graph: Graph, where: str, line: int | None, path_in_image: str | None,
            looked: list[str]) -> Iterator[Violation]:
    shown = ", ".join(looked[:6]) + (f" and {len(looked) - 6} more" if len(looked) > 6 else "")
    seen: set[tuple[str, str]] = set()
    for miss in graph.missing:
        imp = miss.imp
        if imp.guard in ("try", "type-checking", "main"):
            continue
        key = (miss.top if not miss.reason else imp.module, imp.file)
        if key in seen:
            continue
        seen.add(key)
        at = f"{imp.file}:{imp.line}" if imp.line else "the command"
        what = f"`{' '.join(entry.argv)}`"
        if miss.reason:
            message = f"{what} ({where}) fails at {at}: `from {imp.module} import ...`: {miss.reason}"
        else:
            message = (f"{what} ({where}) cannot import {imp.module}" + (f" at {at}" if imp.line else "") +
                       f": no module {miss.top} on sys.path ({shown})" + (f"; {miss.reason}" if miss.reason else ""))
        hint = getattr(miss, "hint", "")
        if hint:
            message += f"; {hint}"
        yield Violation(
            message=message,
            line=line,
            path_in_image=path_in_image,
            severity=Severity.WARNING if imp.guard == "function" else None,
            fix=getattr(miss, "fix", None) or f"Make {miss.top} importable where the command runs: copy the package folder itself "
            f"(`COPY {miss.top}/ ./{miss.top}/`), install the distribution that provides it, or fix PYTHONPATH/WORKDIR.",
            details={"import": imp.module, "file": imp.file, "line": imp.line, "sys_path": looked, "guard": imp.guard},
        )


def _entries(entry: Entry, read) -> tuple[list[tuple[str, Import | None]], str | None, str | None]:
    """(modules to resolve, script file to read, package of that file) for an entry."""
    modules: list[tuple[str, Import | None]] = []
    if entry.kind in ("module", "target"):
        modules.append((entry.name, None))
        if entry.settings and entry.kind == "target" and entry.program != "django-admin":
            modules.append((entry.settings, None))
        return modules, None, None
    source = read(entry.name)
    if source is not None:
        settings = django_settings(source) or entry.settings
        if settings and posixpath.basename(entry.name) == "manage.py":
            modules.append((settings, Import(settings, entry.name, _line_of(source, settings), None)))
    return modules, entry.name, None


def _line_of(source: str, text: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if text in line:
            return number
    return 0


# --- the built image ----------------------------------------------------------------------------


def _check_image(image, dockerfile) -> Iterator[Violation]:
    from .runtime import _find_in_folder, _find_in_zip, command_argv, load_runtime

    runtime = load_runtime(image)
    if runtime.interpreter is None:
        return
    env = image.env
    path_dirs = [d for d in (env.get("PATH") or "/usr/local/bin:/usr/bin:/bin").split(":") if d.startswith("/")]

    def which(name: str) -> str | None:
        for folder in path_dirs:
            entry = image.resolve(posixpath.join(folder, name))
            if entry is not None and entry.type in ("file", "hardlink"):
                return posixpath.join(folder, name)
        return None

    commands = [("CMD/ENTRYPOINT", command_argv(image))]
    health = (image.runtime.get("Healthcheck") or {}).get("Test") or []
    if health and health[0] in ("CMD", "CMD-SHELL"):
        commands.append(("HEALTHCHECK", health[1:] if health[0] == "CMD" else ["/bin/sh", "-c", " ".join(health[1:])]))
    version = runtime.interpreter.version
    base = [e for e in runtime.sys_path if e.source not in ("cwd", "script")]
    for label, argv in commands:
        entry = parse_entry(argv, image.workdir, env, which)
        if entry is None or not _is_python_entry(image, entry):
            continue
        looked = ([entry.path0] if entry.path0 else []) + [e.path for e in base]

        def read(path: str) -> str | None:
            data = image.read(path, max_bytes=_cap() + 1)
            if data is None or len(data) > _cap():
                return None
            return data.decode("utf-8", "replace")

        def locate(top: str):
            for folder in looked:  # noqa: B023 - locate() is called only during this iteration (by import_graph below)
                res = image.resolve(folder)
                if res is not None and res.type in ("file", "hardlink") and folder.endswith((".egg", ".zip", ".whl")):
                    if _find_in_zip(image, folder, top):
                        return "zip", folder, folder
                    continue
                kind, location = _find_in_folder(image, folder, top, version)
                if kind is not None:
                    return kind, location, folder
            return None

        def find(module: str) -> Found | None:
            parts = module.split(".")
            top = parts[0]
            hit = locate(top)
            if hit is None:
                if top in _STDLIB:
                    return Found("stdlib", None, False, None)
                return None
            kind, location, folder = hit
            own = not folder.endswith(_SITE_DIRS) and "/lib/python" not in folder and kind != "zip"
            if not own:
                return Found(location, None, False, None)
            current, package = location, top
            for part in parts[1:]:
                if kind not in ("package", "namespace"):
                    return None
                sub_kind, sub = _find_in_folder(image, current, part, version)
                if sub_kind is None:
                    return None
                kind, current, package = sub_kind, sub, f"{package}.{part}"
            if kind == "package":
                return Found(current, posixpath.join(current, "__init__.py"), True, module)
            if kind == "module":
                return Found(current, current, True, module.rsplit(".", 1)[0] if "." in module else None)
            return Found(current, None, True, module)

        modules, start, package = _entries(entry, read)
        if entry.kind == "module" and not modules:
            continue
        graph = import_graph(modules, find, read, looked, start_file=start, start_package=package)
        if entry.kind in ("module", "target") and graph.missing == [] and entry.kind == "module":
            found = find(entry.name)
            if found is not None and found.file and found.file.endswith("__init__.py"):
                main = posixpath.join(posixpath.dirname(found.file), "__main__.py")
                if image.exists(main):
                    more = import_graph([], find, read, looked, start_file=main, start_package=entry.name)
                    graph.missing += more.missing
        where = f"{label} of the image, run as {image.user or 'root'} from {image.workdir}"
        path = start if start else None
        yield from _report(entry, graph, where, None, path, looked)


def _is_python_entry(image, entry: Entry) -> bool:
    """A script entry counts only when it is a Python file: a .py name or a python #! line."""
    if entry.kind != "script":
        return True
    if entry.name.endswith(".py"):
        return True
    head = image.read(entry.name, max_bytes=256) or b""
    first = head.split(b"\n", 1)[0]
    return first.startswith(b"#!") and b"python" in first


def _cap() -> int:
    from imagepolicy import limits

    return limits.get("python-file-bytes")


# --- the Dockerfile alone -------------------------------------------------------------------------


def _check_dockerfile(dockerfile: Dockerfile) -> Iterator[Violation]:
    final = dockerfile.final_stage
    if final is None or not dockerfile.context.available:
        return
    argv, cmd_instr = _final_command(final)
    if argv and cmd_instr is not None:
        yield from _check_dockerfile_command(dockerfile, final, argv, cmd_instr)
    health = _final_healthcheck(final)
    if health is not None:
        yield from _check_dockerfile_command(dockerfile, final, *health)


def _check_dockerfile_command(dockerfile: Dockerfile, final, argv: list[str], cmd_instr: Instruction) -> Iterator[Violation]:
    """One command of the final image (its ENTRYPOINT + CMD, or its HEALTHCHECK), judged from the file timeline."""
    ctx = dockerfile.context
    state = _final_state(final)
    env = state["env"]
    workdir = state["workdir"]
    start = final.from_instruction
    lineage = {st.index for st in final.lineage()}

    def provided(path: str):
        found = dockerfile.provider(start, path)
        if found is None:
            later = dockerfile.later_providers(start, path)
            found = later[-1] if later else None
        return found

    def context_of(path: str) -> str | None:
        prov = provided(path)
        if prov is None or not prov.known or prov.source is None or prov.instruction.from_stage is not None:
            return None
        return prov.source if ctx.exists(prov.source) else None

    def read(path: str) -> str | None:
        rel = context_of(path)
        if rel is None or ctx.root is None or ctx.is_dir(rel):
            return None
        try:
            return read_text_bounded(ctx.root / rel, rel)
        except (OSError, UnicodeDecodeError):
            return None

    entry = parse_entry(argv, workdir, env, lambda name: None)
    if entry is None:
        return
    if entry.kind == "script" and not entry.name.endswith(".py"):
        return  # a console script: its file is written by an install, the image check reads it
    pythonpath = [posixpath.normpath(posixpath.join(workdir, p)) for p in (env.get("PYTHONPATH") or "").split(":") if p]
    looked = ([entry.path0] if entry.path0 else []) + pythonpath
    installs = [i for run in iter_run_instructions(dockerfile) if run.stage is not None and run.stage.index in lineage
                for i in _installs(dockerfile, run)]
    nothing_installed = not any(_installs_anything(run) for run in iter_run_instructions(dockerfile)
                                if run.stage is not None and run.stage.index in lineage)
    venv_only = _pipenv_venv_only(dockerfile, final)
    plain_base = final.root_base.split("/")[-1].startswith("python:") and not any(
        i.from_stage is not None or i.from_image for st in final.lineage() for i in st.instructions)
    installed_tops = {m for project in installs for m in project}

    def locate_kind(folder: str, name: str) -> tuple[str | None, str]:
        pkg = posixpath.join(folder, name)
        rel = context_of(pkg)
        if rel is not None and ctx.is_dir(rel):
            if context_of(posixpath.join(pkg, "__init__.py")) is not None:
                return "package", pkg
            return "namespace", pkg
        if context_of(pkg + ".py") is not None:
            return "module", pkg + ".py"
        return None, ""

    def find(module: str) -> Found | None:
        parts = module.split(".")
        top = parts[0]
        hit = None
        for folder in looked:
            kind, location = locate_kind(folder, top)
            if kind is not None:
                hit = (kind, location)
                break
        if hit is None:
            if top in _STDLIB or top in installed_tops:
                return Found("installed", None, False, None)
            if _own_in_context(ctx, top):
                return None  # the project's own module, not where Python looks: certain
            if plain_base and nothing_installed:
                return None  # nothing but the stdlib in a python:* image
            if top in venv_only:
                return None
            return Found("unknown", None, False, None)  # may be installed: left to the image check
        kind, current = hit
        package = top
        for part in parts[1:]:
            if kind not in ("package", "namespace"):
                return None
            kind, current = locate_kind(current, part)
            if kind is None:
                return None
            package = f"{package}.{part}"
        if kind == "package":
            return Found(current, posixpath.join(current, "__init__.py"), True, module)
        if kind == "module":
            return Found(current, current, True, module.rsplit(".", 1)[0] if "." in module else None)
        return Found(current, None, True, module)

    modules, start_file, package = _entries(entry, read)
    if start_file is not None and read(start_file) is None:
        return  # the script is not a context file we can read
    graph = import_graph(modules, find, read, looked, start_file=start_file, start_package=package)
    if entry.kind == "module":
        found = find(entry.name)
        if found is not None and found.file and found.file.endswith("__init__.py"):
            main = posixpath.join(posixpath.dirname(found.file), "__main__.py")
            if read(main) is not None:
                graph.missing += import_graph([], find, read, looked, start_file=main, start_package=entry.name).missing
    for miss in graph.missing:
        hint, fix = _explain(dockerfile, final, ctx, miss.top, looked, venv_only, provided)
        miss.hint, miss.fix = hint, fix  # type: ignore[attr-defined]
    where = f"the final stage's {cmd_instr.keyword}, run as {state['user'] or 'root'} from {workdir}"
    yield from _report(entry, graph, where, cmd_instr.line, None, looked)


def _final_state(final) -> dict[str, Any]:
    workdir, _shell, user, env = final.end_state
    return {"workdir": workdir, "user": user, "env": dict(env)}


def _final_command(final) -> tuple[list[str], Instruction | None]:
    """ENTRYPOINT + CMD of the final stage (through its FROM-stage parents), as the builder composes them."""
    entrypoint: tuple[list[str], Instruction] | None = None
    cmd: tuple[list[str], Instruction] | None = None
    for stage in reversed(final.lineage()):
        for instr in stage.instructions:
            if instr.keyword == "ENTRYPOINT":
                entrypoint = (_argv(instr), instr)
                cmd = None  # an ENTRYPOINT resets an inherited CMD
            elif instr.keyword == "CMD":
                cmd = (_argv(instr), instr)
    argv = (entrypoint[0] if entrypoint else []) + (cmd[0] if cmd else [])
    instr = (cmd or entrypoint or (None, None))[1]
    if entrypoint and cmd:
        instr = cmd[1]
    return argv, instr


def _final_healthcheck(final) -> tuple[list[str], Instruction] | None:
    """The final image's HEALTHCHECK command (the last one through its FROM-stage parents), None for none or NONE."""
    found: Instruction | None = None
    for stage in reversed(final.lineage()):
        for instr in stage.instructions:
            if instr.keyword == "HEALTHCHECK":
                found = instr
    if found is None:
        return None
    kind, _, rest = found.args.strip().partition(" ")
    if kind.upper() != "CMD" or not rest.strip():
        return None
    try:
        words = json.loads(rest)
    except ValueError:
        words = None
    if isinstance(words, list) and words and all(isinstance(w, str) for w in words):
        return [found.expand(w) for w in words], found
    return ["/bin/sh", "-c", found.expand(rest.strip())], found


def _argv(instr: Instruction) -> list[str]:
    if instr.json_args is not None:
        return [instr.expand(a) for a in instr.json_args]
    return ["/bin/sh", "-c", instr.expand(instr.args)]


def _installs(dockerfile: Dockerfile, run: Instruction) -> list[list[str]]:
    """The top-level modules each local-project install of ``run`` provides (read from the context)."""
    from .py001_install_before_source import project_for
    from .timeline import run_installs

    out = []
    for install in run_installs(dockerfile, run):
        _, project = project_for(dockerfile, run, install.path)
        if project is not None and install.system:
            out.append(project.module_names())
    return out


def _installs_anything(run: Instruction) -> bool:
    """True when a RUN may install Python packages (any installer, a script, a package manager)."""
    import re

    text = run.script or ""
    return bool(re.search(r"\b(pip\d*|uv|poetry|pdm|pipenv|conda|mamba|micromamba|easy_install|setup\.py|apt-get|apt|apk|dnf|yum|"
                          r"microdnf|zypper|make|curl|wget|tar|unzip|git)\b|\.sh\b|\./", text))


def _pipenv_venv_only(dockerfile: Dockerfile, final) -> set[str]:
    """Import names of Pipfile packages that ``pipenv install`` (without --system) put into its own virtualenv."""
    from .installs import find_commands
    from .timeline import context_text

    names: set[str] = set()
    for run in iter_run_instructions(dockerfile):
        if run.stage is None or run.stage.index not in {st.index for st in final.lineage()} or run.script is None:
            continue
        _, refs = find_commands(run.script, run.workdir, run.variables)
        for ref in refs:
            if ref.tool != "pipenv" or ref.system or not ref.kind.startswith("pipfile"):
                continue
            text = context_text(dockerfile, run, ref.path)
            if text is None:
                continue
            from .project import load_toml_text

            try:
                data = load_toml_text(text, ref.path)
            except Exception:  # noqa: BLE001 - pipenv fails on it too
                continue
            for key in (data.get("packages") or {}) if isinstance(data.get("packages"), dict) else {}:
                names.add(_import_name(key))
    return names


_KNOWN_IMPORTS = {"pyyaml": "yaml", "pillow": "PIL", "beautifulsoup4": "bs4", "scikit-learn": "sklearn",
                  "python-dateutil": "dateutil", "pyjwt": "jwt", "opencv-python": "cv2", "attrs": "attr"}


def _import_name(dist: str) -> str:
    import re

    key = re.sub(r"[-_.]+", "-", dist).lower()
    return _KNOWN_IMPORTS.get(key, key.replace("-", "_"))


def _own_in_context(ctx, top: str) -> bool:
    """The build context holds ``top`` as a package folder or module (at most two folders deep)."""
    candidates = [top, f"{top}.py"]
    for rel in ctx.dirs:
        if rel and rel.count("/") < 2:
            candidates += [f"{rel}/{top}", f"{rel}/{top}.py"]
    return any(ctx.exists(c) and (c.endswith(".py") or ctx.exists(f"{c}/__init__.py") or ctx.is_dir(c)) for c in candidates
               if not c.startswith(("tests/", "test/", ".")))


def _explain(dockerfile, final, ctx, top: str, looked: list[str], venv_only: set[str], provided) -> tuple[str, str | None]:
    """Why ``top`` is missing, from the COPYs of the final stage, and what to do."""
    for st in final.lineage():
        for instr in st.instructions:
            if instr.keyword not in ("COPY", "ADD") or instr.from_stage is not None or not instr.dest:
                continue
            for src in instr.sources:
                clean = src.strip("./").rstrip("/")
                if posixpath.basename(clean) == top and ctx.is_dir(clean) and instr.dest_is_dir:
                    where = posixpath.join(instr.dest, top)
                    if provided(where) is None:
                        return (f"`{' '.join(instr.original.split())}` (line {instr.line}) copies the contents of {clean}/ into "
                                f"{instr.dest}, not the folder {top}/ itself",
                                f"Copy the folder: `COPY {clean}/ {posixpath.join(instr.dest, top)}/` (or `COPY . .`).")
    if top in venv_only:
        return ("`pipenv install` without --system installed it into pipenv's own virtualenv, which the image's python does not use",
                "Run `pipenv install --system --deploy` (or start the command with `pipenv run`).")
    if _own_in_context(ctx, top):
        return (f"the build context has {top}, but no COPY puts it in {', '.join(looked[:2]) or 'a sys.path folder'}",
                f"Copy {top}/ into the working directory (`COPY {top}/ ./{top}/`).")
    return ("the final stage installs no Python package and its python:* base has only the standard library",
            f"Install the distribution that provides {top} in the final stage (e.g. from a requirements file).")
