"""Bytes in lower layers are hidden by later layers: the image is inefficient.

## What it does
Computes dive's efficiency metrics from the merged filesystem and reports an
image that breaks one of the thresholds, listing the largest offenders (path,
the layers that wrote and hid it, bytes):

- a path is *inefficient* when a later layer overwrote or deleted a version
  of it; its **wasted bytes** are the sizes of all its versions added up (the
  visible one too, as dive counts them);
- **wasted bytes** of the image: the sum over inefficient paths;
- **efficiency**: the sum, over every path, of its smallest version (0 once
  deleted) divided by the sum of all its versions;
- **user wasted percent**: wasted bytes divided by the bytes of every layer
  above the first (the base layer), a fraction as in dive (0.1 is 10%).

Unlike dive, files hidden by an opaque-folder marker (`.wh..wh..opq`, written
by buildah, podman and BuildKit when a folder is replaced) and files under a
deleted folder count as wasted: dive skips `.wh..wh..` names and charges a
deleted folder once, to the folder, so neither shows up in its wasted bytes.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`), the finding points at the line
of the instruction that wrote the largest offender.

## Why is this bad?
A layer is immutable: `RUN rm` or a later `COPY` over a file only hides it,
the bytes are still pulled and stored with the lower layer. Typical causes are
caches cleaned in a separate `RUN`, `chmod`/`chown` of copied files in a later
step (a full second copy), and build artefacts deleted after the build.

## Example
```dockerfile
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc
RUN rm -rf /var/lib/apt/lists/*
COPY app/ /app/
RUN chmod -R a+rX /app
```

## Use instead
```dockerfile
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc \\
 && rm -rf /var/lib/apt/lists/*
COPY --chmod=755 app/ /app/
```

## Options
- `min-efficiency` (number 0-1, default 0.9; dive's `lowestEfficiency`):
  lowest efficiency allowed; null turns the check off.
- `max-wasted-bytes` (bytes or a size such as `"20MB"`, default none; dive's
  `highestWastedBytes`): most wasted bytes allowed.
- `max-wasted-percent` (number, default 0.1; dive's
  `highestUserWastedPercent`): most wasted bytes allowed, as a fraction of
  the bytes added above the base layer; null turns the check off.
- `top` (integer, default 5): how many offenders to list.

## References
- [dive](https://github.com/wagoodman/dive): `filetree/efficiency.go`, CI rules
- [OCI image spec: whiteouts and opaque whiteouts](https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from imagepolicy.layermap import line_for, span_for
from imagepolicy.model import RuleContext, Violation, rule

from ._provenance import human_size, layer_label
from .im010_image_size import SIZE_SCHEMA, layer_content_sizes, parse_size


@dataclass
class Offender:
    """A path with a hidden version: dive's inefficient path."""

    path: str
    bytes: int  # all versions, the visible one included (dive's CumulativeSize)
    versions: int  # versions written plus deletions (dive's node count)
    layers: list[int]  # layers that wrote or removed it, in order
    origin: int  # layer of the largest hidden version: where the waste was written


@dataclass
class Efficiency:
    """dive's numbers for one image, with opaque folders and deleted folders charged to their files."""

    score: float
    wasted_bytes: int
    user_bytes: int
    total_bytes: int
    offenders: list[Offender] = field(default_factory=list)

    @property
    def user_wasted_ratio(self) -> float:
        if self.user_bytes == 0:
            return 0.0 if self.wasted_bytes == 0 else float("inf")
        return self.wasted_bytes / self.user_bytes


def efficiency(image) -> Efficiency:
    """Compute dive's efficiency, wasted bytes and user-wasted ratio from the merged filesystem.

    Per path, dive sums the sizes of every version (a deletion counts as a
    version of size 0) and keeps the smallest; a path seen in two or more
    layers is inefficient and all its bytes are wasted. The merged filesystem
    records every hidden version in ``image.deleted`` (whiteouts, opaque
    folders, removed folders' contents and overwrites alike), so these are
    exactly the inefficient paths.
    """
    visible_sum = sum(image.files.sizes_by_layer().values())  # only files have a size
    minimum_sum, cumulative_sum = visible_sum, visible_sum
    offenders = []
    for path, versions in image.deleted.items():
        hidden = [v for v in versions if v.type != "dir"]
        if not hidden:
            continue
        final = image.files.get(path)
        final_size = final.size if final is not None and final.type != "dir" else 0
        history = hidden[-1].history
        was_deleted = final is None or any(event.action == "deleted" for event in history)
        sizes = [v.size for v in hidden] + ([final_size] if final is not None and final.type != "dir" else [])
        cumulative = sum(sizes)
        smallest = 0 if was_deleted else min(sizes)
        minimum_sum += smallest - final_size
        cumulative_sum += cumulative - final_size
        if cumulative:
            layers = sorted({event.layer for event in history})
            origin = max(hidden, key=lambda v: (v.size, -v.layer)).layer
            count = len(sizes) + sum(1 for event in history if event.action == "deleted")
            offenders.append(Offender(path, cumulative, count, layers, origin))
    layer_sizes = layer_content_sizes(image)
    offenders.sort(key=lambda o: (-o.bytes, o.path))
    return Efficiency(
        score=1.0 if cumulative_sum == 0 else minimum_sum / cumulative_sum,
        wasted_bytes=sum(o.bytes for o in offenders),
        user_bytes=sum(layer_sizes[1:]),
        total_bytes=sum(layer_sizes),
        offenders=offenders,
    )


@rule(
    "IM009",
    "wasted-space",
    "warning",
    "image",
    "Files hidden by later layers waste space: efficiency or wasted bytes beyond dive's thresholds.",
    options={
        "type": "object",
        "properties": {
            "min-efficiency": {
                "type": ["number", "null"],
                "minimum": 0,
                "maximum": 1,
                "default": 0.9,
                "description": "Lowest efficiency allowed (dive's lowestEfficiency); null for no check.",
            },
            "max-wasted-bytes": {
                **SIZE_SCHEMA,
                "description": "Most wasted bytes allowed (dive's highestWastedBytes): bytes or a size such as \"20MB\"; null for no check.",
            },
            "max-wasted-percent": {
                "type": ["number", "null"],
                "minimum": 0,
                "default": 0.1,
                "description": "Most wasted bytes allowed as a fraction of the bytes above the base layer, 0.1 = 10% "
                "(dive's highestUserWastedPercent); null for no check.",
            },
            "top": {"type": "integer", "minimum": 1, "default": 5, "description": "How many of the largest offenders to list."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    stats = efficiency(image)
    if not stats.offenders:
        return
    broken = _broken_thresholds(stats, ctx.options)
    if not broken:
        return
    top = stats.offenders[: int(ctx.options.get("top", 5))]
    listed = "; ".join(_describe(image, o) for o in top)
    more = len(stats.offenders) - len(top)
    tail = f"; and {more} more path{'s' if more != 1 else ''}" if more > 0 else ""
    worst = top[0]
    line, end_line = span_for(image, ctx.dockerfile, worst.origin)
    yield Violation(
        f"{human_size(stats.wasted_bytes)} wasted in files hidden by later layers ({', '.join(broken)}); "
        f"largest: {listed}{tail}",
        line=line,
        end_line=end_line,
        path_in_image=worst.path,
        fix="Delete temporary files in the same RUN that creates them, set modes and owners while copying "
        "(COPY --chmod/--chown) instead of in a later RUN, and copy build results from a build stage",
        details={
            "efficiency": stats.score,
            "wasted_bytes": stats.wasted_bytes,
            "user_wasted_percent": stats.user_wasted_ratio,
            "user_bytes": stats.user_bytes,
            "total_bytes": stats.total_bytes,
            "offenders": [
                {
                    "path": o.path,
                    "bytes": o.bytes,
                    "count": o.versions,
                    "layers": o.layers,
                    "created_by": image.layers[o.origin].created_by,
                    "line": line_for(image, ctx.dockerfile, o.origin),
                }
                for o in top
            ],
        },
    )


def _broken_thresholds(stats: Efficiency, options) -> list[str]:
    """Plain words for each threshold the image breaks."""
    broken = []
    lowest = options.get("min-efficiency")
    if lowest is not None and stats.score < float(lowest):
        broken.append(f"efficiency {_percent(stats.score)} is below min-efficiency {_percent(float(lowest))}")
    highest = options.get("max-wasted-bytes")
    if highest is not None and stats.wasted_bytes > parse_size(highest):
        broken.append(f"{stats.wasted_bytes} wasted bytes exceed max-wasted-bytes {highest}")
    ratio = options.get("max-wasted-percent")
    if ratio is not None and stats.user_wasted_ratio > float(ratio):
        share = "all" if stats.user_wasted_ratio == float("inf") else _percent(stats.user_wasted_ratio)
        broken.append(
            f"{share} of the {human_size(stats.user_bytes)} added above the base layer is wasted, "
            f"above max-wasted-percent {_percent(float(ratio))}"
        )
    return broken


def _percent(fraction: float) -> str:
    """``0.925`` -> ``92.5%``, ``0.9`` -> ``90%``."""
    return f"{fraction * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _describe(image, offender: Offender) -> str:
    """``/var/lib/apt/lists/x 12.0 MiB in 2 versions, layers 1, 2 (written by layer 1 ... (RUN apt-get update))``."""
    layers = ", ".join(str(i) for i in offender.layers)
    return (
        f"{offender.path} {human_size(offender.bytes)} in {offender.versions} versions, layers {layers} "
        f"(written by {layer_label(image, offender.origin)})"
    )
