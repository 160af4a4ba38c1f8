"""What is installed: the plugins of the ``imagepolicy`` entry-point group and the identity of the code.

``importlib.metadata.entry_points()`` reads every distribution on ``sys.path``
(10-20 ms and a dozen imports at every start). Its answer changes only when a
distribution is installed, upgraded or removed, which changes the folders on
``sys.path``; so the answer is kept in the cache under the interpreter, ``sys.path``
and the modification times of those folders, and read back as one small JSON file.

The same scan yields the *identity* of the installation: every distribution's name
and version, and for each plugin distribution a digest of its ``RECORD`` (the
hashes of every installed file) or, when it is installed in editable mode, of the
``stat`` of its source files (read at each run: editing a file changes it). Cached
results are keyed by this identity, so none survives an upgrade, a new plugin or an
edited rule.
"""

from __future__ import annotations

import os
import sys

from . import cache as cache_mod

TYPE_CHECKING = False  # typing costs milliseconds to import; these names are for the type checker only
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

GROUP = "imagepolicy"


class Plugin:
    """An installed entry point of the group (light: no ``importlib.metadata`` object)."""

    __slots__ = ("name", "value", "dist", "version", "code", "sources")

    def __init__(self, name: str, value: str, dist: str, version: str, code: str, sources: list[str]) -> None:
        self.name = name
        self.value = value
        self.dist = dist
        self.version = version
        self.code = code  # RECORD digest, or "" for an editable install (see sources)
        self.sources = sources  # editable install: folders/files whose stat is its code

    def as_json(self) -> list:
        return [self.name, self.value, self.dist, self.version, self.code, self.sources]


def _signature() -> list:
    """What the installed distributions depend on: the interpreter and the folders on ``sys.path``."""
    folders = []
    for entry in sys.path:
        try:
            folders.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            folders.append([entry, None])
    return [sys.executable, sys.version, folders]


_scanned: tuple[list[Plugin], list] | None = None


def plugins(group: str = GROUP) -> tuple[list[Plugin], list]:
    """The entry points of ``group`` and ``[name, version]`` of every distribution, cached."""
    global _scanned
    if _scanned is not None:
        return _scanned
    store = cache_mod.current()
    if store is None:  # no identity needed: the entry points alone, as importlib.metadata finds them
        from importlib.metadata import entry_points

        return [Plugin(ep.name, ep.value, _dist_name(ep), "", "", []) for ep in entry_points(group=group)], []
    key = cache_mod.digest(["env", group, _signature()])
    found = store.get("env", key) if store is not None else None
    if _valid_scan(found):
        _scanned = ([Plugin(*row) for row in found["plugins"]], found["dists"])
        return _scanned
    result = _scan(group)
    if store is not None:
        store.put("env", key, {"plugins": [p.as_json() for p in result[0]], "dists": result[1]})
    _scanned = result
    return result


def _dist_name(ep: Any) -> str:
    dist = getattr(ep, "dist", None)
    return getattr(dist, "name", None) or "?"


def _valid_scan(found: Any) -> bool:
    if not isinstance(found, dict) or not isinstance(found.get("plugins"), list) or not isinstance(found.get("dists"), list):
        return False
    for row in found["plugins"]:
        if not (isinstance(row, list) and len(row) == 6 and all(isinstance(x, str) for x in row[:5])
                and isinstance(row[5], list) and all(isinstance(s, str) for s in row[5])):
            return False
    return True


def _scan(group: str) -> tuple[list[Plugin], list]:
    import importlib.metadata as metadata

    dists: dict[str, str] = {}
    found = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or "?"
        dists.setdefault(name, dist.version or "")
        for ep in dist.entry_points:
            if ep.group != group:
                continue
            code, sources = _code_of(dist, ep.value)
            found.append(Plugin(ep.name, ep.value, name, dist.version or "", code, sources))
    # Earlier sys.path entries shadow later ones, as entry_points() does: keep the first of a name per distribution.
    seen, unique = set(), []
    for p in found:
        if (p.dist, p.name) not in seen:
            seen.add((p.dist, p.name))
            unique.append(p)
    return unique, sorted([n, v] for n, v in dists.items())


def _code_of(dist: Any, value: str) -> tuple[str, list[str]]:
    """A digest of an installed distribution's RECORD, or the source paths of an editable one."""
    import json

    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        direct = {}
    editable = isinstance(direct, dict) and isinstance(direct.get("dir_info"), dict) and direct["dir_info"].get("editable")
    if not editable:
        record = dist.read_text("RECORD")
        if record:
            return cache_mod.bytes_digest(record.encode("utf-8", "surrogatepass")), []
    return "", _sources(value)


def _sources(value: str) -> list[str]:
    """Folders and files holding the code of an entry point's module (and of imagepolicy's core)."""
    import importlib.util

    module = value.split(":", 1)[0].strip()
    names = [module.split(".", 1)[0], module]
    if names[0] == "imagepolicy":
        names += ["imagepolicy.plugins", "imagepolicy.schemas"]
    paths: list[str] = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            paths.extend(str(p) for p in spec.submodule_search_locations)
        elif spec.origin and os.path.isfile(spec.origin):
            paths.append(spec.origin)
    return sorted(set(paths))


def stat_tree(paths: list[str], limit: int = 20_000) -> list:
    """``[path, size, mtime_ns]`` of every file below ``paths`` (``__pycache__`` and dot folders left out)."""
    rows = []
    for top in paths:
        if os.path.isfile(top):
            info = os.stat(top)
            rows.append([top, info.st_size, info.st_mtime_ns])
            continue
        stack = [top]
        while stack and len(rows) < limit:
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__" and not entry.name.startswith("."):
                        stack.append(entry.path)
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                rows.append([entry.path, info.st_size, info.st_mtime_ns])
    return rows


_identity: str | None = None


def identity(group: str = GROUP) -> str:
    """A digest that changes with any change to the installed code: the key prefix of cached results."""
    global _identity
    if _identity is not None:
        return _identity
    found, dists = plugins(group)
    parts = [[p.name, p.value, p.dist, p.version, p.code, p.sources] for p in found]
    sources = sorted({path for p in found for path in p.sources})
    sources = [s for s in sources if not any(s.startswith(other.rstrip(os.sep) + os.sep) for other in sources)]
    from . import __version__

    _identity = cache_mod.digest(["identity", cache_mod.FORMAT, __version__, sys.version, parts, dists, stat_tree(sources)])
    return _identity


def forget() -> None:
    """Tests: scan again at the next call."""
    global _scanned, _identity
    _scanned = _identity = None
