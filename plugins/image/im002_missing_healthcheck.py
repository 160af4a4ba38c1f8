"""The image defines no HEALTHCHECK.

## What it does
Reports an image whose config has no `Healthcheck` (no `HEALTHCHECK`
instruction in the final stage nor in its base images). An explicit
`HEALTHCHECK NONE` is a decision, not an omission, and is accepted.

With the Dockerfile given too (`imagepolicy check Dockerfile --image IMAGE`),
the finding points at the `FROM` line of the final stage, where the `HEALTHCHECK` belongs (as
DL3057 reports it).

## Why is this bad?
Without a health check the engine (Docker, Compose, Swarm) only knows whether
the process is alive, not whether it serves: a hung server keeps receiving
traffic and `depends_on: condition: service_healthy` cannot work. Orchestrators
with their own probes (Kubernetes) ignore the image's check; there you may turn
this rule off.

## Example
```dockerfile
FROM python:3.12-slim
COPY . /app
CMD ["python", "-m", "http.server", "8000"]
```

## Use instead
```dockerfile
FROM python:3.12-slim
COPY . /app
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/')"
CMD ["python", "-m", "http.server", "8000"]
```

## Options
- `skip-without-command` (boolean, default `true`): stay silent for images
  without `Entrypoint` and `Cmd` (base or data images that run nothing).

## References
- [dockle CIS-DI-0006](https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md)
- [Dockerfile reference: HEALTHCHECK](https://docs.docker.com/reference/dockerfile/#healthcheck)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from imagepolicy.layermap import built_stage, instruction_span, stage_instructions
from imagepolicy.model import RuleContext, Violation, rule

if TYPE_CHECKING:
    from imagepolicy.dockerfile import Instruction


@rule(
    "IM002",
    "missing-healthcheck",
    "info",
    "image",
    "The image config has no Healthcheck.",
    aliases=("CIS-DI-0006",),
    options={
        "type": "object",
        "properties": {
            "skip-without-command": {
                "type": "boolean",
                "default": True,
                "description": "Stay silent for images with neither Entrypoint nor Cmd.",
            },
        },
    },
)
def check(image, ctx: RuleContext) -> Iterator[Violation]:
    runtime = image.runtime
    health = runtime.get("Healthcheck")
    if isinstance(health, dict) and health.get("Test"):
        return
    if ctx.options.get("skip-without-command", True) and not runtime.get("Entrypoint") and not runtime.get("Cmd"):
        return
    line, end_line = instruction_span(_stage_without_healthcheck(image, ctx.dockerfile))
    yield Violation(
        "the image has no HEALTHCHECK: its config has no Healthcheck, so the engine cannot tell a hung service from a working one",
        line=line,
        end_line=end_line,
        fix="add `HEALTHCHECK CMD <probe>` to the final stage (or `HEALTHCHECK NONE` to state that none is wanted)",
    )


def _stage_without_healthcheck(image, dockerfile) -> Instruction | None:
    """The FROM of the stage the image was built from, where the HEALTHCHECK belongs (as DL3057 reports it).

    None without a Dockerfile, or when that stage has a HEALTHCHECK after all
    (then the Dockerfile is not the one that built this image).
    """
    stage = built_stage(image, dockerfile)
    if stage is None or any(instr.keyword == "HEALTHCHECK" for instr in stage_instructions(stage)):
        return None
    return stage.from_instruction
