"""Replaying a whole ``check`` run: the same command over unchanged inputs prints what it printed before.

A pre-commit hook or an editor runs ``imagepolicy check FILE`` again and again on
files that did not change. Loading the plugins and rules alone costs more than
hadolint's whole run, so such a run is answered before any of that is imported:
the command line, the working folder and the interpreter name an entry of kind
``run`` in the cache, which lists every input the recorded run read, and the
output it gave. When each input is unchanged, the output is printed again and the
exit code returned; otherwise the run goes on as usual (and records itself again).

The inputs a recorded run lists:

* ``stat``: the interpreter's ``sys.path`` folders, the source files of
  imagepolicy and of every plugin installed in editable mode, and the external
  tools a plugin registered with :func:`imagepolicy.cache.watch` (ShellCheck), by
  size, modification time and inode;
* ``env``: the environment variables it read (build arguments given without a
  value, ``NO_COLOR``, ``PATH``), by digest (values are never stored);
* ``files``: the Dockerfiles, the config, the baseline, each
  ``<Dockerfile>.dockerignore``, by content digest, and the places where a config
  could have been found, and was not; ``paths``: where each named file leads (a
  link changed to lead elsewhere is a change);
* ``contexts``: each Dockerfile's build context (:func:`imagepolicy.inputs.context_digest`);
* ``tty``: whether standard output and error were terminals (colour).

Only a plain run is recorded: ``check`` of named Dockerfiles (no folder, no
standard input, no image, no ``--new-from-rev``, no report file, no ``--debug``),
with the installed plugins only (none listed in the config, no third-party plugin
with an ``imagepolicy_cache_key``), that ended with exit code 0 or 1 and no error.
Everything else always runs.

This module and what it imports stay light (no pathlib, no dataclasses, no
typing): the replay costs about what starting the interpreter costs.
"""

from __future__ import annotations

import os
import sys

from . import cache, inputs

TYPE_CHECKING = False  # typing costs milliseconds to import; these names are for the type checker only
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

_recorder: Recorder | None = None


def _key(argv: list[str], root: str) -> str:
    from . import __version__

    return cache.digest(["run", cache.FORMAT, __version__, argv, os.getcwd(), sys.executable, sys.version, root])


def _cache_for(argv: list[str], existing: bool = True) -> cache.Cache | None:
    """The cache the command line asks for, when it can be told without parsing it (else None).

    ``existing``: only when its folder exists already (a replay needs it; a recording run creates it).
    """
    cli_dir, no_cache, checked = None, False, None
    for i, arg in enumerate(argv):
        if arg == "--no-cache":
            no_cache = True
        elif arg in ("--cache-dir", "--root") and i + 1 < len(argv):
            cli_dir, checked = (argv[i + 1], checked) if arg == "--cache-dir" else (cli_dir, argv[i + 1])
        elif arg.startswith(("--cache-dir=", "--root=")):
            name, _, value = arg.partition("=")
            cli_dir, checked = (value, checked) if name == "--cache-dir" else (cli_dir, value)
        elif arg == "--" or (len(arg) > 2 and arg.startswith("--") and any(
                full.startswith(arg.partition("=")[0]) for full in ("--no-cache", "--cache-dir", "--root"))):
            return None  # an abbreviation argparse would accept, or files after "--": not told here
    root, _ = cache.choose_root(cli_dir, no_cache, cache.checked_tree(checked))
    if root is None or (existing and not os.path.isdir(root)):
        return None
    return cache.Cache(root, cache.max_bytes_from_env())


def attempt(argv: list[str]) -> int | None:
    """Replay the recorded run of ``argv`` when every input is unchanged: its exit code, else None."""
    if not argv or argv[0] != "check":
        return None
    try:
        store = _cache_for(argv)
        if store is None:
            return None
        entry = store.get("run", _key(argv, store.root))
        if not isinstance(entry, dict) or not _unchanged(entry):
            return None
        out, err, code = entry["stdout"], entry["stderr"], entry["exit"]
        if not isinstance(out, str) or not isinstance(err, str) or code not in (0, 1):
            return None
    except (OSError, ValueError, TypeError, KeyError):
        return None
    try:
        sys.stdout.write(out)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.stderr.write(err)
    return code


def _unchanged(entry: dict) -> bool:
    if entry.get("tty") != [_isatty(sys.stdout), _isatty(sys.stderr)]:
        return False
    for path, stamp in entry["stat"]:
        if _stamp(path) != stamp:
            return False
    for name, value in entry["env"].items():
        if _env(name) != value:
            return False
    for path, sha in entry["files"]:
        if inputs.file_digest(path) != sha:
            return False
    for named, real in entry["paths"]:
        if os.path.realpath(named) != real:
            return False  # a named file now leads elsewhere (a link): the checker decides whether that is allowed
    for root, sha in entry["contexts"]:
        if inputs.context_digest(root) != sha:
            return False
    return True


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _stamp(path: str) -> list | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else cache.digest(["env", value])


# --- recording --------------------------------------------------------------------------


class _Tee:
    """A text stream that writes through and keeps what was written."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.parts: list[str] = []
        self.failed = False

    def write(self, text: str) -> int:
        try:
            written = self._stream.write(text)
        except BaseException:
            self.failed = True
            raise
        self.parts.append(text)
        return written

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BaseException:
            self.failed = True
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class Recorder:
    """Keeps a run's output; :func:`record` tells it the run's inputs when the run may be replayed."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = list(argv)
        self.inputs: dict | None = None
        self.out, self.err = _Tee(sys.stdout), _Tee(sys.stderr)
        self.saved = (sys.stdout, sys.stderr)
        self.tty = [_isatty(sys.stdout), _isatty(sys.stderr)]
        sys.stdout, sys.stderr = self.out, self.err

    @classmethod
    def start(cls, argv: list[str]) -> Recorder | None:
        global _recorder
        if not argv or argv[0] != "check" or _cache_for(argv, existing=False) is None:
            return None
        _recorder = cls(argv)
        return _recorder

    def finish(self, code: int) -> None:
        global _recorder
        sys.stdout, sys.stderr = self.saved
        _recorder = None
        store = _cache_for(self.argv)
        if self.inputs is None or code not in (0, 1) or self.out.failed or self.err.failed or store is None:
            return
        entry = {**self.inputs, "tty": self.tty, "stdout": "".join(self.out.parts), "stderr": "".join(self.err.parts), "exit": code}
        store.put("run", _key(self.argv, store.root), entry)


def record(args: Any, request: Any, config: Any, registry: Any, report: Any, pm: Any) -> None:
    """Called by ``check`` when it is done: note the inputs of this run if it may be replayed."""
    recorder = _recorder
    store = _cache_for(recorder.argv, existing=False) if recorder is not None else None
    active = cache.current()
    if recorder is None or store is None or active is None or active.root != store.root:
        return
    if (request.images or getattr(args, "new_from_rev", None) or args.debug or args.output or report.errors or registry.errors
            or getattr(config, "plugins", ()) or any(getattr(args, flag, None) for flag in ("junit", "json", "sarif", "codeclimate", "github_summary"))):
        return
    if any(str(p) == "-" or not os.path.isfile(p) for p in request.dockerfiles) or not request.dockerfiles:
        return
    if any(not os.path.isfile(p) or os.path.isdir(p) for p in args.paths):
        return  # a folder was searched: what it holds is not recorded
    if _third_party_cache_keys(pm):
        return
    try:
        recorder.inputs = _inputs(args, request, config)
    except (OSError, ValueError):
        recorder.inputs = None


def _third_party_cache_keys(pm: Any) -> bool:
    """True when a plugin outside imagepolicy implements imagepolicy_cache_key (what it depends on is unknown here)."""
    for impl in pm.hook_impls("imagepolicy_cache_key"):
        origin = pm.origins.get(impl.plugin_name)
        if origin is None or origin.distribution != "imagepolicy":
            return True
    return False


def _inputs(args: Any, request: Any, config: Any) -> dict:
    from . import config as config_mod
    from .installed import _signature, plugins, stat_tree

    stats = []
    for path, _ in _signature()[2]:
        stats.append([path or ".", _stamp(path or ".")])
    sources = sorted({s for p in plugins()[0] for s in p.sources})
    for path, _size, _mtime in stat_tree(sources):
        stats.append([path, _stamp(path)])
    for path in sorted(cache.watched()):
        stats.append([path, _stamp(path)])
    names = {"NO_COLOR", "PATH", "IMAGEPOLICY_NO_CACHE", "IMAGEPOLICY_CACHE_DIR", "IMAGEPOLICY_CACHE_MAX_MB",
             "XDG_CACHE_HOME", "HOME", "LOCALAPPDATA"}
    for item in args.build_arg:
        key, eq, _ = item.partition("=")
        if not eq:
            names.add(key)
    env = {name: _env(name) for name in sorted(names)}
    files, contexts, paths = [], [], []
    for path in request.dockerfiles:
        real = os.path.realpath(path)
        paths.append([os.path.abspath(path), real])
        files.append([real, inputs.file_digest(real)])
        files.append([str(path) + ".dockerignore", inputs.file_digest(str(path) + ".dockerignore")])
        root = str(request.context) if request.context is not None else os.path.dirname(real)
        contexts.append([root, inputs.context_digest(root)])
    for path in (args.config, getattr(args, "baseline", None)):
        if path:
            files.append([os.path.abspath(path), inputs.file_digest(os.path.abspath(path))])
            paths.append([os.path.abspath(path), os.path.realpath(path)])
    if not args.config and not args.no_config:
        files.extend(_probes(config_mod.CONFIG_FILENAMES + (config_mod.PYPROJECT,), config.path))
    if any(sha is None for _, sha in files + contexts):
        raise ValueError("an input has no digest")
    return {"stat": stats, "env": env, "files": files, "contexts": contexts, "paths": paths}


def _probes(names: tuple[str, ...], found: Any) -> list[list]:
    """Every place the config search looked (up to the found config, or a ``.git`` folder, or ``/``), by digest."""
    probes = []
    folder = os.path.realpath(os.getcwd())
    while True:
        for name in names:
            path = os.path.join(folder, name)
            probes.append([path, inputs.file_digest(path)])
        if found is not None and os.path.dirname(os.path.realpath(found)) == folder:
            break
        git = os.path.join(folder, ".git")
        probes.append([git, inputs.file_digest(git)])
        if os.path.lexists(git) or os.path.dirname(folder) == folder:
            break
        folder = os.path.dirname(folder)
    return probes
