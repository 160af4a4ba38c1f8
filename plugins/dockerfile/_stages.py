"""Which stages reach the final image, and stage-level lookups shared by the DL rules.

Not a rule module (the collector only takes ``dlNNNN_*``/``bkNNN_*``): helpers
that several rules need, so that they decide "does this reach the image?" the
same way.

Two questions, two answers:

- *Configuration* (USER, LABEL, HEALTHCHECK, CMD) comes only from the final
  stage and the stages it is built ``FROM``: ``final_stage.lineage()``.
- *Files* (package caches, apt lists) also come from any stage a ``COPY --from``
  of the final image copies them from: :func:`stages_reaching_final` follows
  those copies for one path, so ``COPY --from=build / /`` brings the builder's
  caches along while ``COPY --from=build /out/app /app`` does not.
"""

from __future__ import annotations

from typing import Iterator

from imagepolicy.dockerfile import Dockerfile, Instruction, expand_variables, iter_run_instructions
from imagepolicy.shellcmd import Command, covers, instruction_commands


def stages_reaching_final(dockerfile: Dockerfile, *paths: str) -> set[int]:
    """Indexes of the stages whose files at one of ``paths`` can end up in the final image.

    The final stage and its ``FROM <stage>`` parents, plus (repeatedly) any stage,
    with its parents, that one of those copies a path or a folder above it from
    (``COPY --from=build / /``). Sources are paths in the source stage: a relative
    one is below its root.
    """
    final = dockerfile.final_stage
    if final is None:
        return set()
    reach = {s.index for s in final.lineage()}
    todo = list(final.lineage())
    while todo:
        stage = todo.pop()
        for instr in stage.instructions:
            source = instr.from_stage
            if instr.keyword != "COPY" or source is None or source.index in reach:
                continue
            if any(covers("/" + src.lstrip("/"), path) for src in instr.sources for path in paths):
                for parent in source.lineage():
                    if parent.index not in reach:
                        reach.add(parent.index)
                        todo.append(parent)
    return reach


def final_image_runs(dockerfile: Dockerfile, *paths: str) -> Iterator[tuple[Instruction, list[Command]]]:
    """RUNs (ONBUILD RUN included) with their commands, of the stages whose ``paths`` reach the final image.

    Commands come from :func:`imagepolicy.shellcmd.instruction_commands`: shell
    form, heredocs, the exec form and ``$(...)`` substitutions.
    """
    reach = stages_reaching_final(dockerfile, *paths)
    for run in iter_run_instructions(dockerfile):
        if run.stage is not None and run.stage.index in reach:
            commands = [cmd for cmd, _line in instruction_commands(run)]
            if commands:
                yield run, commands


def from_reference(instr: Instruction) -> str | None:
    """The ``--from`` value with variables resolved; None when absent or a variable is unknown."""
    raw = instr.flag("from")
    if not raw:
        return None
    missing: list[str] = []
    value = expand_variables(raw, instr.variables, missing)
    return None if missing or not value else value


def repeated(dockerfile: Dockerfile, keyword: str) -> Iterator[tuple[int, int]]:
    """(line of the repeat, line of the first) for each second-or-later ``keyword`` of a stage."""
    for stage in dockerfile.stages:
        first = None
        for instr in stage.instructions:
            if instr.keyword == keyword:
                if first is None:
                    first = instr.line
                else:
                    yield instr.line, first
