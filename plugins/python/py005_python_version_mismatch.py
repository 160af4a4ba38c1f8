"""Site-packages of a Python version that the image has no interpreter for.

## What it does
Finds every `lib/pythonX.Y/site-packages` (or `dist-packages`) folder that
holds installed distributions (`*.dist-info`, `*.egg-info`) and reports it
when no `pythonX.Y` executable in the image resolves to a file, or when it is
on the default interpreter's `sys.path` (through `PYTHONPATH` or a `.pth`
file) while that interpreter is another version.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the instruction that added the site-packages folder.

## Why is this bad?
Packages built for one Python version are dead weight under another: the
interpreter never looks in `lib/python3.12/site-packages` when it is 3.11,
and compiled extensions (`.cpython-312-x86_64-linux-gnu.so`) cannot load in
3.11 even when the folder is put on `sys.path`. This happens when a
multi-stage build installs into a builder image of one Python version and
copies site-packages or a venv into a final image of another.

## Example
```dockerfile
FROM python:3.12-slim AS builder
RUN pip install --no-cache-dir --prefix=/install requests

FROM python:3.11-slim
COPY --from=builder /install /usr/local
```

## Use instead
```dockerfile
FROM python:3.11-slim AS builder
RUN pip install --no-cache-dir --prefix=/install requests

FROM python:3.11-slim
COPY --from=builder /install /usr/local
```

## Options
- `ignore-paths` (list of glob patterns, default `[]`): site-packages folders
  to leave alone, e.g. `/opt/vendor/*/lib/python3.9/site-packages` for a tool
  that ships packages it never imports with the image's Python.

## References
- [Installing packages: the site-packages of each Python version](https://docs.python.org/3/library/site.html)
- [PEP 3149: ABI version tagged .so files](https://peps.python.org/pep-3149/)
"""

from __future__ import annotations

import fnmatch
import re
from typing import Iterator

from imagepolicy.layermap import layer_label, span_for
from imagepolicy.model import RuleContext, Violation, rule

from .runtime import interpreter_versions, load_runtime

_SITE_DIR = re.compile(r"/lib(?:64)?/python(\d+\.\d+)/(?:site|dist)-packages$")
_EXAMPLES = 3


@rule(
    "PY005",
    "python-version-mismatch",
    "error",
    "image",
    "Site-packages of a Python version with no matching interpreter in the image",
    options={
        "type": "object",
        "properties": {
            "ignore-paths": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "Glob patterns of site-packages folders to leave alone.",
            },
        },
        "additionalProperties": False,
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    ignored = list(ctx.options.get("ignore-paths") or [])
    site_dirs = {d: v for d, v in _site_dirs_with_distributions(image).items() if not any(fnmatch.fnmatchcase(d, g) for g in ignored)}
    if not site_dirs:
        return
    versions = interpreter_versions(image)
    runtime = load_runtime(image)
    interp = runtime.interpreter
    on_path = {e.path: e for e in runtime.sys_path}
    have = ", ".join(f"{v} ({paths[0]})" for v, paths in sorted(versions.items())) or "none"
    for folder, (version, dists) in sorted(site_dirs.items()):
        shown = ", ".join(dists[:_EXAMPLES]) + (f" and {len(dists) - _EXAMPLES} more" if len(dists) > _EXAMPLES else "")
        entry = on_path.get(folder)
        added = _added_by(image, folder)
        line, end_line = span_for(image, ctx.dockerfile, added)
        if version not in versions:
            yield Violation(
                message=(
                    f"{folder} holds packages for Python {version} ({shown}) but the image has no python{version} "
                    f"(interpreters found: {have}); added by {layer_label(image, added)}"
                ),
                line=line,
                end_line=end_line,
                path_in_image=folder,
                fix="Build and run with the same Python version: use a builder stage FROM the same base as the final stage, "
                "or install the packages in the final stage.",
                details={"version": version, "distributions": dists, "interpreters": sorted(versions)},
            )
        elif interp is not None and interp.version and entry is not None and entry.source not in ("site", "user-site") and version != interp.version:
            how = f"through {entry.origin}" if entry.origin else f"through {entry.source}"
            yield Violation(
                message=(
                    f"{folder} holds packages for Python {version} ({shown}) and is on the sys.path of "
                    f"{interp.path} (Python {interp.version}) {how}"
                ),
                line=line,
                end_line=end_line,
                path_in_image=folder,
                fix=f"Install the packages for Python {interp.version} instead of pointing it at Python {version}'s site-packages.",
                details={"version": version, "distributions": dists, "interpreter": interp.version},
            )


def _added_by(image, folder: str) -> int:
    """The layer that added ``folder`` as it is now (its last "added" event), where the packages were put."""
    entry = image.get(folder)
    added = [event.layer for event in entry.history if event.action == "added"]
    return added[-1] if added else entry.layer


def _site_dirs_with_distributions(image) -> dict[str, tuple[str, list[str]]]:
    """site/dist-packages folder -> (X.Y, distribution folder names), only real folders (not symlinks)."""
    found: dict[str, tuple[str, list[str]]] = {}
    for path, _ in image.files.select(("dir",), where=lambda p: p.endswith("-packages")):
        match = _SITE_DIR.search(path)
        if not match:
            continue
        dists = [n for n in image.listdir(path) if n.endswith((".dist-info", ".egg-info"))]
        if dists:
            found[path] = (match.group(1), dists)
    return found
