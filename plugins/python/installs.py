"""Finding the commands in a RUN that install the local Python project.

A RUN's script is split into simple commands (``&&``, ``||``, ``;``, ``|``,
newlines), keeping the line each starts on. ``cd`` is followed so that
``cd /app && pip install .`` installs ``/app``. Recognised installers: pip
(``pip``, ``pip3``, ``python -m pip``), ``uv pip install``, ``uv sync``,
``poetry install``, ``pdm install``/``sync``, ``pipenv install``, ``pipx
install``, ``flit install`` and ``python setup.py install|develop``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from imagepolicy.shellcmd import split_commands

# pip install options that take a value (as a separate word when not written --opt=value)
_PIP_VALUE_OPTIONS = {
    "-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f",
    "--find-links", "-t", "--target", "--prefix", "--root", "--src", "-C", "--config-settings",
    "--no-binary", "--only-binary", "--platform", "--python-version", "--implementation", "--abi",
    "--trusted-host", "--cache-dir", "--progress-bar", "--log", "--log-file", "--proxy", "--retries",
    "--timeout", "--exists-action", "--cert", "--client-cert", "--upgrade-strategy", "--global-option",
    "--install-option", "--report", "--python", "--group", "--extra", "--build-constraint",
    "--keyring-provider", "--resolution", "--index-strategy", "--link-mode", "--prerelease",
}
_WRAPPERS = {"sudo", "env", "time", "exec", "nice", "nohup", "command", "xargs"}
_PYTHON_RE = re.compile(r"^python(\d+(\.\d+)?)?$")
_PIP_RE = re.compile(r"^pip(\d+(\.\d+)?)?$")


@dataclass(frozen=True)
class ProjectInstall:
    """One command that installs the project found at ``path`` (in the image)."""

    tool: str
    command: str
    path: str
    editable: bool
    line: int  # 1-based line within the RUN's script


def _strip_prefix(words: list[str]) -> list[str]:
    while words and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]) or words[0] in _WRAPPERS):
        head = words.pop(0)
        if head in ("sudo",):
            while words and words[0].startswith("-"):
                words.pop(0)
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
    arg = re.sub(r"\[[^\]]*\]$", "", arg)
    if arg.startswith("file://"):
        arg = arg[len("file://") :]
    elif arg.startswith("file:"):
        arg = arg[len("file:") :]
    if not _is_local_path(arg) or arg.endswith((".whl", ".tar.gz", ".zip", ".txt")):
        return None
    return posixpath.normpath(posixpath.join(cwd, arg))


def _pip_installs(args: list[str], cwd: str, tool: str, text: str, line: int) -> list[ProjectInstall]:
    out = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-e", "--editable") and i + 1 < len(args):
            target = _local_target(args[i + 1], cwd)
            if target:
                out.append(ProjectInstall(tool, text, target, True, line))
            i += 2
            continue
        if arg.startswith("--editable="):
            target = _local_target(arg.split("=", 1)[1], cwd)
            if target:
                out.append(ProjectInstall(tool, text, target, True, line))
        elif arg.startswith("-e") and len(arg) > 2 and not arg.startswith("--"):
            target = _local_target(arg[2:], cwd)
            if target:
                out.append(ProjectInstall(tool, text, target, True, line))
        elif arg in _PIP_VALUE_OPTIONS:
            i += 2
            continue
        elif not arg.startswith("-"):
            target = _local_target(arg, cwd)
            if target:
                out.append(ProjectInstall(tool, text, target, False, line))
        i += 1
    return out


def _option_value(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def find_installs(script: str, workdir: str, variables: dict[str, str] | None = None) -> list[ProjectInstall]:
    """Every command in ``script`` that installs a local project, with its path."""
    from imagepolicy.dockerfile import expand_variables

    cwd = workdir or "/"
    installs: list[ProjectInstall] = []
    for command in split_commands(script):
        words = [expand_variables(w, variables or {}) for w in command.words]
        words = _strip_prefix(list(words))
        if not words:
            continue
        head = posixpath.basename(words[0])
        rest = words[1:]
        if head == "cd":
            target = rest[0] if rest else "/root"
            if target != "-":
                cwd = posixpath.normpath(posixpath.join(cwd, target))
            continue
        if _PYTHON_RE.match(head):
            if rest[:2] == ["-m", "pip"] and rest[2:3] == ["install"]:
                installs += _pip_installs(rest[3:], cwd, "pip", command.text, command.line)
            elif rest[:1] == ["setup.py"] and rest[1:2] in (["install"], ["develop"]):
                installs.append(ProjectInstall("setup.py", command.text, cwd, rest[1] == "develop", command.line))
            continue
        if _PIP_RE.match(head) and rest[:1] == ["install"]:
            installs += _pip_installs(rest[1:], cwd, "pip", command.text, command.line)
        elif head == "uv" and rest[:2] == ["pip", "install"]:
            installs += _pip_installs(rest[2:], cwd, "uv pip", command.text, command.line)
        elif head == "uv" and rest[:1] == ["sync"]:
            if "--no-install-project" in rest or "--only-group" in " ".join(rest):
                continue
            base = _option_value(rest, "--project", "--directory") or "."
            installs.append(ProjectInstall("uv sync", command.text, posixpath.normpath(posixpath.join(cwd, base)), "--no-editable" not in rest, command.line))
        elif head == "poetry" and rest[:1] == ["install"]:
            if "--no-root" in rest:
                continue
            base = _option_value(rest, "-C", "--directory", "--project") or "."
            installs.append(ProjectInstall("poetry", command.text, posixpath.normpath(posixpath.join(cwd, base)), True, command.line))
        elif head == "pdm" and rest[:1] in (["install"], ["sync"]):
            if "--no-self" in rest:
                continue
            base = _option_value(rest, "-p", "--project") or "."
            installs.append(ProjectInstall("pdm", command.text, posixpath.normpath(posixpath.join(cwd, base)), "--no-editable" not in rest, command.line))
        elif head == "pipenv" and rest[:1] == ["install"]:
            installs += _pip_installs(rest[1:], cwd, "pipenv", command.text, command.line)
        elif head == "pipx" and rest[:1] == ["install"]:
            installs += [i for i in _pip_installs(rest[1:], cwd, "pipx", command.text, command.line)]
        elif head == "flit" and rest[:1] == ["install"]:
            editable = "--symlink" in rest or "--pth-file" in rest
            installs.append(ProjectInstall("flit", command.text, cwd, editable, command.line))
    return installs
