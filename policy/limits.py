"""Explicit bounds on every input imagepolicy reads.

imagepolicy reads Dockerfiles, configs, ignore files and images that a pull
request controls, so nothing it does may be unbounded. Each bound is a named
:class:`Limit` declared here, in one table, with its default and what it caps;
the table of ``docs/limits.md`` is generated from :data:`LIMITS` (a test keeps it
fresh). Exceeding one raises :class:`LimitExceeded`, an input error that names
the limit, the file and how to raise it (``--limit NAME=VALUE``).

The values in force for a run are process-wide: the CLI calls :func:`configure`
once, before any target is read; code that enforces a bound reads it with
:func:`get` at the point of use. Tests use :func:`override`.
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Mapping

from .model import InputError
from .records import record


@record(frozen=True)
class Limit:
    """One bound: its kebab-case name, default value, unit and what it caps."""

    name: str
    default: int
    unit: str
    what: str


class LimitExceeded(InputError):
    """An input is larger or deeper than a limit allows (exit code 2)."""

    def __init__(self, name: str, where: str, found: str | None = None):
        limit = LIMITS[name]
        value = get(name)
        seen = f" ({found})" if found else ""
        super().__init__(
            f"{where}: exceeds the limit {name}={value} {limit.unit}{seen}: {limit.what}; "
            f"if the input is legitimate, raise it with --limit {name}=N"
        )
        self.limit = name


def _table(*limits: Limit) -> dict[str, Limit]:
    return {limit.name: limit for limit in limits}


MiB = 1024 * 1024

LIMITS: dict[str, Limit] = _table(
    Limit("config-bytes", 1 * MiB, "bytes", "size of a config file"),
    Limit("python-file-bytes", 2 * MiB, "bytes",
          "size of a Python project file (pyproject.toml, setup.py, setup.cfg, Pipfile, requirements or conda file) "
          "or Python source the Python rules read"),
    Limit("toml-nesting-depth", 100, "levels", "nesting of arrays and inline tables in a TOML file the Python rules read"),
    Limit("python-install-files", 200, "files", "requirements files one install reads, -r/-c includes counted"),
    Limit("import-graph-modules", 2000, "modules", "modules PY006 reads following imports from the command's entry module"),
    Limit("shellcheck-script-bytes", 64 * 1024, "bytes",
          "one RUN script given to ShellCheck; a larger one is not ShellChecked (a note says so, no finding)"),
    Limit("shellcheck-memory", 256 * MiB, "bytes",
          "address space of one ShellCheck process; a script that needs more is not ShellChecked (a note says so)"),
    Limit("shellcheck-seconds", 30, "seconds",
          "run time of one ShellCheck process; a script that takes longer is not ShellChecked (a note says so)"),
    Limit("dockerfile-bytes", 1 * MiB, "bytes", "size of a Dockerfile (the largest of 419 real ones is 20 KB)"),
    Limit("dockerfile-instructions", 10_000, "instructions", "instructions in one Dockerfile, heredoc and ONBUILD ones included"),
    Limit("dockerfile-variables", 2_500, "definitions", "ARG and ENV definitions in one Dockerfile (each instruction keeps the values in force)"),
    Limit("expansion-bytes", 1 * MiB, "characters", "characters variable expansion may produce for one Dockerfile (ARG/ENV values, ${V//a/b} results)"),
    Limit("expansion-depth", 64, "levels", "nesting of ${...} inside one word, e.g. ${a:-${b:-...}}"),
    Limit("stage-copy-paths", 10_000, "paths", "ways a stage reaches earlier stages through FROM <stage> and COPY --from, which the file timeline follows"),
    Limit("baseline-bytes", 64 * MiB, "bytes", "size of the baseline file `check --baseline` reads"),
    Limit("config-depth", 32, "levels", "nesting of lists and mappings in a config file"),
    Limit("config-values", 20_000, "values", "values in a config file, counting each use of a YAML alias in full"),
    Limit("glob-segment-double-stars", 4, "per pattern", "`**` inside a path segment (as in `a**b`) in one ignore glob"),
    Limit("ignore-file-bytes", 1 * MiB, "bytes", "size of a .dockerignore, .gitignore or .git/info/exclude file"),
    Limit("ignore-patterns", 2_000, "patterns", "patterns in one .dockerignore, .gitignore or .git/info/exclude file"),
    Limit("path-depth", 256, "folders", "depth of a folder below a build context or a searched folder"),
    # Image archives and OCI layouts (imagepolicy.image). The defaults keep one hostile image under
    # about 10 s and 500 MB on a 2-core machine; an image legitimately larger needs --limit.
    Limit("tar-header-bytes", 1 * MiB, "bytes", "one PAX extended header or GNU long name/link record in an image archive or layer tar (Go's archive/tar caps it alike)"),
    Limit("tar-path-bytes", 4096, "bytes", "one path or link target in an image archive or layer tar (Linux's PATH_MAX: longer ones cannot be unpacked)"),
    Limit("archive-members", 50_000, "members", "members of one image archive file (docker-archive, oci-archive)"),
    Limit("image-layers", 1000, "layers", "layers of one image"),
    Limit("image-entries", 500_000, "entries", "tar members (files, folders, links, whiteouts) read from all the layers of one image; each costs memory"),
    Limit("image-path-bytes", 128 * MiB, "bytes", "paths and link targets read from all the layers of one image, in total"),
    Limit("inflate-ratio", 100, "times the compressed size", "bytes inflated from compressed layers, per layer and per image, once more than 256 MiB are inflated (gzip, zstd, bzip2, xz bombs)"),
    Limit("json-bytes", 8 * MiB, "bytes", "one manifest, index, image config or manifest.json of an image"),
    Limit("image-json-bytes", 64 * MiB, "bytes", "JSON documents read to find one image in an archive or layout, in total"),
    Limit("index-depth", 8, "levels", "OCI image indexes nested in image indexes"),
    Limit("index-manifests", 10_000, "descriptors", "manifest descriptors visited in the image indexes of one archive or layout, in total"),
)

_values: dict[str, int] = {}


def get(name: str) -> int:
    """The value in force for limit ``name`` (its default unless configured)."""
    if name not in LIMITS:
        raise KeyError(f"unknown limit {name!r}")
    return _values.get(name, LIMITS[name].default)


def parse_assignment(text: str) -> tuple[str, int]:
    """``NAME=VALUE`` from the command line, checked; raises InputError naming the problem."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep:
        raise InputError(f"--limit {text!r}: expected NAME=VALUE, e.g. --limit dockerfile-bytes=4194304")
    if name not in LIMITS:
        known = ", ".join(sorted(LIMITS))
        raise InputError(f"--limit {text!r}: unknown limit {name!r}; known limits: {known}")
    value = value.strip().replace("_", "")
    if not value.isdigit() or len(value) > 18 or int(value) < 1:
        raise InputError(f"--limit {text!r}: the value must be a positive whole number (at most 18 digits)")
    return name, int(value)


def configure(values: Mapping[str, int]) -> None:
    """Set the values in force for this process (unknown names are a KeyError: check first)."""
    for name in values:
        if name not in LIMITS:
            raise KeyError(f"unknown limit {name!r}")
    _values.clear()
    _values.update(values)


@contextlib.contextmanager
def override(**values: int) -> Iterator[None]:
    """Tests: set limits (Python names, ``dockerfile_bytes=10``) for the duration of a block."""
    saved = dict(_values)
    try:
        configure({**saved, **{name.replace("_", "-"): value for name, value in values.items()}})
        yield
    finally:
        configure(saved)


def markdown_table() -> str:
    """The table of ``docs/limits.md``, generated from :data:`LIMITS`."""
    rows = ["| limit | default | caps |", "| --- | --- | --- |"]
    for limit in sorted(LIMITS.values(), key=lambda lim: lim.name):
        rows.append(f"| `{limit.name}` | {limit.default:,} {limit.unit} | {limit.what} |")
    return "\n".join(rows) + "\n"
