"""The checked tree: the checkout a pull request controls, which nothing may leave and whose code never runs.

A pull request controls every file of its checkout, symbolic links included, while CI often has
secrets around. So a run has a *root* (``--root DIR``; by default the top of the git work tree
holding the working directory, i.e. the nearest folder with ``.git``, else the working directory)
and two rules hold for everything the checkout decides:

* **Nothing the checkout names leads out of it.** A Dockerfile, build context, ``.dockerignore``,
  ``.gitignore``, config, folder to search, image or report named inside the root must resolve,
  every symbolic link followed, to a path below the root; nothing is read in ``/proc``, ``/dev``
  or ``/sys``; an input must be a regular file (or a folder where one is expected), so a FIFO or
  device cannot hang the run. The refusal names the path as given and quotes nothing of what it
  points at. A path the invoker names *outside* the root (an archive in a temp folder, a shared
  config, another project) is the invoker's, not the checkout's, and is read with what is below it.
* **No code from the root is imported.** A module named under ``plugins:`` in the config is
  imported only when it comes from outside the root or from the interpreter's own site-packages
  (an installed distribution), unless the invoker passes ``--allow-repo-plugins``.

The CLI sets the root for a run with :func:`use`; library callers that never call it get no
checks (they decide what they read).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path
from typing import Iterator

from .model import InputError

__all__ = ["OutsideTree", "allow_outside", "check_file", "check_folder", "check_image_path", "current", "default_root",
           "display_path", "drop_working_directory_from_sys_path", "plugin_problem", "use", "walk"]

KERNEL_FILESYSTEMS = ("/proc", "/dev", "/sys")

_root: str | None = None  # real path of the root in force, None outside a CLI run


class OutsideTree(InputError, PermissionError):
    """An input resolves outside the checked tree, into a kernel file system, or is no regular file.

    Also a ``PermissionError``, so code that reports unreadable files (``except OSError``) reports
    this one in its own words, with the reason as ``strerror``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.strerror = message  # no errno: str() stays the message alone


def display_path(path: Path | str) -> str:
    """``path`` relative to the working directory when below it, POSIX style (for messages)."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if _inside(absolute, cwd) and absolute != cwd:
        return Path(os.path.relpath(absolute, cwd)).as_posix()
    return Path(path).as_posix()


def default_root(start: Path | str | None = None) -> Path:
    """The top of the git work tree holding ``start`` (the nearest folder with ``.git``), else ``start``."""
    folder = Path(os.path.realpath(start or os.getcwd()))
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


@contextlib.contextmanager
def use(root: Path | str | None) -> Iterator[Path]:
    """Check inputs against ``root`` (None: :func:`default_root` of the working directory) in this block."""
    global _root, _interpreter
    chosen = Path(os.path.realpath(root)) if root is not None else default_root()
    if not chosen.is_dir():
        raise InputError(f"--root {root}: not a folder; give the folder of the checkout to check")
    _install_audit_hook()
    saved = (_root, _interpreter)
    _real_paths.clear()
    _allowed.clear()
    _interpreter = _interpreter_folders(str(chosen))
    _root = str(chosen)
    try:
        yield chosen
    finally:
        _root, _interpreter = saved
        _real_paths.clear()
        _allowed.clear()


_hooked = False


def _install_audit_hook() -> None:
    """Guard every file and folder the process opens or lists while a root is in force (once per process).

    The explicit checks below give the best messages for what the core reads; this hook holds the
    rule for everything else, plugins included: a path named inside the root (every name the
    checkout controls) that resolves outside it is refused with :class:`OutsideTree`, which
    readers see as a ``PermissionError``. Paths named outside the root (the interpreter's own
    files, temp folders, archives the invoker names) are not the checkout's and pass untouched.
    """
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True


_real_paths: dict[str, str] = {}  # spelled absolute path -> real path, this run (the checkout does not change)
_allowed: set[str] = set()  # real paths outside the root the invoker named (image archives, report folders)
_interpreter: tuple[str, ...] = ()  # the interpreter's own folders (a venv may live in the checkout)


def allow_outside(path: Path | str) -> None:
    """Let this run read ``path`` (and what is below it) although it lies outside the root: the invoker named it."""
    if _root is not None:
        _allowed.add(os.path.realpath(path))


def _real_path(spelled: str) -> str:
    """The real path of the absolute ``spelled`` path, resolved as the kernel does (``link/..`` is the link's parent).

    One ``lstat`` per path component not seen before in this run (``os.path.realpath`` costs one
    per component every time: a walk 1,200 folders deep made that quadratic).
    """
    known = _real_paths.get(spelled)
    if known is not None:
        return known
    pending = []
    prefix = spelled
    while prefix not in _real_paths:
        parent, name = os.path.split(prefix)
        if parent == prefix:  # the filesystem root
            _real_paths[prefix] = prefix
            break
        pending.append((prefix, name))
        prefix = parent
    real = _real_paths[prefix]
    for spelled_prefix, name in reversed(pending):
        if name == "..":
            real = os.path.dirname(real)
        elif name not in ("", "."):
            candidate = os.path.join(real, name)
            real = os.path.realpath(candidate) if os.path.islink(candidate) else candidate
        _real_paths[spelled_prefix] = real
    return real


def _interpreter_folders(root: str) -> tuple[str, ...]:
    """Where the running interpreter keeps its own files, unless that would cover the whole root."""
    import sysconfig

    folders = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    folders.update(v for k, v in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib", "purelib", "platlib"))
    return tuple(os.path.abspath(f) for f in folders if f and not _inside(root, os.path.abspath(f)))


def _audit(event: str, args: tuple) -> None:
    root = _root
    if root is None or event not in ("open", "os.scandir", "os.listdir"):
        return
    path = args[0] if args else None
    if path is None or isinstance(path, int):
        return
    try:
        spelled = os.fsdecode(path)
    except (TypeError, ValueError):
        return
    spelled = spelled if os.path.isabs(spelled) else os.path.join(os.getcwd(), spelled)
    normal = os.path.normpath(spelled)
    # Named inside the tree: below the root once normalised, or spelled from the root and leaving it by "..".
    if not (_inside(normal, root) or _inside(spelled, root)):
        return
    if any(_inside(normal, folder) for folder in _interpreter):
        return
    real = _real_path(spelled)
    if _inside(real, root) or any(_inside(real, allowed) for allowed in _allowed):
        return
    what = "folder" if event != "open" else "file"
    if _inside(normal, root):
        raise OutsideTree(
            f"{display_path(normal)}: the {what} is a symbolic link (or lies below one) that leads outside the checked "
            f"tree {root}; imagepolicy reads nothing outside it: replace the link by the file itself"
        )
    raise OutsideTree(
        f"{display_path(spelled)}: the {what} is outside the checked tree {root} (the path leaves it with '..'); "
        "imagepolicy reads nothing outside it"
    )


def current() -> Path | None:
    """The root in force, or None when no run set one."""
    return Path(_root) if _root is not None else None


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip("/") + "/")


def _in_kernel_fs(real: str) -> bool:
    return any(_inside(real, fs) for fs in KERNEL_FILESYSTEMS)


def _lexically_inside(path: str, root: str) -> bool:
    """True when ``path`` (made absolute without following links) lies below ``root``."""
    absolute = os.path.abspath(path)
    # The root is a real path; the path as given may reach it through a linked parent (/tmp -> /private/tmp).
    parent_real = os.path.realpath(os.path.dirname(absolute))
    return _inside(absolute, root) or _inside(os.path.join(parent_real, os.path.basename(absolute)), root)


def _resolve(path: Path | str, shown: str, what: str) -> str | None:
    """The real path of ``path`` after the tree checks, or None when no root is in force.

    Named inside the root, it must resolve inside it; named outside it (by the invoker: the checkout
    cannot name such paths), it is read and what is below it too; never a kernel file system.
    """
    if _root is None:
        return None
    real = os.path.realpath(path)
    if _in_kernel_fs(real):
        raise OutsideTree(
            f"{shown}: the {what} resolves into {next(fs for fs in KERNEL_FILESYSTEMS if _inside(real, fs))}, "
            "a kernel file system; imagepolicy reads only files of the checked tree"
        )
    if _inside(real, _root):
        return real
    if not _lexically_inside(str(path), _root):
        allow_outside(real)  # the invoker named it outside the checkout (a temp folder, another project)
        return real
    raise OutsideTree(
        f"{shown}: the {what} is a symbolic link (or lies below one) that leads outside the checked tree "
        f"{_root}; imagepolicy reads nothing outside it: replace the link by the file itself"
    )


def check_file(path: Path | str, shown: str, what: str = "file") -> None:
    """Refuse ``path`` unless it resolves inside the root to a regular file (no-op without a root).

    A missing file passes (the reader reports it in its own words).
    """
    real = _resolve(path, shown, what)
    if real is None:
        return
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, socket or device cannot be checked)"
        raise OutsideTree(f"{shown}: the {what} is {kind}")


def check_folder(path: Path | str, shown: str, what: str = "folder") -> None:
    """Refuse ``path`` unless it resolves inside the root (no-op without a root)."""
    _resolve(path, shown, what)


def check_image_path(path: Path | str, shown: str) -> None:
    """An image archive or layout: a regular file or a folder (a FIFO would never end), checked like any input."""
    real = _resolve(path, shown, "image")
    if real is None:
        return
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise OutsideTree(f"{shown}: the image is not a regular file or folder (a FIFO, socket or device cannot be read)")


# --- plugins ----------------------------------------------------------------------------


def _site_packages() -> list[str]:
    """Real paths of the running interpreter's site-packages folders (where pip installs distributions)."""
    import site
    import sysconfig

    folders = {sysconfig.get_paths().get(key) for key in ("purelib", "platlib")}
    try:
        folders.update(site.getsitepackages())
    except AttributeError:  # pragma: no cover - some virtualenv versions
        pass
    return [os.path.realpath(f) for f in folders if f]


def plugin_problem(module_name: str, config_path: str | None = None) -> str | None:
    """Why importing ``module_name`` would run code of the checked tree, or None.

    Each level of a dotted name is located without running it (its parent package, already
    checked, is imported to find it): a module whose file, or a package whose folder, lies inside
    the root and not inside the interpreter's site-packages is refused. A name that cannot be found
    is refused too when the config's folder holds a module of that name (the import would fail
    with a puzzling "No module named"); else it passes and the import fails with its own message.
    """
    if _root is None:
        return None
    import importlib.util

    installed = _site_packages()
    parts = module_name.split(".")
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        if spec is None:
            folder = Path(config_path).parent if config_path else Path.cwd()
            local = [folder / f"{parts[0]}.py", folder / parts[0]]
            if depth == 1 and any(p.exists() and _inside(os.path.realpath(p), _root) for p in local):
                return (
                    f"{module_name!r} is not installed; the module of that name in the checked tree {_root} is not "
                    "imported: imagepolicy runs no code from the repository it checks; install the plugin as a "
                    "distribution (pip install), or pass --allow-repo-plugins when this checkout is trusted"
                )
            return None
        places = [spec.origin] if spec.origin and spec.has_location else []
        places += list(spec.submodule_search_locations or [])
        for place in places:
            real = os.path.realpath(place)
            if _inside(real, _root) and not any(_inside(real, site) for site in installed):
                shown = os.path.relpath(real, _root)
                return (
                    f"{module_name!r} would be imported from {shown}, inside the checked tree {_root}: imagepolicy "
                    "runs no code from the repository it checks; install the plugin as a distribution (pip install), "
                    "or pass --allow-repo-plugins when this checkout is trusted"
                )
    return None


def drop_working_directory_from_sys_path() -> None:
    """``python -m imagepolicy`` puts the working directory first on ``sys.path``: take it off.

    (``python -P``/``PYTHONSAFEPATH`` and the console script never add it.) Modules the run imports
    later (the YAML parser, jsonschema, plugins) then cannot come from a checkout that shadows them.
    """
    if sys.path and not getattr(sys.flags, "safe_path", False):
        first = sys.path[0]
        if first in ("", ".") or os.path.realpath(first) == os.path.realpath(os.getcwd()):
            del sys.path[0]


def walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top)`` (top-down, links not followed, the caller may prune ``subdirs``), without recursion.

    Python 3.11's ``os.walk`` recurses once per level, so a folder 1,500 deep raised
    RecursionError; a folder deeper than the ``path-depth`` limit below ``top`` is an input error.
    """
    from . import limits

    max_depth = limits.get("path-depth")
    pending: list[tuple[str, int]] = [(top, 0)]
    while pending:
        current, depth = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        subdirs: list[str] = []
        names: list[str] = []
        for entry in entries:
            try:
                (subdirs if entry.is_dir(follow_symlinks=False) else names).append(entry.name)
            except OSError:
                names.append(entry.name)
        yield current, subdirs, names
        if subdirs and depth + 1 > max_depth:
            raise limits.LimitExceeded("path-depth", display_path(top), f"folders more than {max_depth} levels deep")
        pending.extend((os.path.join(current, name), depth + 1) for name in reversed(subdirs))
