"""## What it does
Flags `pip install` (also `pip3`, `python -m pip`, `pipx`) of packages without a
version specifier. A specifier (`==`, `>=`, `~=`, `<`...), a VCS URL with `@ref`, a
local path or archive, and a URL count as pinned. Requirements files (`-r`),
constraint files (`-c`, which pin everything) and the local project (`.`, `-e .`)
are not judged; ARG/ENV values are resolved.

## Why is this bad?
Without versions, rebuilding installs whatever PyPI has today: builds stop being
reproducible and breaking releases arrive unreviewed.

## Example
```dockerfile
FROM python:3.12-slim
RUN pip install --no-cache-dir flask gunicorn
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt gunicorn==22.0.0
```

## Differences from hadolint
- Packages named next to `-r requirements.txt` or `.` are still judged (hadolint skips the
  whole command): in `pip install -r requirements.txt gunicorn`, gunicorn is unpinned.
- Local `.zip`, `.tgz` and `.tar.bz2` archives count as pinned, like `.whl` and `.tar.gz`.
- Variables are resolved (`pip install $PKGS` with `ENV PKGS="flask==3.0.3"` is pinned); a
  quoted requirement stays one (`"dbt-core @ git+https://...@${REF}"`).
- The output of a command substitution (`pip install $(cat pkgs.txt)`) is only known when
  the build runs: not judged. hadolint judges the text of the command.
- pip called by its path (`.venv/bin/pip install x`) counts; hadolint only knows the name.
- Under a PowerShell or cmd `SHELL`, the script is split on that shell's separators
  (`if (...) { pip install x }` installs `x`); hadolint reads it as a POSIX shell script,
  which fails to parse, and finds no command.

## References
- https://github.com/hadolint/hadolint/wiki/DL3013
"""

from __future__ import annotations

from imagepolicy.dockerfile import iter_run_instructions
from imagepolicy.model import Violation, rule
from imagepolicy.shellcmd import Command, expand_word, instruction_commands

PIP_VALUE_FLAGS = (
    "abi", "b", "build", "e", "editable", "extra-index-url", "f", "find-links", "i", "index-url", "implementation",
    "no-binary", "only-binary", "platform", "prefix", "progress-bar", "proxy", "python-version", "root", "src", "t",
    "target", "trusted-host", "upgrade-strategy", "r", "requirement", "c", "constraint", "cert", "client-cert",
    "log", "cache-dir", "C", "config-settings", "global-option", "install-option", "report", "exists-action",
    "timeout", "retries", "keyring-provider", "group", "python", "root-user-action",
)
VERSION_SYMBOLS = ("==", ">=", "<=", ">", "<", "!=", "~=", "===")
LOCAL_ARCHIVES = (".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2", ".tar.xz")
VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+", "git:", "svn:")


def pip_install(cmd: Command) -> Command | None:
    """``cmd`` as ``pip install ...`` when it is a pip install (pip*, python* -m pip), else None."""
    args = list(cmd.args)
    if cmd.name.startswith("pip") and "install" in args:
        return cmd
    if cmd.name.startswith("python"):
        for i in range(len(args) - 2):
            if args[i : i + 3] == ["-m", "pip", "install"]:
                words = cmd.argv_words
                return Command(("pip", *args[i + 2 :]), cmd.line, cmd.text, (words[i + 2], *words[i + 3 :]))
    return None


def is_pinned(spec: str) -> bool:
    if any(s in spec for s in VERSION_SYMBOLS) or spec.endswith(LOCAL_ARCHIVES) or spec in (".", ".."):
        return True
    if spec.startswith(VCS_PREFIXES):
        return "@" in spec.split("://", 1)[-1]
    return "/" in spec


def unpinned_packages(instr) -> list[str]:
    found: list[str] = []
    for cmd, _ in instruction_commands(instr):
        pip = pip_install(cmd)
        if pip is None or pip.has_flag("c", "constraint"):
            continue
        operands = pip.operand_words(*PIP_VALUE_FLAGS)
        verbs = [w.text for w in operands]
        if "install" not in verbs:
            continue
        for word in operands[verbs.index("install") + 1 :]:
            # A quoted "name @ url" is one requirement; a $(...) is no package name.
            found.extend(p for p in expand_word(instr, word) or () if not is_pinned(p))
    return found


@rule("DL3013", "pip-unpinned", "warning", "dockerfile", "pip install without package versions",
      needs=("RUN pip*", "RUN python*"))
def check(dockerfile, ctx):
    for instr in iter_run_instructions(dockerfile):
        unpinned = unpinned_packages(instr)
        if unpinned:
            yield Violation(
                f"pip install without a version for {', '.join(dict.fromkeys(unpinned))}",
                line=instr.line,
                fix=f"Pin each package ({unpinned[0]}==<version>) or install from a requirements/constraints file",
            )
