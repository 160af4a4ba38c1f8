"""Package-manager caches were left in the image.

## What it does
Reports cache folders of package managers that still hold files in the final
image, with their size, file count and the layers that wrote them:

| cache | folders |
|---|---|
| `pip` | `*/.cache/pip` |
| `uv` | `*/.cache/uv` |
| `poetry` | `*/.cache/pypoetry/cache`, `*/.cache/pypoetry/artifacts` |
| `apt-lists` | `/var/lib/apt/lists` |
| `apt-archives` | `/var/cache/apt` (downloaded `.deb` files, `pkgcache.bin`) |
| `apk` | `/var/cache/apk` |
| `dnf` | `/var/cache/dnf`, `/var/cache/libdnf5` (dnf5), `/var/cache/yum` |
| `npm` | `*/.npm/_cacache` |
| `yarn` | `*/.cache/yarn`, `/usr/local/share/.cache/yarn`, `*/.yarn/berry/cache` |
| `go-build` | `*/.cache/go-build` |

Caches smaller than `min-bytes` are ignored (an empty `lists/lock` is fine).

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the instruction that wrote most of the cache's bytes.

## Why is this bad?
Caches only speed up the *next* install on the same machine; in an image they
are dead weight shipped to every pull and every node (apt lists alone are
20-50 MB). Clean them in the same `RUN` that filled them (a later `RUN rm`
leaves them in the earlier layer: see IM009), or use a BuildKit cache mount so
they never enter a layer.

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends git
RUN pip install -r requirements.txt
```

## Use instead
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir -r requirements.txt
```

## Options
- `caches` (list, default all): which of the caches above to look for.
- `extra-paths` (list of globs, default `[]`): further cache folders to report.
- `min-bytes` (integer, default 1024): smallest cache size reported.

## References
- [dockle DKL-DI-0004, DKL-DI-0005](https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md)
- [Dockerfile best practices: apt-get](https://docs.docker.com/build/building/best-practices/#apt-get)
- [BuildKit cache mounts](https://docs.docker.com/build/cache/optimize/#use-cache-mounts)
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.layermap import span_for
from imagepolicy.model import RuleContext, Violation, rule

from ._provenance import glob_matcher, human_size, layer_label

CACHES: dict[str, tuple[tuple[str, ...], str]] = {
    "pip": (("*/.cache/pip",), "use `pip install --no-cache-dir`, or `RUN --mount=type=cache,target=/root/.cache/pip`"),
    "uv": (("*/.cache/uv",), "set `UV_NO_CACHE=1`, or `RUN --mount=type=cache,target=/root/.cache/uv`"),
    "poetry": (("*/.cache/pypoetry/cache", "*/.cache/pypoetry/artifacts"), "run `poetry install --no-cache`, or `rm -rf ~/.cache/pypoetry` in the same RUN"),
    "apt-lists": (("/var/lib/apt/lists",), "end the `apt-get install` RUN with `&& rm -rf /var/lib/apt/lists/*`"),
    "apt-archives": (("/var/cache/apt",), "end the `apt-get install` RUN with `&& apt-get clean`"),
    "apk": (("/var/cache/apk",), "use `apk add --no-cache`"),
    "dnf": (("/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum"), "end the install RUN with `&& dnf clean all` (or `yum clean all`)"),
    "npm": (("*/.npm/_cacache",), "run `npm ci && npm cache clean --force` in one RUN, or use a cache mount on /root/.npm"),
    "yarn": (("*/.cache/yarn", "/usr/local/share/.cache/yarn", "*/.yarn/berry/cache"), "run `yarn install && yarn cache clean` in one RUN, or use a cache mount"),
    "go-build": (("*/.cache/go-build",), "build in a separate stage, or use `RUN --mount=type=cache,target=/root/.cache/go-build`"),
}


@rule(
    "IM008",
    "leftover-files",
    "info",
    "image",
    "Package-manager caches (pip, apt lists, apk, npm, yarn, ...) were left in the image.",
    aliases=("DKL-DI-0005", "DKL-DI-0004"),
    options={
        "type": "object",
        "properties": {
            "caches": {
                "type": "array",
                "items": {"type": "string", "enum": sorted(CACHES)},
                "default": sorted(CACHES),
                "description": "Which package-manager caches to look for.",
            },
            "extra-paths": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": [],
                "description": "Globs of further cache folders to report.",
            },
            "min-bytes": {"type": "integer", "minimum": 0, "default": 1024, "description": "Smallest cache size reported, in bytes."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    wanted = {name: CACHES[name] for name in ctx.options.get("caches", sorted(CACHES))}
    extra = tuple(ctx.options.get("extra-paths", []))
    if extra:
        wanted["custom"] = (extra, "delete it in the RUN that created it, or use a BuildKit cache mount")
    roots = _cache_roots(image, wanted)
    if not roots:
        return
    totals = _sizes(image, roots)
    minimum = int(ctx.options.get("min-bytes", 1024))
    for root, name in sorted(roots.items()):
        size, count, by_layer = totals[root]
        if count == 0 or size < minimum:
            continue
        layers = sorted(by_layer)
        made_by = ", ".join(layer_label(image, i) for i in layers[:3]) + (" and others" if len(layers) > 3 else "")
        label = f"{name} cache" if name != "custom" else "cache folder"
        line, end_line = span_for(image, ctx.dockerfile, max(layers, key=lambda i: (by_layer[i], -i)))  # wrote the most
        yield Violation(
            f"{label} {root} holds {human_size(size)} in {count} file{'s' if count != 1 else ''}, written by {made_by}",
            line=line,
            end_line=end_line,
            fix=wanted[name][1],
            path_in_image=root,
            details={"cache": name, "bytes": size, "files": count, "layers": layers, "layer_bytes": {str(i): by_layer[i] for i in layers}},
        )


def _cache_roots(image, wanted: dict[str, tuple[tuple[str, ...], str]]) -> dict[str, str]:
    """Existing cache folders (not nested in another one) -> cache name."""
    matchers = [(name, glob_matcher(globs)) for name, (globs, _) in wanted.items()]
    any_cache = glob_matcher([g for globs, _ in wanted.values() for g in globs])
    found: dict[str, str] = {}
    for path, _ in image.files.select(("dir",), where=any_cache):
        for name, matches in matchers:
            if matches(path):
                found[path] = name
                break
    return {p: n for p, n in found.items() if not any(p.startswith(other + "/") for other in found if other != p)}


def _sizes(image, roots: dict[str, str]) -> dict[str, tuple[int, int, dict[int, int]]]:
    """Bytes, file count and bytes per writing layer under each root, in one pass over the files."""
    prefixes = tuple(root + "/" for root in roots)
    totals: dict[str, tuple[list[int], dict[int, int]]] = {root: ([0, 0], {}) for root in roots}
    for path, entry in image.files.select(("file",), where=lambda p: p.startswith(prefixes)) if roots else ():
        for root in roots:
            if path.startswith(root + "/"):
                counts, by_layer = totals[root]
                counts[0] += entry.size
                counts[1] += 1
                by_layer[entry.layer] = by_layer.get(entry.layer, 0) + entry.size
                break
    return {root: (counts[0], counts[1], by_layer) for root, (counts, by_layer) in totals.items()}
