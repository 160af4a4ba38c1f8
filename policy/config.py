"""The imagepolicy configuration: discovery, loading with line numbers, schema, resolution.

A config is ``.imagepolicy.yml``, ``.imagepolicy.yaml``, ``.imagepolicy.json`` or the
``[tool.imagepolicy]`` table of ``pyproject.toml``. The CLI uses it in four steps::

    raw = load_raw(path) if path else None       # parse, keep line numbers
    mods = plugin_modules(raw)                   # `plugins` is read first: plugins add rules
    ...                                          # load plugins, collect rules and presets
    cfg = resolve(raw, rules, presets, overrides={"failure-threshold": cli_value})

Validation uses the core schema (``schemas/config.schema.json``) merged with every rule's
options fragment and every plugin's settings section (:func:`build_schema`). Every problem
is an :class:`InputError` whose message reads ``FILE:LINE: json.path: what is wrong; what
to do``.

Merge semantics of ``extends`` (presets applied in order, then the file, then the command
line): scalars are replaced; ``rules`` merge per rule (a bare severity is the same as
``{severity: ...}``, so a later severity keeps earlier options); ``ignore`` is
concatenated; ``settings`` merge per section and option, list values concatenated.

Plugin settings: a plugin declares a section (:class:`imagepolicy.model.Settings`) whose
options are set under ``settings: {<section>: {...}}``. An option's ``moved_from`` names
where it lived before (``trusted-registries``, ``rules.DL3049.label-schema``): a config
that still writes it there is read as the new key, with a deprecation note on standard
error naming the file, the line and the new key.

Ignore globs: ``*`` and ``?`` stay inside one path segment, ``**`` spans segments
(``**/`` also matches no folder at all); a glob without ``/`` matches the file name at any
depth; a glob that matches a folder also matches everything below it.
"""

from __future__ import annotations

import bisect
import copy
import functools
import json
import os
import re
import sys
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from imagepolicy.model import InputError, Rule, Settings, Severity
from imagepolicy.records import record

if TYPE_CHECKING:  # pragma: no cover
    from jsonschema.exceptions import ValidationError

__all__ = [
    "CONFIG_FILENAMES",
    "CORE_PRESETS",
    "Config",
    "IgnoreEntry",
    "RawConfig",
    "RuleSetting",
    "build_schema",
    "core_schema",
    "discover_config",
    "load_raw",
    "plugin_modules",
    "render_schema",
    "resolve",
]

CONFIG_FILENAMES = (".imagepolicy.yml", ".imagepolicy.yaml", ".imagepolicy.json")
PYPROJECT = "pyproject.toml"

CORE_PRESETS: dict[str, dict[str, Any]] = {
    "recommended": {},
    "strict": {"failure-threshold": "warning"},
}

OFF = "off"
NO_THRESHOLD = "none"

Path_ = tuple[Any, ...]
Locator = Callable[[Path_], "int | None"]

# What to do, per top-level key, appended to schema errors about that key.
_HINTS = {
    "version": "set `version: 1` or leave it out",
    "extends": "give a preset name or a list of them",
    "failure-threshold": "findings at or above it fail the run; `none` never fails on findings",
    "rules": "map a rule code or name to a severity, `off`, or {severity: ..., <options>}",
    "ignore": "write a list of {paths: [globs], rules: [codes]}",
    "trusted-registries": "write a list of registry globs, e.g. [registry.example.com, '*.internal.example']",
    "settings": "map a plugin's settings section to its options, e.g. {dockerfile: {trusted-registries: [...]}}",
    "plugins": "write a list of importable module paths, e.g. [mycompany.imagepolicy_rules]",
    "$schema": "give the schema's URL or path as a string",
}


def _close_matches(word: str, possibilities: list[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """difflib's suggestions, for error messages only (difflib is imported here: 1 ms at every start otherwise)."""
    import difflib

    return difflib.get_close_matches(word, possibilities, n=n, cutoff=cutoff)


# --- data ------------------------------------------------------------------------


@record(frozen=True)
class RawConfig:
    """A parsed config file: its top-level mapping and a line locator.

    ``locate(("rules", "PY001", "severity"))`` returns the 1-based line of that key
    (or of the deepest existing part of the path), or None when unknown.
    """

    path: Path
    data: dict[str, Any]
    locate: Locator = field(repr=False, compare=False, default=lambda parts: None)

    @property
    def label(self) -> str:
        """The file name as messages show it (relative to the cwd when below it)."""
        return _display(self.path)


@record(frozen=True)
class RuleSetting:
    """The effective setting of one rule or code: on/off, severity override, options."""

    enabled: bool = True
    severity: Severity | None = None  # None: the rule's (or the violation's) own severity
    options: dict[str, Any] = field(default_factory=dict)


@record(frozen=True)
class IgnoreEntry:
    """Drop findings whose file matches one of ``paths`` and whose code is in ``rules``.

    An empty tuple matches everything. ``rules`` holds canonical codes (a family's own
    code, e.g. ``SC``, stands for all of its codes).
    """

    paths: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    def matches(self, path: str, codes: Iterable[str]) -> bool:
        """True when ``path`` (POSIX, relative) and one of ``codes`` are covered."""
        if self.rules and not any(c in self.rules for c in codes):
            return False
        return not self.paths or any(glob_match(p, path) for p in self.paths)


@record(frozen=True)
class Config:
    """The resolved configuration of one run."""

    path: Path | None = None
    failure_threshold: Severity | None = Severity.ERROR
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    ignore: tuple[IgnoreEntry, ...] = ()
    plugins: tuple[str, ...] = ()
    extends: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    known_rules: tuple[Rule, ...] = field(default=(), repr=False, compare=False)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def plugin_settings(self, section: str) -> dict[str, Any]:
        """The values of one plugin settings section (``settings: {section: ...}``), defaults filled in."""
        return self.settings.get(section, {})

    @property
    def base_dir(self) -> Path | None:
        """The folder ignore globs are relative to (the config's folder), None without config."""
        return self.path.parent if self.path else None

    def setting(self, rule: Rule, code: str | None = None) -> RuleSetting:
        """The effective setting of ``rule`` (or of one concrete ``code`` of a family).

        A family's concrete code falls back to the family's own setting, which falls
        back to the rule's defaults.
        """
        if code and rule.code_pattern and code in self.rules:
            return self.rules[code]
        if rule.code in self.rules:
            return self.rules[rule.code]
        return RuleSetting(rule.default_enabled, None, rule.default_options())

    def is_ignored(self, path: str, code: str) -> bool:
        """True when an ``ignore`` entry covers the finding ``code`` in file ``path``.

        ``path`` is POSIX and relative to :attr:`base_dir` (or the cwd without config).
        """
        codes = self._codes_for(code)
        return any(entry.matches(path, codes) for entry in self.ignore)

    def _codes_for(self, code: str) -> tuple[str, ...]:
        """``code`` plus the canonical code and family code it belongs to."""
        codes = [code]
        for r in self.known_rules:
            if code in (r.name, *r.aliases):
                codes.append(r.code)
            elif r.code_pattern and re.fullmatch(r.code_pattern, code):
                codes.append(r.code)
        return tuple(codes)


# --- discovery -----------------------------------------------------------------------


def discover_config(start: Path, stop: Path | None = None, check: Callable[[Path], None] | None = None) -> Path | None:
    """Find the config for a run started in ``start``.

    Looks in ``start`` and its parents up to ``stop`` (the checked tree's root, inclusive; nothing
    when ``start`` is not below it), else up to the repository root (the first folder holding
    ``.git``, inclusive) or the filesystem root. The first folder with one of
    :data:`CONFIG_FILENAMES` or a ``pyproject.toml`` with a ``[tool.imagepolicy]`` table wins; two
    of them in one folder is an :class:`InputError`. ``check`` is called on each candidate file
    before it is read (the CLI refuses files that lead outside the checked tree).
    """
    folder = Path(start).resolve()
    if stop is not None:
        stop = Path(stop).resolve()
        if folder != stop and stop not in folder.parents:
            return None
    while True:
        found = [folder / n for n in CONFIG_FILENAMES if (folder / n).is_file()]
        pyproject = folder / PYPROJECT
        if check is not None:
            for candidate in (*found, pyproject):
                if candidate.exists() and not candidate.is_dir():
                    check(candidate)
        if pyproject.is_file() and _pyproject_has_table(pyproject):
            found.append(pyproject)
        if len(found) > 1:
            names = " and ".join(_config_name(p) for p in found)
            raise InputError(
                f"{_display(folder)}: found {names}; imagepolicy reads one config per folder: "
                "merge them into one and delete the other (or pass --config FILE)"
            )
        if found:
            return found[0]
        if folder == stop or (stop is None and (folder / ".git").exists()) or folder.parent == folder:
            return None
        folder = folder.parent


def _config_name(path: Path) -> str:
    return f"{path.name} [tool.imagepolicy]" if path.name == PYPROJECT else path.name


def _pyproject_has_table(path: Path) -> bool:
    """True when ``path`` has a ``[tool.imagepolicy]`` table (a broken file mentioning it raises)."""
    text = _read_text(path)
    if "imagepolicy" not in text:
        return False
    data = _parse_toml(text, path)
    tool = data.get("tool")
    return isinstance(tool, dict) and "imagepolicy" in tool


# --- loading -------------------------------------------------------------------------


def load_raw(path: Path) -> RawConfig:
    """Parse a config file, keeping line numbers for error messages.

    ``.json`` is read as JSON, ``.toml`` as the ``[tool.imagepolicy]`` table, anything
    else as YAML. Syntax errors raise ``InputError("FILE:LINE: invalid YAML: ...")``.
    """
    path = Path(path)
    text = _read_text(path)
    try:
        if path.suffix == ".json":
            data, locate = _load_json(text, path)
        elif path.suffix == ".toml":
            data, locate = _load_pyproject(text, path)
        else:
            data, locate = _load_yaml(text, path)
    except RecursionError:  # the parsers recurse per nesting level
        raise InputError(f"{_display(path)}: values are nested too deeply to read; a config needs a few levels at most") from None
    _check_size(data, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            f"{_display(path)}:{locate(()) or 1}: (top level): must be a mapping of config keys, "
            f"not {_kind(data)}; start with e.g. `version: 1`"
        )
    return RawConfig(path=path, data=data, locate=locate)


def _check_size(data: Any, path: Path) -> None:
    """Enforce ``config-depth`` and ``config-values`` on parsed data, without walking shared values twice.

    A YAML alias is the same Python object as its anchor, so a "billion laughs" document is small in
    memory but huge to validate and merge: each use is counted in full, from per-object totals.
    """
    from . import limits

    if not isinstance(data, (dict, list)):
        return
    max_depth, max_values = limits.get("config-depth"), limits.get("config-values")
    totals: dict[int, tuple[int, int]] = {}  # id -> (values, depth) of a list or mapping
    open_ids: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        item, done = stack.pop()
        key = id(item)
        children = list(item.values()) if isinstance(item, dict) else item
        containers = [c for c in children if isinstance(c, (dict, list))]
        if not done:
            if key in totals:
                continue
            if key in open_ids:
                raise InputError(f"{_display(path)}: a value contains itself (a YAML alias inside its own anchor); "
                                 "write the value out instead of the alias")
            open_ids.add(key)
            stack.append((item, True))
            stack.extend((c, False) for c in containers if id(c) not in totals)
            if len(open_ids) > max_depth:
                raise limits.LimitExceeded("config-depth", _display(path), f"more than {max_depth} levels")
            continue
        open_ids.discard(key)
        values = 1 + sum(totals[id(c)][0] if isinstance(c, (dict, list)) else 1 for c in children)
        depth = 1 + max((totals[id(c)][1] for c in containers), default=0)
        if depth > max_depth:
            raise limits.LimitExceeded("config-depth", _display(path), f"{depth} levels")
        totals[key] = (values, depth)
    values = totals[id(data)][0]
    if values > max_values:
        shown = f"{values:,}" if values < 10**15 else f"about 10^{len(str(values)) - 1}"
        raise limits.LimitExceeded("config-values", _display(path), f"{shown} values with aliases expanded")


def _read_text(path: Path) -> str:
    from . import limits

    cap = limits.get("config-bytes")
    try:
        with path.open("rb") as stream:
            data = stream.read(cap + 1)
        if len(data) > cap:
            raise limits.LimitExceeded("config-bytes", _display(path), f"more than {cap} bytes")
        return data.decode("utf-8-sig")  # editors on Windows may save a BOM; JSON and TOML reject it
    except FileNotFoundError:
        raise InputError(f"{_display(path)}: config file not found; check the --config path") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{_display(path)}: not UTF-8 text ({exc.reason}); save the config as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{_display(path)}: cannot read config: {exc.strerror}") from None


def _lookup(table: Mapping[Path_, int], parts: Path_) -> int | None:
    """The line of the longest prefix of ``parts`` present in ``table``."""
    parts = tuple(parts)
    for n in range(len(parts), -1, -1):
        line = table.get(parts[:n])
        if line is not None:
            return line
    return None


# YAML ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _yaml_loader() -> type:
    """A SafeLoader with YAML 1.2 booleans: ``off``/``no``/``on``/``yes`` stay strings.

    (With YAML 1.1 rules ``PY001: off`` would read as ``False``.) Dates stay strings too (no config
    value is a date), and a scalar that cannot be built (``0x_``, a 100,000-digit integer,
    ``!!float abc``, ``!!timestamp 2001-02-30``) is a YAML error at its line, not a Python exception.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except (yaml.YAMLError, RecursionError):
                raise
            except Exception:  # noqa: BLE001 - int('0x'), ''[0], {}['x'], a date that does not exist
                raise yaml.constructor.ConstructorError(None, None, _unbuildable(node), node.start_mark) from None

    bool_tag = "tag:yaml.org,2002:bool"
    dropped = (bool_tag, "tag:yaml.org,2002:timestamp")
    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in dropped]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    return Loader


_SCALAR_KINDS = {"int": "an integer", "float": "a number", "timestamp": "a date", "binary": "base64 data",
                 "bool": "true or false"}


def _unbuildable(node: Any) -> str:
    """Why a YAML scalar could not be built, in words (never a Python exception text)."""
    kind = _SCALAR_KINDS.get(str(node.tag).rsplit(":", 1)[-1], "a value of type " + str(node.tag).rsplit(":", 1)[-1])
    value = node.value if isinstance(node.value, str) else ""
    digits = sum(ch.isdigit() for ch in value)
    if kind == "an integer" and digits > 4300:
        return f"an integer of {digits:,} digits cannot be read; write a number of a few digits"
    shown = repr(value if len(value) <= 40 else value[:40] + "...")
    return f"{shown} is not valid as {kind}; quote it to make it a string, or fix the value"


def _load_yaml(text: str, path: Path) -> tuple[Any, Locator]:
    import yaml

    try:
        loader = _yaml_loader()(text)  # the reader checks every character here
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, path) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "cannot parse"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        if context and exc.context_mark and mark and exc.context_mark.line != mark.line:
            context = f" ({exc.context} started on line {exc.context_mark.line + 1})"
        raise InputError(
            f"{_display(path)}:{line}: invalid YAML: {what}{context}; fix the syntax (check indentation and quoting)"
        ) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, path) from None
    except yaml.YAMLError:
        raise InputError(f"{_display(path)}:1: invalid YAML: cannot parse the document; fix the syntax") from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {(): 1}
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _index_yaml(node, (), lines, path)
    return data, functools.partial(_lookup, lines)


def _reader_error(exc: Any, text: str, path: Path) -> InputError:
    """A character YAML does not allow (a NUL, a control character), at its line."""
    line = text.count("\n", 0, max(exc.position, 0)) + 1
    character = exc.character if isinstance(exc.character, str) else chr(exc.character) if isinstance(exc.character, int) else "?"
    return InputError(
        f"{_display(path)}:{line}: invalid YAML: the character U+{ord(character[:1] or '?'):04X} is not allowed in a "
        "YAML file; remove it (is this a binary file?)"
    )


def _index_yaml(
    node: Any,
    prefix: Path_,
    lines: dict[Path_, int],
    path: Path,
    open_nodes: frozenset[int] = frozenset(),
    done: set[int] | None = None,
) -> None:
    """Record the line of every mapping key and sequence item below ``node``.

    A node reached again through an alias is indexed once (its keys keep the
    anchor's lines; a path through the alias falls back to the alias's line), so
    nested aliases cannot make this walk exponential. An alias inside its own
    anchor's value (``rules: &r {X: *r}``) is an error: the value never ends.
    """
    import yaml

    done = set() if done is None else done
    if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) or id(node) in done:
        return
    done.add(id(node))
    open_nodes = open_nodes | {id(node)}
    if isinstance(node, yaml.MappingNode):
        children = []
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            if key_node.tag == "tag:yaml.org,2002:int":
                key = int(key) if re.fullmatch(r"[-+]?[0-9]+", key) else key
            here = prefix + (key,)
            if here in lines:
                raise InputError(
                    f"{_display(path)}:{key_node.start_mark.line + 1}: {_json_path(here)}: duplicate key "
                    f"{key!r} (first on line {lines[here]}); keep only one"
                )
            lines[here] = key_node.start_mark.line + 1
            children.append((here, value_node))
    else:
        children = []
        for i, item in enumerate(node.value):
            lines[prefix + (i,)] = item.start_mark.line + 1
            children.append((prefix + (i,), item))
    for here, child in children:
        if id(child) in open_nodes:
            raise InputError(
                f"{_display(path)}:{lines[here]}: {_json_path(here)}: the YAML alias refers to itself (it is inside "
                "the value of its own anchor), so the value never ends; write the value out instead of the alias"
            )
        _index_yaml(child, here, lines, path, open_nodes, done)


# JSON ---------------------------------------------------------------------------------

# Patterns kept as text are compiled by re on first use (and cached there): only a run that reads a config needs them.
_WS = r"[ \t\n\r]*"


def _load_json(text: str, path: Path) -> tuple[Any, Locator]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{_display(path)}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno}); fix the syntax"
        ) from None
    except ValueError:  # int() refuses more than 4,300 digits
        raise _long_number(text, path, "JSON") from None
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    lines: dict[Path_, int] = {}
    blanks = re.compile(_WS)

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    decoder = json.JSONDecoder()

    def skip(pos: int) -> int:
        """The position of the first non-blank character at or after ``pos``."""
        blank = blanks.match(text, pos)
        return blank.end() if blank else pos

    def walk(pos: int, prefix: Path_) -> int:
        """Index the value starting at ``pos``; return the position after it."""
        pos = skip(pos)
        lines.setdefault(prefix, line_of(pos))
        char = text[pos]
        if char == "{":
            pos = skip(pos + 1)
            while text[pos] != "}":
                key, end = decoder.raw_decode(text, pos)  # the key, a string: it ends at its closing quote
                here = prefix + (key,)
                if here in lines:
                    raise InputError(
                        f"{_display(path)}:{line_of(pos)}: {_json_path(here)}: duplicate key {key!r} "
                        f"(first on line {lines[here]}); keep only one"
                    )
                lines[here] = line_of(pos)
                pos = skip(end) + 1  # the ':'
                pos = skip(walk(pos, here))
                if text[pos] == ",":
                    pos = skip(pos + 1)
            return pos + 1
        if char == "[":
            pos = skip(pos + 1)
            index = 0
            while text[pos] != "]":
                pos = skip(walk(pos, prefix + (index,)))
                index += 1
                if text[pos] == ",":
                    pos = skip(pos + 1)
            return pos + 1
        _, end = decoder.raw_decode(text, pos)
        return end

    walk(0, ())
    return data, functools.partial(_lookup, lines)


# TOML ---------------------------------------------------------------------------------

_TOML_KEY = r"""\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*"""  # compiled on first use


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = match.group(1) if match else "1"
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "cannot parse"
        raise InputError(f"{_display(path)}:{line}: invalid TOML: {problem}; fix the syntax") from None
    except ValueError:  # int() refuses more than 4,300 digits
        raise _long_number(text, path, "TOML") from None
    except RecursionError:
        raise InputError(f"{_display(path)}: values are nested too deeply to read; a config needs a few levels at most") from None


def _long_number(text: str, path: Path, syntax: str) -> InputError:
    """The error for an integer too long to read (Python's int() stops at 4,300 digits)."""
    found = re.search(r"\d{4301,}", text)
    line = text.count("\n", 0, found.start()) + 1 if found else 1
    digits = f"{len(found.group()):,} digits" if found else "too many digits"
    return InputError(f"{_display(path)}:{line}: invalid {syntax}: an integer of {digits} cannot be read; "
                      "write a number of a few digits")


def _load_pyproject(text: str, path: Path) -> tuple[Any, Locator]:
    document = _parse_toml(text, path)
    tool = document.get("tool")
    if not isinstance(tool, dict) or "imagepolicy" not in tool:
        raise InputError(
            f"{_display(path)}: no [tool.imagepolicy] table; add one (e.g. `[tool.imagepolicy]` then "
            "`version = 1`) or point --config at another file"
        )
    lines = _toml_lines(text)
    prefix = ("tool", "imagepolicy")
    return tool["imagepolicy"], lambda parts: _lookup(lines, prefix + tuple(parts))


def _toml_key(text: str) -> tuple[tuple[str, ...], str] | None:
    """Parse a dotted TOML key at the start of ``text``: (parts, rest) or None."""
    parts: list[str] = []
    pos = 0
    while True:
        match = re.compile(_TOML_KEY).match(text, pos)
        if not match:
            return None
        bare, basic, literal = match.groups()
        parts.append(bare if bare is not None else literal if literal is not None else json.loads(f'"{basic}"'))
        pos = match.end()
        if pos < len(text) and text[pos] == ".":
            pos += 1
            continue
        return tuple(parts), text[pos:]


def _toml_lines(text: str) -> dict[Path_, int]:
    """Lines of TOML table headers and ``key =`` lines, by absolute key path.

    A light scanner (tomllib has already checked the syntax): values spread over
    several lines (arrays, multi-line strings) are located at their key's line.
    """
    lines: dict[Path_, int] = {(): 1}
    table: Path_ = ()
    counters: dict[Path_, int] = {}
    open_string: str | None = None
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if open_string:
            if open_string in stripped:
                open_string = None
            continue
        if depth > 0:
            depth += _bracket_balance(stripped)
            continue
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("["):
            array = stripped.startswith("[[")
            parsed = _toml_key(stripped[2 if array else 1 :])
            if not parsed:
                continue
            table = parsed[0]
            if array:
                counters[table] = counters.get(table, -1) + 1
                table = table + (counters[table],)
            for n in range(1, len(table) + 1):
                lines.setdefault(table[:n], number)
            continue
        parsed = _toml_key(stripped)
        if not parsed or not parsed[1].startswith("="):
            continue
        full = table + parsed[0]
        for n in range(len(table) + 1, len(full) + 1):
            lines.setdefault(full[:n], number)
        value = parsed[1][1:].strip()
        for quote in ('"""', "'''"):
            if value.startswith(quote) and value.count(quote) == 1:
                open_string = quote
        if value.startswith(("[", "{")):
            depth = max(_bracket_balance(value), 0)
    return lines


def _bracket_balance(text: str) -> int:
    """Opening minus closing brackets outside strings and comments (approximate)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", text).split("#", 1)[0]
    return text.count("[") + text.count("{") - text.count("]") - text.count("}")


# --- plugins key -----------------------------------------------------------------------

_MODULE_RE = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"  # compiled on first use


def plugin_modules(raw: RawConfig | None) -> list[str]:
    """The config's ``plugins`` list, checked before full validation (plugins add rules)."""
    if raw is None or "plugins" not in raw.data:
        return []
    value = raw.data["plugins"]
    source = _Source.of(raw)
    if not isinstance(value, list):
        raise source.error(("plugins",), f"must be a list, not {_kind(value)}; {_HINTS['plugins']}")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not re.match(_MODULE_RE, item):
            shown = repr(item) if isinstance(item, str) else _kind(item)
            raise source.error(
                ("plugins", i),
                f"{shown} is not an importable module path (dotted Python names); {_HINTS['plugins']}",
            )
    return list(value)


# --- schema ----------------------------------------------------------------------------


def core_schema() -> dict[str, Any]:
    """The hand-written core schema shipped as ``imagepolicy/schemas/config.schema.json``."""
    from importlib import resources

    text = resources.files("imagepolicy.schemas").joinpath("config.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def build_schema(rules: Sequence[Rule], presets: Iterable[str], settings: Iterable[Settings] = ()) -> dict[str, Any]:
    """The full config schema: the core schema plus every rule's options and plugin settings.

    ``rules`` gets one property per rule code, name and alias (all pointing at the
    rule's definition in ``$defs``), a pattern property per rule family, and rejects
    other keys; ``extends`` accepts the given preset names (plus the core presets);
    ``settings`` gets one object per plugin section, rejecting unknown keys, and each
    option's old places (``moved_from``) are accepted, marked ``deprecated``.
    The result is deterministic (sorted) so it can be committed.
    """
    schema = core_schema()
    defs = schema["$defs"]
    defs["preset"] = {"type": "string", "enum": sorted(set(presets) | set(CORE_PRESETS))}
    properties: dict[str, Any] = {}
    patterns: dict[str, Any] = {}
    exact = sorted({k for r in rules for k in (r.code, r.name, *r.aliases)})
    for r in sorted(rules, key=lambda r: r.code):
        def_name = f"rule-{r.code}"
        defs[def_name] = _rule_setting_schema(r)
        ref = {"$ref": f"#/$defs/{def_name}"}
        for key in (r.code, r.name, *r.aliases):
            properties.setdefault(key, ref)
        if r.code_pattern:
            patterns[_family_regex(r.code_pattern, exact)] = ref
    rules_schema = schema["properties"]["rules"]
    rules_schema.pop("additionalProperties", None)
    rules_schema["properties"] = dict(sorted(properties.items()))
    if patterns:
        rules_schema["patternProperties"] = dict(sorted(patterns.items()))
    rules_schema["additionalProperties"] = False
    code_item = schema["properties"]["ignore"]["items"]["properties"]["rules"]["items"]
    choices: list[dict[str, Any]] = [{"enum": exact}] if exact else []
    choices += [{"pattern": p} for p in sorted(patterns)]
    if choices:
        code_item["anyOf"] = choices
    defs.pop("rule-setting", None)
    _add_settings(schema, _RuleIndex(rules), settings)
    schema["$defs"] = dict(sorted(defs.items()))
    return schema


def render_schema(rules: Sequence[Rule], presets: Iterable[str], settings: Iterable[Settings] = ()) -> str:
    """:func:`build_schema` as committed text: sorted keys, 2-space indent, final newline."""
    return json.dumps(build_schema(rules, presets, settings), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _add_settings(schema: dict[str, Any], index: _RuleIndex, settings: Iterable[Settings]) -> None:
    """One ``settings`` object per section, and the deprecated old places of moved options."""
    sections = schema["properties"]["settings"].setdefault("properties", {})
    for section in sorted(settings, key=lambda s: s.section):
        sections[section.section] = {
            "description": section.description,
            "type": "object",
            "additionalProperties": False,
            "properties": {o.name: copy.deepcopy(o.json_schema()) for o in sorted(section.options, key=lambda o: o.name)},
        }
        for option in section.options:
            for old in option.moved_from:
                moved = {
                    **copy.deepcopy(dict(option.schema)),
                    "deprecated": True,
                    "description": f"Deprecated: write settings.{section.section}.{option.name} ({option.description})",
                }
                parts = old.split(".")
                if len(parts) == 1:
                    schema["properties"].setdefault(parts[0], moved)
                    continue
                found = index.find(parts[1])
                if found is None:
                    continue  # the rule's plugin is not loaded: nothing to accept there
                branch = schema["$defs"][f"rule-{found[0].code}"]["anyOf"][1]
                branch["properties"].setdefault(parts[2], moved)
                branch["properties"] = dict(sorted(branch["properties"].items()))


def _family_regex(pattern: str, exclude: Sequence[str]) -> str:
    """An anchored regex for a family's codes, leaving out keys that name a rule exactly."""
    taken = [re.escape(k) for k in exclude if re.fullmatch(pattern, k)]
    guard = f"(?!(?:{'|'.join(taken)})$)" if taken else ""
    return f"^{guard}(?:{pattern})$"


def _rule_setting_schema(rule: Rule) -> dict[str, Any]:
    """Setting of one rule: a severity, ``off``, or {severity?, <options>}."""
    options = dict((rule.options or {}).get("properties", {}))
    props = {"severity": {"$ref": "#/$defs/severity-or-off"}}
    props.update({k: copy.deepcopy(v) for k, v in sorted(options.items()) if k != "severity"})
    described = f"{rule.code} ({rule.name}): {rule.summary}"
    return {
        "description": described,
        "anyOf": [
            {"$ref": "#/$defs/severity-or-off"},
            {"type": "object", "properties": props, "additionalProperties": False},
        ],
    }


# --- resolution -------------------------------------------------------------------------


@record(frozen=True)
class _Source:
    """Where a config fragment came from, to prefix error messages."""

    label: str
    locate: Locator | None = None
    is_file: bool = False

    @classmethod
    def of(cls, raw: RawConfig) -> _Source:
        return cls(raw.label, raw.locate, True)

    def line(self, parts: Path_) -> int | None:
        return self.locate(tuple(parts)) if self.locate else None

    def where(self, parts: Path_) -> str:
        line = self.line(parts)
        return f"{self.label}:{line}" if line is not None else self.label

    def error(self, parts: Path_, message: str) -> InputError:
        return InputError(f"{self.where(parts)}: {_json_path(parts)}: {message}")


class _RuleIndex:
    """Finds rules by code, name, alias or family pattern."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self.exact: dict[str, Rule] = {}
        for r in self.rules:
            for key in (r.code, r.name, *r.aliases):
                self.exact.setdefault(key, r)
        self.families = [r for r in self.rules if r.code_pattern]

    def find(self, key: Any) -> tuple[Rule, str] | None:
        """(rule, canonical key) for ``key``: the rule's code, or a family's concrete code."""
        if not isinstance(key, str):
            return None
        if key in self.exact:
            return self.exact[key], self.exact[key].code
        for r in self.families:
            if re.fullmatch(r.code_pattern or "", key):
                return r, key
        return None

    def unknown(self, key: Any) -> str:
        """The message for an unknown rule key, with a suggestion."""
        text = str(key)
        hint = ""
        by_case = {k.lower(): k for k in self.exact}
        if text.lower() in by_case:
            hint = f"did you mean {by_case[text.lower()]!r}?"
        else:
            close = _close_matches(text, list(self.exact), n=1, cutoff=0.6)
            families = [r for r in self.families if text.upper().startswith(r.code) and text[len(r.code) :].isdigit()]
            if families:
                fam = families[0]
                hint = f"codes of {fam.code} ({fam.name}) must match {fam.code_pattern}"
            elif close:
                hint = f"did you mean {close[0]!r}?"
        help_ = "run `imagepolicy rules` to list the rules, or add the plugin that provides it to `plugins`"
        return f"unknown rule code {text!r}; " + (f"{hint} ({help_})" if hint else help_)


def resolve(
    raw: RawConfig | None,
    rules: Sequence[Rule],
    presets: Mapping[str, Mapping[str, Any]],
    overrides: Mapping[str, Any] | None = None,
    settings: Iterable[Settings] = (),
) -> Config:
    """Validate the config and apply presets and command-line overrides.

    :param raw: the loaded file, or None to run with defaults.
    :param rules: every rule the loaded plugins declare.
    :param presets: presets declared by plugins (name -> fragment); the core presets
        ``recommended`` and ``strict`` are always available.
    :param overrides: command-line values by config key (``{"failure-threshold": "none"}``);
        None values are skipped.
    :param settings: the settings sections the loaded plugins declare.
    :raises InputError: on the first problem, naming file, line, key and the fix.
    """
    index = _RuleIndex(rules)
    all_presets = _all_presets(presets)
    sections = {s.section: s for s in settings}
    # Built on first use: a run without a config file never imports jsonschema, nor one whose
    # config was found valid before (see _Remembering).
    validator = _Remembering(lambda: build_schema(rules, all_presets, sections.values()))
    data = raw.data if raw else {}
    source = _Source.of(raw) if raw else _Source("(no config)")
    _validate(data, source, index, all_presets, validator)
    extends = _as_list(data.get("extends", []))
    fragments = []
    for name in extends:
        preset_source = _Source(f"preset {name!r}")
        fragment = all_presets[name]
        _validate_preset(fragment, preset_source, index, all_presets, validator)
        fragments.append(_canonical(_moved(fragment, preset_source, index, sections), index, preset_source))
    fragments.append(_canonical(_moved(data, source, index, sections), index, source))
    cli = {k: v for k, v in (overrides or {}).items() if v is not None}
    if cli:
        cli_source = _Source("command line")
        unknown = sorted(set(cli) - {"failure-threshold", "ignore", "rules", "settings"})
        if unknown:
            raise ValueError(f"resolve(): unsupported override keys {unknown}")
        _validate(cli, cli_source, index, all_presets, validator)
        fragments.append(_canonical(_moved(cli, cli_source, index, sections), index, cli_source))
    merged: dict[str, Any] = {}
    for fragment in fragments:
        merged = _merge(merged, fragment)
    return _build(raw.path if raw else None, merged, index, extends, sections)


def _moved(fragment: Mapping[str, Any], source: _Source, index: _RuleIndex, sections: Mapping[str, Settings]) -> dict[str, Any]:
    """``fragment`` with each option's old places (``moved_from``) moved under ``settings``, noting each once.

    The fragment is already validated (the schema accepts the old places, marked deprecated).
    """
    result = copy.deepcopy(dict(fragment))
    for section in sections.values():
        for option in section.options:
            for old in option.moved_from:
                for where, value in _take(result, old, index):
                    new = f"settings.{section.section}.{option.name}"
                    target = result.setdefault("settings", {}).setdefault(section.section, {})
                    if option.name in target:
                        raise source.error(where, f"is set here and as {new}; keep only {new}")
                    target[option.name] = value
                    from .notes import note_once

                    note_once(f"{source.where(where)}: {_json_path(where)} is deprecated; write it as {new} (it still works)")
    return result


def _take(fragment: dict[str, Any], old: str, index: _RuleIndex) -> list[tuple[Path_, Any]]:
    """Remove the value at the old place ``old`` (``key`` or ``rules.CODE.option``); ``[(path as written, value)]``."""
    parts = old.split(".")
    if len(parts) == 1:
        return [((parts[0],), fragment.pop(parts[0]))] if parts[0] in fragment else []
    wanted = index.find(parts[1])
    rules = fragment.get("rules")
    if wanted is None or not isinstance(rules, dict):
        return []
    taken = []
    for key, setting in rules.items():
        found = index.find(key)
        if found is not None and found[0] is wanted[0] and isinstance(setting, dict) and parts[2] in setting:
            taken.append((("rules", key, parts[2]), setting.pop(parts[2])))
    return taken


def _all_presets(presets: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    result = {name: dict(frag) for name, frag in CORE_PRESETS.items()}
    for name, fragment in sorted(presets.items()):
        if name in CORE_PRESETS and dict(fragment) != CORE_PRESETS[name]:
            raise InputError(
                f"preset {name!r} is built into imagepolicy and cannot be redefined by a plugin; "
                "give the plugin's preset another name"
            )
        result[name] = copy.deepcopy(dict(fragment))
    return result


class _Remembering:
    """Schema validation that remembers, in the cache, data it found valid.

    jsonschema costs about 50 ms to import, more than the rest of a one-file run:
    a config (or command-line value) that passed against the very same schema
    before passes again without it. Only "valid" is remembered; the key holds the
    whole schema (every rule's and plugin's part) and the data.
    """

    def __init__(self, make_schema: Callable[[], dict[str, Any]]) -> None:
        self._make_schema = make_schema
        self._schema: dict[str, Any] | None = None
        self._validator: Any = None

    def iter_errors(self, data: Any) -> Iterable[ValidationError]:
        from . import cache

        if self._schema is None:
            self._schema = self._make_schema()
        store, key = cache.current(), None
        if store is not None:
            try:
                key = cache.digest(["config", cache.FORMAT, self._schema, data])
            except (TypeError, ValueError):  # a value JSON cannot hold: validate every time
                key = None
            if key is not None and store.get("verdict", key) is True:
                return []
        if self._validator is None:
            self._validator = _validator(self._schema)
        errors = list(self._validator.iter_errors(data))
        if not errors and key is not None and store is not None:
            store.put("verdict", key, True)
        return errors


def _validator(schema: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema)


def _validate_preset(
    fragment: Mapping[str, Any], source: _Source, index: _RuleIndex, presets: Mapping[str, Any], validator: Any
) -> None:
    for key in ("version", "extends", "plugins"):
        if key in fragment:
            raise source.error((key,), f"a preset cannot set {key!r}; fix the plugin that declares this preset")
    _validate(dict(fragment), source, index, presets, validator)


def _validate(
    data: Any, source: _Source, index: _RuleIndex, presets: Mapping[str, Any], validator: Any
) -> None:
    """Raise the most relevant problem of ``data``: the earliest by line."""
    if not isinstance(data, dict):
        raise source.error((), f"must be a mapping of config keys, not {_kind(data)}")
    if not data:
        return
    problems = list(_own_problems(data, index, presets)) + _schema_problems(data, validator, index)
    if not problems:
        return
    ranked = sorted(enumerate(problems), key=lambda item: (source.line(item[1][0]) or sys.maxsize, item[0]))
    raise source.error(*ranked[0][1])


def _own_problems(
    data: dict[str, Any], index: _RuleIndex, presets: Mapping[str, Any]
) -> Iterable[tuple[Path_, str]]:
    """Unknown rule codes and presets (with suggestions), and rules configured twice."""
    rules = data.get("rules")
    if isinstance(rules, dict):
        seen: dict[str, Any] = {}
        for key in rules:
            found = index.find(key)
            if not found:
                yield ("rules", key), index.unknown(key)
            elif found[1] in seen:
                yield ("rules", key), (
                    f"configures {found[1]} again (already as {seen[found[1]]!r}); keep one of the two keys"
                )
            else:
                seen[found[1]] = key
    ignore = data.get("ignore")
    if isinstance(ignore, list):
        for i, entry in enumerate(ignore):
            codes = entry.get("rules") if isinstance(entry, dict) else None
            if isinstance(codes, list):
                for j, code in enumerate(codes):
                    if isinstance(code, str) and code and not index.find(code):
                        yield ("ignore", i, "rules", j), index.unknown(code)
            globs = entry.get("paths") if isinstance(entry, dict) else None
            if isinstance(globs, list):
                for j, glob in enumerate(globs):
                    problem = _glob_problem(glob) if isinstance(glob, str) else None
                    if problem:
                        yield ("ignore", i, "paths", j), f"invalid glob {glob!r}: {problem}"
    extends = data.get("extends")
    names = [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []
    for i, name in enumerate(names):
        if isinstance(name, str) and name not in presets:
            parts: Path_ = ("extends",) if isinstance(extends, str) else ("extends", i)
            close = _close_matches(name, list(presets), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "available: " + ", ".join(sorted(presets))
            yield parts, f"unknown preset {name!r}; {hint}"


def _schema_problems(data: Any, validator: Any, index: _RuleIndex) -> list[tuple[Path_, str]]:
    """Every schema error in plain words, most relevant first."""
    errors = list(validator.iter_errors(data))
    if not errors:
        return []
    from jsonschema.exceptions import relevance

    errors.sort(key=relevance, reverse=True)
    return [_translate(e, index) for e in errors]


def _descend(error: ValidationError) -> ValidationError:
    """Pick, inside anyOf/oneOf, the branch that matches the value's type."""
    from jsonschema.exceptions import relevance

    while error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [errs for errs in branches.values() if not any(_type_mismatch(e) for e in errs)]
        if len(fitting) != 1:
            return error
        error = max(fitting[0], key=relevance)
    return error


def _type_mismatch(error: ValidationError) -> bool:
    """True when ``error`` says the value has the wrong type at the branch's own level."""
    if error.relative_path:
        return False
    if error.validator == "type":
        return True
    if error.validator in ("anyOf", "oneOf"):
        return all(_type_mismatch(e) for e in error.context)
    if error.validator in ("enum", "const"):
        allowed = _listed(error.validator_value) if error.validator == "enum" else [error.validator_value]
        return not any(_same_kind(error.instance, v) for v in allowed)
    return False


def _same_kind(a: Any, b: Any) -> bool:
    return _kind(a) == _kind(b)


def _translate(error: ValidationError, index: _RuleIndex) -> tuple[Path_, str]:
    """Turn a jsonschema error into (json path parts, plain message with a hint)."""
    error = _descend(error)
    parts: Path_ = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    hint = _hint(parts, index)
    if kind in ("additionalProperties", "unevaluatedProperties"):
        extra = _extra_keys(error)
        key = extra[0] if extra else "?"
        parts = parts + (key,)
        return parts, _unknown_key_message(parts, key, error, index)
    if kind == "enum":
        allowed = [str(v) for v in _listed(error.validator_value)]
        msg = f"must be one of {', '.join(allowed)}, not {_show(value)}"
        if isinstance(value, str):
            close = _close_matches(value.lower(), allowed, n=1)
            if close:
                return parts, f"{msg}; did you mean {close[0]!r}?"
        return parts, _with(msg, hint)
    if kind == "const":
        return parts, _with(f"must be {json.dumps(error.validator_value)}, not {_show(value)}", hint)
    if kind == "type" or (kind in ("anyOf", "oneOf") and all(_type_mismatch(e) for e in error.context)):
        expected = _expected_types(error)
        return parts, _with(f"must be {expected}, not {_kind(value)}", hint)
    if kind == "pattern":
        return parts, _with(f"{_show(value)} does not match {error.validator_value}", hint)
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                 "exclusiveMaximum": "less than"}[kind]
        return parts, _with(f"must be {words} {error.validator_value}, not {_show(value)}", hint)
    if kind == "minProperties":
        what = "must name `paths`, `rules` or both" if parts[:1] == ("ignore",) else "must not be empty"
        return parts, _with(what, hint)
    if kind == "minItems":
        return parts, _with("must not be an empty list (leave the key out instead)", hint)
    if kind == "minLength":
        return parts, _with("must not be an empty string", hint)
    return parts, _with(error.message, hint)


def _hint(parts: Path_, index: _RuleIndex) -> str | None:
    """What to do about a problem at ``parts``: a per-key hint, or the rule's explain page."""
    if len(parts) >= 3 and parts[0] == "rules" and parts[2] != "severity":
        found = index.find(parts[1])
        code = found[0].code if found else parts[1]
        return f"see `imagepolicy explain {code}` for its options"
    if len(parts) >= 3 and parts[0] == "rules":
        return None
    return _HINTS.get(str(parts[0])) if parts else None


def _unknown_key_message(parts: Path_, key: Any, error: ValidationError, index: _RuleIndex) -> str:
    # Old places of moved settings are accepted but not offered.
    allowed = sorted(k for k, v in _keywords(error).get("properties", {}).items() if not (isinstance(v, dict) and v.get("deprecated")))
    if len(parts) == 2 and parts[0] == "rules":
        return index.unknown(key)
    if len(parts) == 2 and parts[0] == "settings":
        close = _close_matches(str(key), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else (
            f"sections: {', '.join(allowed)}" if allowed else "no loaded plugin declares settings"
        )
        return f"unknown settings section {key!r}; {hint} (a section belongs to a plugin: add it to `plugins` if it is missing)"
    if len(parts) == 3 and parts[0] == "settings":
        close = _close_matches(str(key), allowed, n=1)
        if close:
            return f"unknown setting {key!r} of section {parts[1]}; did you mean {close[0]!r}?"
        return f"unknown setting {key!r} of section {parts[1]}; its settings are: {', '.join(allowed)}"
    if len(parts) == 3 and parts[0] == "rules":
        found = index.find(parts[1])
        name = f"{found[0].code} ({found[0].name})" if found else str(parts[1])
        options = [k for k in allowed if k != "severity"]
        close = _close_matches(str(key), options, n=1)
        if close:
            return f"unknown option {key!r} for rule {name}; did you mean {close[0]!r}?"
        if options:
            return f"unknown option {key!r} for rule {name}; its options are: severity, {', '.join(options)}"
        return f"unknown option {key!r} for rule {name}; it takes no options, only `severity`"
    close = _close_matches(str(key), allowed, n=1)
    what = f"unknown key {key!r}"
    if close:
        return f"{what}; did you mean {close[0]!r}?"
    return f"{what}; allowed keys: {', '.join(allowed)}"


def _keywords(error: ValidationError) -> Mapping[str, Any]:
    """The keywords of the schema ``error`` failed (none for a boolean schema)."""
    return error.schema if isinstance(error.schema, Mapping) else {}


def _listed(value: object) -> list[Any]:
    """A keyword's value as a list: ``enum`` holds one, ``type`` one name or a list of names."""
    return list(value) if isinstance(value, list) else [value]


def _extra_keys(error: ValidationError) -> list[Any]:
    """Keys of the instance that neither ``properties`` nor ``patternProperties`` allow."""
    schema = _keywords(error)
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [
        k
        for k in (error.instance if isinstance(error.instance, Mapping) else {})
        if k not in known and not any(isinstance(k, str) and re.search(p, k) for p in patterns)
    ]


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _expected_types(error: ValidationError) -> str:
    """Words for the types an error (or every branch of an anyOf) expected."""
    found: list[str] = []

    def collect(e: ValidationError) -> None:
        if e.validator == "type":
            found.extend(_TYPE_WORDS.get(t, t) for t in _listed(e.validator_value))
        elif e.validator == "enum":
            found.append("one of (" + ", ".join(str(v) for v in _listed(e.validator_value)) + ")")
        elif e.validator == "const":
            found.append(json.dumps(e.validator_value))
        elif e.validator in ("anyOf", "oneOf"):
            for sub in e.context:
                if not sub.relative_path:
                    collect(sub)

    collect(error)
    unique = list(dict.fromkeys(found))
    return " or ".join(unique) if unique else "of another type"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty (null)"
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value)
    return _kind(value)


def _with(message: str, hint: str | None) -> str:
    return f"{message}; {hint}" if hint else message


def _json_path(parts: Path_) -> str:
    """``("ignore", 0, "paths")`` -> ``ignore[0].paths``; ``()`` -> ``(top level)``."""
    text = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            shown = str(part)
            if not re.fullmatch(r"[A-Za-z0-9_$-]+", shown):
                shown = json.dumps(shown)
            text += f".{shown}" if text else shown
    return text or "(top level)"


def _display(path: Path) -> str:
    """``path`` relative to the cwd when it is below it, else as given."""
    try:
        absolute = Path(os.path.abspath(path))
        return absolute.relative_to(Path.cwd()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# --- merging and building --------------------------------------------------------------


def _canonical(fragment: Mapping[str, Any], index: _RuleIndex, source: _Source) -> dict[str, Any]:
    """A validated fragment with rule keys as canonical codes and settings as mappings."""
    result = copy.deepcopy(dict(fragment))
    result.pop("$schema", None)
    if "rules" in result:
        rules: dict[str, dict[str, Any]] = {}
        for key, value in result["rules"].items():
            found = index.find(key)
            assert found is not None  # checked by _validate
            rules[found[1]] = {"severity": value} if isinstance(value, str) else dict(value)
        result["rules"] = rules
    for i, entry in enumerate(result.get("ignore", [])):
        if "rules" in entry:
            codes = []
            for code in entry["rules"]:
                found = index.find(code)
                assert found is not None
                codes.append(found[1])
            result["ignore"][i] = {**entry, "rules": codes}
    return result


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``: rules per code, lists concatenated, scalars replaced."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if key == "rules":
            rules = merged.setdefault("rules", {})
            for code, setting in value.items():
                rules[code] = {**rules.get(code, {}), **setting}
        elif key == "ignore" and key in merged:
            combined = merged[key] + [v for v in value if v not in merged[key]]
            merged[key] = combined
        elif key == "settings":
            sections = merged.setdefault("settings", {})
            for name, options in value.items():
                section = sections.setdefault(name, {})
                for option, setting in options.items():
                    before = section.get(option)
                    if isinstance(before, list) and isinstance(setting, list):
                        section[option] = before + [v for v in setting if v not in before]
                    else:
                        section[option] = copy.deepcopy(setting)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _setting(rule: Rule, *layers: Mapping[str, Any], named: bool = False) -> RuleSetting:
    """A RuleSetting from the rule's defaults and raw setting mappings (later wins)."""
    combined: dict[str, Any] = {}
    for layer in layers:
        combined.update(layer)
    # A rule that is off by default runs once the config names it at all (even as `{}`).
    severity = combined.pop("severity", None)
    options = {**rule.default_options(), **combined}
    if severity == OFF:
        return RuleSetting(False, None, options)
    return RuleSetting(rule.default_enabled or named, Severity.parse(severity) if severity else None, options)


def _build(path: Path | None, merged: dict[str, Any], index: _RuleIndex, extends: list[str],
           sections: Mapping[str, Settings]) -> Config:
    raw_rules: dict[str, dict[str, Any]] = merged.get("rules", {})
    settings: dict[str, RuleSetting] = {}
    for r in sorted(index.rules, key=lambda r: r.code):
        settings[r.code] = _setting(r, raw_rules.get(r.code, {}), named=r.code in raw_rules)
    for key in sorted(raw_rules):
        if key in settings:
            continue
        found = index.find(key)
        assert found is not None and found[0].code_pattern
        family = found[0]
        settings[key] = _setting(family, raw_rules.get(family.code, {}), raw_rules[key], named=True)
    threshold = merged.get("failure-threshold", Severity.ERROR.label)
    return Config(
        path=path,
        failure_threshold=None if threshold == NO_THRESHOLD else Severity.parse(threshold),
        rules=settings,
        ignore=tuple(
            IgnoreEntry(paths=tuple(e.get("paths", ())), rules=tuple(e.get("rules", ())))
            for e in merged.get("ignore", [])
        ),
        plugins=tuple(merged.get("plugins", ())),
        extends=tuple(extends),
        data=merged,
        known_rules=tuple(index.rules),
        settings={
            name: {**section.defaults(), **copy.deepcopy(merged.get("settings", {}).get(name, {}))}
            for name, section in sorted(sections.items())
        },
    )


# --- globs -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile an ignore glob (Docker's glob rules, see :mod:`imagepolicy.globs`); it also covers what is below a match."""
    from imagepolicy.globs import glob_to_regex

    return re.compile(glob_to_regex(pattern) + "(?:/.*)?", re.DOTALL)  # linear time: see imagepolicy.globs


def _glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used as an ignore glob, or None."""
    from imagepolicy.globs import GlobError
    from imagepolicy.limits import LimitExceeded

    try:
        _glob_regex(_glob_pattern(pattern))
    except GlobError as exc:
        return str(exc)
    except LimitExceeded as exc:
        return str(exc).split(": ", 1)[-1]
    return None


def _glob_pattern(pattern: str) -> str:
    """The glob as matched: ``./`` and ``/`` stripped, a bare name made ``**/name``."""
    pattern = _strip_dot(pattern.rstrip("/")) if pattern not in ("/", "./") else "**"
    return pattern if "/" in pattern else "**/" + pattern


def glob_match(pattern: str, path: str) -> bool:
    """True when the POSIX relative ``path`` matches the ignore glob ``pattern``.

    A pattern without ``/`` matches the file name at any depth; a pattern that matches
    a folder matches everything below it.
    """
    return _glob_regex(_glob_pattern(pattern)).fullmatch(_strip_dot(path)) is not None


def _strip_dot(text: str) -> str:
    while text.startswith("./"):
        text = text[2:]
    return text.lstrip("/")
