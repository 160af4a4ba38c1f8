"""Finding the commands in a RUN that install the local Python project, and the files they read.

A RUN's script is split into simple commands (``&&``, ``||``, ``;``, ``|``,
newlines), keeping the line each starts on. ``cd`` is followed so that
``cd /app && pip install .`` installs ``/app``. Recognised installers: pip
(``pip``, ``pip3``, ``python -m pip``, with pip's global options before the
subcommand: ``pip --no-cache-dir install``), ``pip wheel`` (builds the
project's wheel), ``uv pip install|sync``, ``uv sync`` (workspaces included),
``poetry install|sync``, ``pdm install|sync``, ``pipenv install|sync``,
``pipx install``, ``flit install``, ``python setup.py install|develop``,
``conda|mamba|micromamba env create|update|install -f FILE``; wrappers such as
``conda run -n env``, ``env``, ``sudo`` are looked through.

Installers also read files: requirements and constraints files (``-r``/``-c``,
nested includes, ``-e``, local paths, environment markers), ``Pipfile`` and
``Pipfile.lock`` path entries, and the ``pip:`` section of conda environment
files. :func:`run_installs` reads them from the build context when the
Dockerfile puts them in the image before the RUN (``COPY``/``ADD``) or mounts
them into it (``RUN --mount=type=bind``), never from anywhere else.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import replace
from typing import Callable, Mapping

from imagepolicy import limits
from imagepolicy.shellcmd import split_commands
from imagepolicy.records import record

# pip install/wheel options that take a value (as a separate word when not written --opt=value)
_PIP_VALUE_OPTIONS = {
    "-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f",
    "--find-links", "-t", "--target", "--prefix", "--root", "--src", "-C", "--config-settings",
    "--no-binary", "--only-binary", "--platform", "--python-version", "--implementation", "--abi",
    "--trusted-host", "--cache-dir", "--progress-bar", "--log", "--log-file", "--proxy", "--retries",
    "--timeout", "--exists-action", "--cert", "--client-cert", "--upgrade-strategy", "--global-option",
    "--install-option", "--report", "--python", "--group", "--extra", "--build-constraint",
    "--keyring-provider", "--resolution", "--index-strategy", "--link-mode", "--prerelease",
    "-w", "--wheel-dir", "--build-option", "--use-feature", "--use-deprecated", "--root-user-action",
    "-p", "--python-platform", "--extra-index", "--index", "--default-index",
}
# pip's general options (accepted before the subcommand) that take a value.
_PIP_GLOBAL_VALUE_OPTIONS = {
    "--python", "--log", "--log-file", "--proxy", "--retries", "--timeout", "--exists-action",
    "--trusted-host", "--cert", "--client-cert", "--cache-dir", "--keyring-provider", "--use-feature",
    "--use-deprecated", "--progress-bar", "--root-user-action", "--resume-retries",
}
# uv's global options that take a value.
_UV_GLOBAL_VALUE_OPTIONS = {
    "--cache-dir", "--python", "-p", "--color", "--config-file", "--directory", "--project",
    "--allow-insecure-host", "--native-tls-file",
}
# Python interpreter options that take a value.
_PYTHON_VALUE_OPTIONS = {"-W", "-X", "--check-hash-based-pycs"}
_WRAPPERS = {"sudo", "env", "time", "exec", "nice", "nohup", "command", "xargs", "stdbuf", "tini", "dumb-init", "gosu"}
_PYTHON_RE = re.compile(r"^python(\d+(\.\d+)?)?$")
_PIP_RE = re.compile(r"^pip(\d+(\.\d+)?)?$")
_CONDA = {"conda", "mamba", "micromamba"}


@record(frozen=True)
class ProjectInstall:
    """One command that installs (or builds a wheel of) the project found at ``path`` (in the image).

    ``via`` says where the path came from when a file named it
    (``requirements.txt line 2: -e .``), ``workspace`` how ``uv sync`` picks
    workspace members (``default``, ``all``, or ``package:NAME``), ``wheel``
    is True for ``pip wheel`` (nothing is installed, a wheel is written), and
    ``system`` is False when the tool installs into a virtual environment
    of its own (``pipenv install`` without ``--system``).
    """

    tool: str
    command: str
    path: str
    editable: bool
    line: int  # 1-based line within the RUN's script
    via: str | None = None
    workspace: str | None = None
    wheel: bool = False
    system: bool = True


@record(frozen=True)
class FileRef:
    """A file an installer reads, to be expanded into installs once its text is known."""

    kind: str  # requirements | constraints | pipfile | conda
    path: str  # in the image
    cwd: str  # the install's working directory (relative paths in requirements files)
    tool: str
    command: str
    line: int
    editable: bool = False  # pipenv: its path entries say; requirements: -e lines say
    dev: bool = False  # pipenv --dev
    system: bool = True


def _strip_prefix(words: list[str]) -> list[str]:
    """Drop ``VAR=value`` assignments and wrappers (``sudo -u x``, ``env -i``, ``conda run -n env``)."""
    while words:
        head = posixpath.basename(words[0])
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words.pop(0)
        elif head in _WRAPPERS:
            words.pop(0)
            while words and words[0].startswith("-"):
                flag = words.pop(0)
                if head in ("sudo", "gosu") and flag in ("-u", "-g", "--user", "--group") and words:
                    words.pop(0)
            if head == "gosu" and words:
                words.pop(0)  # gosu USER command
        elif head in _CONDA and words[1:2] == ["run"]:
            del words[:2]
            while words and words[0].startswith("-"):
                flag = words.pop(0)
                if flag in ("-n", "--name", "-p", "--prefix", "--cwd", "-a", "--attach") and words:
                    words.pop(0)
        else:
            break
    return words


def _is_local_path(arg: str) -> bool:
    if re.match(r"^[a-z][a-z0-9+.-]*://", arg) and not arg.startswith("file:"):
        return False
    if arg.startswith(("git+", "hg+", "svn+", "bzr+")):
        return False
    return arg.startswith((".", "/", "~", "file:")) or ("/" in arg and not arg.endswith((".whl", ".tar.gz", ".zip")))


def _local_target(arg: str, cwd: str) -> str | None:
    if " @ " in arg:
        arg = arg.split(" @ ", 1)[1].strip()
    arg = re.sub(r"#.*$", "", arg) if arg.startswith("file:") else arg
    arg = re.sub(r"\[[^\]]*\]$", "", arg)
    if arg.startswith("file://"):
        arg = arg[len("file://") :]
    elif arg.startswith("file:"):
        arg = arg[len("file:") :]
    if not _is_local_path(arg) or arg.endswith((".whl", ".tar.gz", ".zip", ".txt", ".in")):
        return None
    if arg.startswith("~"):
        return None  # the user's home: not modelled
    return posixpath.normpath(posixpath.join(cwd, arg))


def _pip_args(args: list[str], cwd: str, tool: str, text: str, line: int, *, wheel: bool = False,
              editable_only: bool = False) -> tuple[list[ProjectInstall], list[FileRef]]:
    """Installs and requirement files named by a pip-like ``install``/``wheel`` argument list."""
    out: list[ProjectInstall] = []
    refs: list[FileRef] = []
    i = 0
    while i < len(args):
        arg = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if arg in ("-e", "--editable") and value is not None:
            target = _local_target(value, cwd)
            if target:
                out.append(ProjectInstall(tool, text, target, True, line, wheel=wheel))
            i += 2
            continue
        if arg.startswith("--editable="):
            target = _local_target(arg.split("=", 1)[1], cwd)
            if target:
                out.append(ProjectInstall(tool, text, target, True, line, wheel=wheel))
        elif arg.startswith("-e") and len(arg) > 2 and not arg.startswith("--"):
            target = _local_target(arg[2:], cwd)
            if target:
                out.append(ProjectInstall(tool, text, target, True, line, wheel=wheel))
        elif arg in ("-r", "--requirement", "-c", "--constraint") and value is not None:
            kind = "requirements" if arg in ("-r", "--requirement") else "constraints"
            refs.append(FileRef(kind, posixpath.normpath(posixpath.join(cwd, value)), cwd, tool, text, line))
            i += 2
            continue
        elif arg.startswith(("--requirement=", "--constraint=")) or (arg[:2] in ("-r", "-c") and len(arg) > 2 and not arg.startswith("--")):
            value = arg.split("=", 1)[1] if arg.startswith("--") else arg[2:]
            kind = "requirements" if arg.startswith(("-r", "--requirement")) else "constraints"
            refs.append(FileRef(kind, posixpath.normpath(posixpath.join(cwd, value)), cwd, tool, text, line))
        elif arg in _PIP_VALUE_OPTIONS:
            i += 2
            continue
        elif not arg.startswith("-") and not editable_only:
            target = _local_target(arg, cwd)
            if target:
                out.append(ProjectInstall(tool, text, target, False, line, wheel=wheel))
        i += 1
    return out, refs


def _option_value(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "=") and name.startswith("--"):
                return arg.split("=", 1)[1]
    return None


def _skip_options(args: list[str], value_options: set[str]) -> list[str]:
    """``args`` from the first word that is not an option (pip's/uv's global options skipped)."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in value_options else 1
    return args[i:]


def _python_module(rest: list[str]) -> tuple[str | None, list[str]]:
    """``python [opts] -m MOD args`` -> (MOD, args); (None, ...) for anything else."""
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "-m" and i + 1 < len(rest):
            return rest[i + 1], rest[i + 2:]
        if arg.startswith("-m") and len(arg) > 2:
            return arg[2:], rest[i + 1:]
        if arg in _PYTHON_VALUE_OPTIONS:
            i += 2
            continue
        if arg.startswith("-") and arg not in ("-c", "-"):
            i += 1
            continue
        break
    return None, rest[i:]


def _join(cwd: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(cwd, path))


def find_commands(script: str, workdir: str, variables: Mapping[str, str] | None = None) -> tuple[list[ProjectInstall], list[FileRef]]:
    """Every command in ``script`` that installs a local project, and every file an installer reads."""
    from imagepolicy.dockerfile import expand_variables

    cwd = workdir or "/"
    installs: list[ProjectInstall] = []
    refs: list[FileRef] = []
    scope = variables or {}
    for command in split_commands(script):
        words = [expand_variables(w, scope) for w in command.words]
        words = _strip_prefix(list(words))
        if not words:
            continue
        head = posixpath.basename(words[0])
        rest = words[1:]
        text, line = command.text, command.line
        if head == "cd":
            target = rest[0] if rest else "/root"
            if target != "-":
                cwd = _join(cwd, target)
            continue
        if _PYTHON_RE.match(head):
            module, margs = _python_module(rest)
            if module == "pip":
                head, rest = "pip", margs
            elif module is None and margs[:1] == ["setup.py"] and margs[1:2] in (["install"], ["develop"]):
                installs.append(ProjectInstall("setup.py", text, cwd, margs[1] == "develop", line))
                continue
            else:
                continue
        if _PIP_RE.match(head):
            sub = _skip_options(rest, _PIP_GLOBAL_VALUE_OPTIONS)
            if sub[:1] == ["install"]:
                found, more = _pip_args(sub[1:], cwd, "pip", text, line)
            elif sub[:1] == ["wheel"]:
                found, more = _pip_args(sub[1:], cwd, "pip wheel", text, line, wheel=True)
            else:
                continue
            installs += found
            refs += more
        elif head == "uv":
            sub = _skip_options(rest, _UV_GLOBAL_VALUE_OPTIONS)
            base_dir = _option_value(rest[: len(rest) - len(sub)], "--directory", "--project")
            here = _join(cwd, base_dir) if base_dir else cwd
            if sub[:2] == ["pip", "install"]:
                found, more = _pip_args(sub[2:], here, "uv pip", text, line)
                installs += found
                refs += more
            elif sub[:2] == ["pip", "sync"]:
                found, more = _pip_args(sub[2:], here, "uv pip", text, line)
                installs += found
                refs += more + [FileRef("requirements", _join(here, a), here, "uv pip", text, line)
                                for a in sub[2:] if not a.startswith("-") and a.endswith((".txt", ".in"))]
            elif sub[:1] == ["sync"]:
                opts = sub[1:]
                if any(o in opts for o in ("--no-install-project", "--no-install-workspace", "--only-dev")) or any(
                    o == "--only-group" or o.startswith("--only-group=") for o in opts
                ):
                    continue
                base = _option_value(opts, "--project", "--directory")
                package = _option_value(opts, "--package")
                workspace = "all" if "--all-packages" in opts else f"package:{package}" if package else "default"
                installs.append(ProjectInstall("uv sync", text, _join(here, base or "."), "--no-editable" not in opts, line,
                                               workspace=workspace))
        elif head == "poetry" and _skip_options(rest, {"-C", "--directory", "--project"})[:1] in (["install"], ["sync"]):
            if "--no-root" in rest:
                continue
            base = _option_value(rest, "-C", "--directory", "--project") or "."
            installs.append(ProjectInstall("poetry", text, _join(cwd, base), True, line))
        elif head == "pdm" and _skip_options(rest, {"-p", "--project"})[:1] in (["install"], ["sync"]):
            if "--no-self" in rest:
                continue
            base = _option_value(rest, "-p", "--project") or "."
            installs.append(ProjectInstall("pdm", text, _join(cwd, base), "--no-editable" not in rest, line))
        elif head == "pipenv" and rest[:1] in (["install"], ["sync"]):
            system = "--system" in rest
            found, more = _pip_args(rest[1:], cwd, "pipenv", text, line, editable_only=False)
            installs += [replace(i, system=system) for i in found]
            refs += [replace(r, system=system) for r in more]
            named = [a for a in rest[1:] if not a.startswith("-")]
            if rest[0] == "sync" or not named or found:
                pipfile = scope.get("PIPENV_PIPFILE") or "Pipfile"
                lock = rest[0] == "sync" or "--deploy" in rest or "--ignore-pipfile" in rest
                refs.append(FileRef("pipfile.lock" if lock else "pipfile", _join(cwd, pipfile), cwd, "pipenv", text, line,
                                    dev="--dev" in rest or "-d" in rest, system=system))
        elif head == "pipx" and rest[:1] == ["install"]:
            found, _ = _pip_args(rest[1:], cwd, "pipx", text, line)
            installs += [replace(i, system=False) for i in found]
        elif head == "flit" and rest[:1] == ["install"]:
            editable = "--symlink" in rest or "--pth-file" in rest
            installs.append(ProjectInstall("flit", text, cwd, editable, line))
        elif head in _CONDA:
            sub = rest[1:] if rest[:1] == ["env"] else rest
            if sub[:1] in (["create"], ["update"], ["install"]):
                env_file = _option_value(sub, "-f", "--file")
                if env_file is None and rest[:1] == ["env"]:
                    env_file = "environment.yml"
                if env_file and env_file.endswith((".yml", ".yaml")):
                    refs.append(FileRef("conda", _join(cwd, env_file), cwd, head, text, line))
    return installs, refs


def find_installs(script: str, workdir: str, variables: dict[str, str] | None = None) -> list[ProjectInstall]:
    """Every command in ``script`` that installs a local project, with its path (files not read)."""
    return find_commands(script, workdir, variables)[0]


# --- the files installers read --------------------------------------------------------------

Reader = Callable[[str], "str | None"]  # image path -> text (None: not known at this point of the build)


def expand_ref(ref: FileRef, read: Reader, python_version: str | None = None) -> list[ProjectInstall]:
    """The local projects a requirements file, Pipfile(.lock) or conda environment file installs."""
    budget = [limits.get("python-install-files")]
    if ref.kind in ("requirements", "constraints"):
        return _requirements(ref, read, python_version, budget, depth=0, seen=set())
    if ref.kind in ("pipfile", "pipfile.lock"):
        return _pipfile(ref, read)
    if ref.kind == "conda":
        return _conda(ref, read, python_version, budget)
    return []


def _requirements(ref: FileRef, read: Reader, version: str | None, budget: list[int], depth: int,
                  seen: set[str]) -> list[ProjectInstall]:
    """pip's requirements-file format: lines joined at ``\\``, comments dropped, options and paths read."""
    if ref.path in seen or depth > 20:
        return []
    seen.add(ref.path)
    budget[0] -= 1
    if budget[0] < 0:
        raise limits.LimitExceeded("python-install-files", ref.path, "requirements files included")
    text = read(ref.path)
    if text is None:
        return []
    out: list[ProjectInstall] = []
    folder = posixpath.dirname(ref.path)
    name = posixpath.basename(ref.path)
    for number, line in _logical_lines(text):
        words = line.split()
        if not words:
            continue
        first = words[0]
        where = f"{name} line {number}: {line}"
        if first in ("-r", "--requirement", "-c", "--constraint") or first.startswith(("--requirement=", "--constraint=")) or (
            first[:2] in ("-r", "-c") and len(first) > 2 and not first.startswith("--")
        ):
            if "=" in first and first.startswith("--"):
                target = first.split("=", 1)[1]
            elif len(first) > 2 and not first.startswith("--"):
                target = first[2:]
            else:
                target = words[1] if len(words) > 1 else ""
            if not target or re.match(r"^[a-z]+://", target):
                continue
            kind = "requirements" if first.startswith(("-r", "--requirement")) and ref.kind == "requirements" else "constraints"
            nested = replace(ref, kind=kind, path=_join(folder, target))  # includes are relative to the including file
            out += _requirements(nested, read, version, budget, depth + 1, seen)
            continue
        if ref.kind == "constraints":
            continue  # constraints restrict versions, they install nothing
        if first in ("-e", "--editable") or first.startswith(("-e", "--editable=")):
            value = words[1] if first in ("-e", "--editable") and len(words) > 1 else first.split("=", 1)[1] if "=" in first else first[2:]
            local = _local_target(value, ref.cwd)
            if local:
                out.append(ProjectInstall(ref.tool, ref.command, local, True, ref.line, via=where, system=ref.system))
            continue
        if first.startswith("-"):
            continue  # --index-url, --hash=..., --no-binary ...
        requirement, marker = _split_marker(line)
        if marker is not None and not _marker_true(marker, version):
            continue
        local = _local_target(requirement.strip(), ref.cwd)
        if local:
            out.append(ProjectInstall(ref.tool, ref.command, local, False, ref.line, via=where, system=ref.system))
    return out


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) with ``\\`` continuations joined and comments removed (pip's req_file)."""
    out: list[tuple[int, str]] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        if raw.endswith("\\"):
            buffer.append(raw[:-1])
            continue
        buffer.append(raw)
        joined = re.sub(r"(^|\s+)#.*$", "", "".join(buffer)).strip()
        buffer = []
        if joined:
            out.append((start, joined))
    if buffer:
        joined = re.sub(r"(^|\s+)#.*$", "", "".join(buffer)).strip()
        if joined:
            out.append((start, joined))
    return out


def _split_marker(line: str) -> tuple[str, str | None]:
    """``./pkg ; python_version < "3.12"`` -> (``./pkg``, marker)."""
    if ";" not in line:
        return line, None
    head, _, marker = line.partition(";")
    return head, marker.strip() or None


def _marker_true(marker: str, version: str | None) -> bool:
    """Whether an environment marker holds in a Linux CPython image; unknown (False) when it depends on an unknown version."""
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return False
    base = {
        "os_name": "posix", "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
        "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": "",
        "platform_release": "", "platform_version": "", "implementation_version": "3.12.0",
    }
    versions = [version] if version else ["3.9", "3.14"]
    results = set()
    for v in versions:
        env = {**base, "python_version": v, "python_full_version": f"{v}.0", "implementation_version": f"{v}.0"}
        try:
            results.add(parsed.evaluate(env))
        except (UndefinedComparison, UndefinedEnvironmentName, ValueError):
            return False
    return results == {True}


def _pipfile(ref: FileRef, read: Reader) -> list[ProjectInstall]:
    """Path entries (``{path = ".", editable = true}``) of a Pipfile's [packages], or of Pipfile.lock's default."""
    out: list[ProjectInstall] = []
    folder = posixpath.dirname(ref.path)
    candidates = [ref.path + ".lock", ref.path] if ref.kind == "pipfile.lock" else [ref.path, ref.path + ".lock"]
    for path in candidates:
        text = read(path)
        if text is None:
            continue
        sections: dict = {}
        if path.endswith(".lock"):
            try:
                data = json.loads(text)
            except ValueError:
                return []
            if isinstance(data, dict):
                sections = {"default": data.get("default"), "develop": data.get("develop") if ref.dev else None}
        else:
            from .project import load_toml_text

            try:
                data = load_toml_text(text, path)
            except Exception:  # noqa: BLE001 - an unreadable Pipfile makes pipenv fail, not PY001's business
                return []
            sections = {"packages": data.get("packages"), "dev-packages": data.get("dev-packages") if ref.dev else None}
        for section, entries in sections.items():
            if not isinstance(entries, dict):
                continue
            for name, spec in entries.items():
                if isinstance(spec, dict) and isinstance(spec.get("path"), str):
                    target = _local_target(spec["path"] if spec["path"].startswith((".", "/")) else "./" + spec["path"], folder)
                    if target:
                        where = f"{posixpath.basename(path)} [{section}] {name} = {{path = {spec['path']!r}" + (
                            ", editable = true}" if spec.get("editable") else "}")
                        out.append(ProjectInstall("pipenv", ref.command, target, bool(spec.get("editable")), ref.line,
                                                  via=where, system=ref.system))
        return out
    return out


def _conda(ref: FileRef, read: Reader, version: str | None, budget: list[int]) -> list[ProjectInstall]:
    """The ``pip:`` list of a conda environment file: conda runs pip in the file's folder."""
    text = read(ref.path)
    if text is None:
        return []
    import yaml

    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return []
    deps = data.get("dependencies") if isinstance(data, dict) else None
    out: list[ProjectInstall] = []
    folder = posixpath.dirname(ref.path)
    name = posixpath.basename(ref.path)
    for dep in deps if isinstance(deps, list) else []:
        if not isinstance(dep, dict) or not isinstance(dep.get("pip"), list):
            continue
        for item in dep["pip"]:
            if not isinstance(item, str):
                continue
            # conda writes the list to a requirements file next to the environment file and runs pip there
            synthetic = posixpath.join(folder, f".{name}.pip")
            sub = FileRef("requirements", synthetic, folder, ref.tool, ref.command, ref.line)

            def reader(p: str, item: str = item, synthetic: str = synthetic) -> str | None:
                return item if p == synthetic else read(p)

            for found in _requirements(sub, reader, version, budget, 0, set()):
                out.append(replace(found, via=found.via.replace(f".{name}.pip line 1", f"{name} pip section") if found.via else found.via))
    return out
