"""The image is bigger, or has more layers, than the configured limits.

## What it does
Adds up the bytes of every file in every layer (hidden versions included: they
are pulled and stored too; this is dive's "Total Image size") and counts the
layers, and reports an image above `max-size` or `max-layers`. The message
names the largest layers with the instruction that made them; with the
Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`), the finding points at the line of the
largest layer's instruction. Without a limit set the rule stays silent.

## Why is this bad?
Every byte is pulled by every CI job, node and developer, and slows cold
starts and autoscaling; a size budget in CI catches the pull request that
adds a compiler toolchain or a 300 MB model to the runtime image. Every layer
adds a round trip and unpacking work on pull, and old storage drivers cap the
layer count (127 for overlay lowerdirs).

## Example
```dockerfile
# with rules: {IM010: {max-size: 200MB}}
FROM python:3.12
RUN apt-get update && apt-get install -y build-essential
COPY . /app
RUN pip install /app
```

## Use instead
```dockerfile
FROM python:3.12 AS build
COPY . /app
RUN pip wheel --no-deps -w /wheels /app

FROM python:3.12-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
```

## Options
- `max-size` (integer bytes, or a string such as `"500MB"`, `"1.5GiB"`;
  default none): the largest total size allowed. Units as in dive's
  `highestWastedBytes`: `kB`/`MB`/`GB`/`TB` (and `K`, `M`, `G`, `T`) are powers
  of 1000, `KiB`/`MiB`/`GiB`/`TiB` powers of 1024.
- `max-layers` (integer, default none): the most layers allowed.

## References
- [dive](https://github.com/wagoodman/dive): image size and layer contents
- [Docker: multi-stage builds](https://docs.docker.com/build/building/multi-stage/)
"""

from __future__ import annotations

import re
from typing import Iterator

from imagepolicy.layermap import span_for
from imagepolicy.model import RuleContext, Violation, rule

from ._provenance import human_size, layer_details, layer_label

SIZE_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*([kKmMgGtTpPeE][iI]?[bB]?|[bB])?\s*$"
_SIZE_RE = re.compile(r"^\s*(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[kmgtpe]i?b?|b)?\s*$", re.I)
SIZE_SCHEMA = {
    "type": ["integer", "string", "null"],
    "minimum": 0,
    "pattern": SIZE_PATTERN,
    "default": None,
}
TOP_LAYERS = 3


def parse_size(value: int | str) -> int:
    """Bytes from an integer or a size like ``"500MB"``, ``"1.5 GiB"``, ``"20M"`` (ValueError otherwise).

    Like go-humanize's ParseBytes (dive's config): SI units are powers of 1000,
    ``Ki``/``Mi``/... powers of 1024, the trailing ``B`` optional.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is not a size: sizes are not negative")
        return value
    match = _SIZE_RE.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a size; write bytes (500000000) or a number and a unit (500MB, 1.5GiB)")
    unit = (match.group("unit") or "b").lower()
    if unit == "b":
        scale = 1
    else:
        power = "kmgtpe".index(unit[0]) + 1
        scale = 1024**power if unit[1:2] == "i" else 1000**power
    return int(float(match.group("number")) * scale)


def layer_content_sizes(image) -> list[int]:
    """Bytes of the files each layer wrote (hidden versions included), indexed like ``image.layers``."""
    sizes = [0] * len(image.layers)
    for layer, size in image.files.sizes_by_layer().items():
        sizes[layer] += size
    for versions in image.deleted.values():
        for entry in versions:
            if entry.size:
                sizes[entry.layer] += entry.size
    return sizes


@rule(
    "IM010",
    "image-size",
    "warning",
    "image",
    "The image's total size or layer count is above the configured limit.",
    options={
        "type": "object",
        "properties": {
            "max-size": {**SIZE_SCHEMA, "description": "Largest total image size: bytes, or a size such as \"500MB\" or \"1.5GiB\"; null for no limit."},
            "max-layers": {"type": ["integer", "null"], "minimum": 1, "default": None, "description": "Most layers allowed; null for no limit."},
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    max_size = ctx.options.get("max-size")
    max_layers = ctx.options.get("max-layers")
    if max_size is None and max_layers is None:
        return
    sizes = layer_content_sizes(image)
    largest = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))[:TOP_LAYERS]
    if max_size is not None:
        limit = parse_size(max_size)
        total = sum(sizes)
        if total > limit:
            biggest = "; ".join(f"{layer_label(image, i)}: {human_size(sizes[i])}" for i in largest)
            line, end_line = span_for(image, ctx.dockerfile, largest[0] if largest else None)
            yield Violation(
                f"image holds {human_size(total)} ({total} bytes) in {len(sizes)} layers, above max-size {max_size}; "
                f"largest layers: {biggest}",
                line=line,
                end_line=end_line,
                fix="Build in one stage and copy only the runtime files into a slim final stage; "
                "remove build tools, caches and test data in the RUN that created them",
                details={
                    "bytes": total,
                    "limit": limit,
                    "largest_layers": [{**layer_details(image, i), "bytes": sizes[i]} for i in largest],
                },
            )
    if max_layers is not None and len(image.layers) > int(max_layers):
        yield Violation(
            f"image has {len(image.layers)} layers, more than max-layers {max_layers}",
            fix="Join consecutive RUN instructions with && and copy files in fewer COPY steps, "
            "or copy the result of a build stage in one COPY --from",
            details={"layers": len(image.layers), "limit": int(max_layers)},
        )
