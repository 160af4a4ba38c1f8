"""A file-content expectation declared in the config does not hold.

## What it does
Reads the files listed in this rule's `files` option from the final
filesystem (one batched read, the image is never run) and checks that each
`expected` regex is found in the contents and no `excluded` regex is. It is
container-structure-test's `fileContentTests` without a container runtime.
Regexes are Python `re.search` over the whole text, like Go's
`regexp.MatchString`: `^`/`$` anchor the whole file unless you write `(?m)`.

Mapping from container-structure-test's YAML:

| container-structure-test | imagepolicy (`rules: {IM014: {files: [...]}}`) |
|---|---|
| `name` | `name` (optional, shown in messages) |
| `path` | `path` |
| `expectedContents` | `expected` |
| `excludedContents` | `excluded` |

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
a file whose contents fail is reported on the line of the instruction that wrote it.

## Why is this bad?
A base image of the wrong release, a config file with debug switched on or a
build-time URL left in a settings file is invisible in the Dockerfile and
obvious in the image's files.

## Example
```dockerfile
FROM debian:bullseye-slim
```
with `rules: {IM014: {files: [{path: /etc/os-release, expected: ["bookworm"]}]}}`.

## Use instead
```dockerfile
FROM debian:bookworm-slim
```

## Options
- `files` (list, default `[]`): `{path, expected, excluded, name}` items.
- `max-file-bytes` (integer, default 16777216): bytes read per file.

## References
- [container-structure-test: file content tests](https://github.com/GoogleContainerTools/container-structure-test#file-content-tests)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.layermap import span_for
from imagepolicy.model import RuleContext, Violation, rule

from ._provenance import compile_patterns


@rule(
    "IM014",
    "content-test-failed",
    "error",
    "image",
    "A file-content expectation from the config (expected/excluded regexes) does not hold.",
    aliases=("fileContentTests",),
    options={
        "type": "object",
        "properties": {
            "files": {
                "type": "array",
                "default": [],
                "description": "Content expectations: {path, expected: [regex], excluded: [regex], name}.",
                "items": {
                    "type": "object",
                    "required": ["path"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string"},
                        "path": {"type": "string", "pattern": "^/"},
                        "expected": {"type": "array", "items": {"type": "string"}},
                        "excluded": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "max-file-bytes": {"type": "integer", "minimum": 1, "default": 16777216, "description": "Bytes read per file."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    tests = ctx.options.get("files", [])
    if not tests:
        return
    contents = image.read_many([t["path"] for t in tests], max_bytes=int(ctx.options.get("max-file-bytes", 16777216)))
    for i, test in enumerate(tests):
        path = test["path"]
        label = f"{test['name']}: " if test.get("name") else ""
        data = contents.get(path)
        if data is None:
            yield Violation(f"{label}{path} is not a readable file in the image, so its contents cannot be checked", fix=f"add {path} to the image, or fix the path", path_in_image=path)
            continue
        text = data.decode("utf-8", "replace")
        expected = compile_patterns(test.get("expected", []), "IM014", f"files[{i}].expected")
        excluded = compile_patterns(test.get("excluded", []), "IM014", f"files[{i}].excluded")
        missing = [p.pattern for p in expected if not p.search(text)]
        present = [(p.pattern, m) for p in excluded for m in [p.search(text)] if m]
        problems = [f"expected {p!r} not found" for p in missing]
        problems += [f"excluded {p!r} found at line {text.count(chr(10), 0, m.start()) + 1} ({m.group(0)[:60]!r})" for p, m in present]
        if problems:
            entry = image.resolve(path)
            line, end_line = span_for(image, ctx.dockerfile, entry.layer if entry is not None else None)
            yield Violation(
                f"{label}{path}: " + "; ".join(problems),
                line=line,
                end_line=end_line,
                fix=f"change what writes {path} in the Dockerfile, or fix the expectation",
                path_in_image=path,
                details={"missing": missing, "excluded_found": [p for p, _ in present]},
            )
