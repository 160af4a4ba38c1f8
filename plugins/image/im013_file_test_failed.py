"""A file-existence expectation declared in the config does not hold.

## What it does
Checks the files listed in this rule's `files` option against the final
filesystem, statically (the image is never run): whether each path exists
(symlinks followed), and when given its type, permissions, owner UID/GID and
who may execute it. It is container-structure-test's `fileExistenceTests`
without a container runtime.

Mapping from container-structure-test's YAML:

| container-structure-test | imagepolicy (`rules: {IM013: {files: [...]}}`) |
|---|---|
| `name` | `name` (optional, shown in messages) |
| `path` | `path` |
| `shouldExist` | `exists` (default `true`) |
| `permissions: "-rwxr-xr-x"` | `permissions` (Go `FileMode` style such as `urwxr-xr-x`, or `ls` style `-rwsr-xr-x`) |
| `uid`, `gid` | `uid`, `gid` |
| `isExecutableBy: owner/group/other/any` | `executable-by` |
| - | `type`: `file`, `dir` or `symlink` (checked without following the last link) |

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
a file that is there but should not be, or has the wrong mode or owner, is reported on the
line of the instruction that wrote it.

## Why is this bad?
A release image missing its entrypoint script, shipping a config file world
writable, or still holding a file that should have been removed fails in
production; declaring the expectation makes the pre-merge check catch it.

## Example
```dockerfile
FROM python:3.12-slim
COPY run.sh /app/run.sh
```
with `rules: {IM013: {files: [{path: /app/run.sh, permissions: "-rwxr-xr-x"}]}}`
(`COPY` keeps the context file's mode `-rw-r--r--`).

## Use instead
```dockerfile
FROM python:3.12-slim
COPY --chmod=755 run.sh /app/run.sh
```

## Options
- `files` (list, default `[]`): the expectations, keys as in the table above.

## References
- [container-structure-test: file existence tests](https://github.com/GoogleContainerTools/container-structure-test#file-existence-tests)
"""

from __future__ import annotations

import stat
from typing import Iterator

from imagepolicy.layermap import span_for
from imagepolicy.model import RuleContext, Violation, rule

_TYPE_BITS = {"file": stat.S_IFREG, "hardlink": stat.S_IFREG, "dir": stat.S_IFDIR, "symlink": stat.S_IFLNK, "char": stat.S_IFCHR, "block": stat.S_IFBLK, "fifo": stat.S_IFIFO}
_EXEC_BITS = {"owner": 0o100, "group": 0o010, "other": 0o001}


@rule(
    "IM013",
    "file-test-failed",
    "error",
    "image",
    "A file-existence expectation from the config (path, type, permissions, owner) does not hold.",
    aliases=("fileExistenceTests",),
    options={
        "type": "object",
        "properties": {
            "files": {
                "type": "array",
                "default": [],
                "description": "Expected files: {path, exists, type, permissions, uid, gid, executable-by, name}.",
                "items": {
                    "type": "object",
                    "required": ["path"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string"},
                        "path": {"type": "string", "pattern": "^/"},
                        "exists": {"type": "boolean"},
                        "type": {"enum": ["file", "dir", "symlink"]},
                        "permissions": {"type": "string", "pattern": "^[-a-zA-Z?]{1,12}[-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]$"},
                        "uid": {"type": "integer", "minimum": 0},
                        "gid": {"type": "integer", "minimum": 0},
                        "executable-by": {"enum": ["owner", "group", "other", "any"]},
                    },
                },
            },
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    for test in ctx.options.get("files", []):
        yield from _check_one(image, test, ctx.dockerfile)


def _check_one(image, test: dict, dockerfile) -> Iterator[Violation]:
    """Violations of one expectation; a file that is there points at the instruction that wrote it."""
    path = test["path"]
    label = f"{test['name']}: " if test.get("name") else ""
    want_type = test.get("type")
    entry = image.resolve(path, follow_symlinks=want_type != "symlink")
    line, end_line = span_for(image, dockerfile, entry.layer if entry is not None else None)
    if not test.get("exists", True):
        if entry is not None:
            yield Violation(f"{label}{path} exists ({entry.type}, added by layer {entry.layer}) but is expected to be absent", line=line, end_line=end_line,
                            fix=f"remove {path} in the RUN that creates it, or keep it out of the COPY", path_in_image=path)
        return
    if entry is None:
        yield Violation(f"{label}{path} is expected to exist but is not in the image", fix=f"add {path} to the image (COPY or RUN), or fix the expected path", path_in_image=path)
        return
    problems = []
    if want_type and entry.type.replace("hardlink", "file") != want_type:
        problems.append(f"type is {entry.type}, expected {want_type}")
    if "permissions" in test:
        found = permission_strings(entry)
        if test["permissions"] not in found:
            problems.append(f"permissions are {found[0]}, expected {test['permissions']}")
    for key in ("uid", "gid"):
        if key in test and getattr(entry, key) != test[key]:
            problems.append(f"{key} is {getattr(entry, key)}, expected {test[key]}")
    who = test.get("executable-by")
    if who:
        bits = 0o111 if who == "any" else _EXEC_BITS[who]
        if not entry.mode & bits:
            problems.append(f"it is not executable by {who} ({permission_strings(entry)[0]})")
    if problems:
        yield Violation(
            f"{label}{path}: " + "; ".join(problems),
            line=line,
            end_line=end_line,
            fix=f"set them in the Dockerfile (`COPY --chmod=... --chown=...`, or `RUN chmod/chown` in the RUN that creates {path}), or fix the expectation",
            path_in_image=path,
            details={"expected": {k: v for k, v in test.items() if k != "name"}, "found": {"type": entry.type, "mode": oct(entry.mode), "uid": entry.uid, "gid": entry.gid}},
        )


def permission_strings(entry) -> tuple[str, str]:
    """The mode as `ls` shows it (``-rwsr-xr-x``) and as Go's FileMode prints it (``urwxr-xr-x``)."""
    ls_style = stat.filemode(_TYPE_BITS.get(entry.type, 0) | entry.mode)
    prefix = "".join(c for c, on in (("d", entry.type == "dir"), ("L", entry.type == "symlink"), ("D", entry.type in ("char", "block")), ("p", entry.type == "fifo"), ("u", entry.is_setuid), ("g", entry.is_setgid), ("c", entry.type == "char"), ("t", bool(entry.mode & 0o1000))) if on)
    go_style = (prefix or "-") + stat.filemode(stat.S_IFREG | (entry.mode & 0o777))[1:]
    return ls_style, go_style
