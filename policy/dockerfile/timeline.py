"""The file timeline: which build-context paths exist at an image path when an instruction runs.

:class:`FileTimeline` holds the :class:`~imagepolicy.dockerfile.Dockerfile`
methods that answer it from the COPY/ADD instructions, their sources and the
build context.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from ..buildcontext import BuildContext, clean_relpath
from ..records import record

if TYPE_CHECKING:
    from .model import Instruction, Stage


@record(frozen=True)
class Provider:
    """Where an image path comes from at some point of the build."""

    instruction: Instruction  # the COPY/ADD that brings it
    source: str | None  # context-relative path (or stage path for --from)
    known: bool = True  # False when it comes from an external image or URL



class FileTimeline:
    """The timeline queries of :class:`~imagepolicy.dockerfile.Dockerfile` (a mixin: it reads ``stages`` and ``context``)."""

    context: BuildContext

    def provider(self, before: Instruction, image_path: str) -> Provider | None:
        """The COPY/ADD that put ``image_path`` in the image before ``before`` runs.

        Looks through the instruction's stage and its ``FROM <stage>`` parents,
        latest first. Returns None when no earlier COPY/ADD provides it (it may
        still come from the base image or a RUN).
        """
        image_path = _norm_abs(image_path)
        stage = before.stage
        if stage is None:
            return None
        for st in stage.lineage():
            candidates = st.instructions
            if st is stage:
                candidates = [i for i in st.instructions if i.index < before.index]
            for instr in reversed(candidates):
                found = self._copy_provides(instr, image_path, depth=0)
                if found is not None:
                    return found
        return None

    def later_providers(self, after: Instruction, image_path: str) -> list[Provider]:
        """COPY/ADD instructions of the same stage after ``after`` that bring ``image_path``."""
        image_path = _norm_abs(image_path)
        out: list[Provider] = []
        if after.stage is None:
            return out
        for instr in after.stage.instructions:
            if instr.index > after.index:
                found = self._copy_provides(instr, image_path, depth=0)
                if found is not None:
                    out.append(found)
        return out

    def _copy_provides(self, instr: Instruction, image_path: str, depth: int) -> Provider | None:
        if instr.keyword not in ("COPY", "ADD") or instr.dest is None or depth > 10:
            return None
        dest = instr.dest
        remote = [s for s in instr.sources if _is_remote(s)]
        external = instr.from_image is not None
        if image_path == "/" or dest.startswith(image_path.rstrip("/") + "/"):
            return Provider(instr, None, known=True)  # a folder above the destination
        if image_path == dest:
            return Provider(instr, self._single_source(instr), known=not (external or remote))
        if not image_path.startswith(dest.rstrip("/") + "/"):
            return None
        if instr.heredocs and instr.dest_is_dir and any(image_path == posixpath.join(dest, h.name) for h in instr.heredocs):
            return Provider(instr, None, known=True)
        for src in instr.sources:
            if _is_remote(src) or external:
                return Provider(instr, src, known=False)  # contents unknown until build time
            if instr.from_stage is not None:
                found = self._stage_copy_provides(instr, src, image_path, depth)
            else:
                found = self._context_copy_provides(instr, src, image_path)
            if found is not None:
                return found
        return None

    def _single_source(self, instr: Instruction) -> str | None:
        """The one source an exact destination comes from, when there is exactly one."""
        if len(instr.sources) != 1 or instr.heredocs:
            return None
        src = instr.sources[0]
        if _is_remote(src) or instr.from_image is not None or any(ch in src for ch in "*?["):
            return src if instr.from_image is not None or _is_remote(src) else None
        if instr.from_stage is not None:
            return self._stage_path(instr.from_stage, src)
        return clean_relpath(src) if self.context.exists(src) or not self.context.available else None

    def _context_copy_provides(self, instr: Instruction, src: str, image_path: str) -> Provider | None:
        ctx = self.context
        matches = ctx.glob(src) if ctx.available else []
        many = len(instr.sources) > 1 or any(ch in src for ch in "*?[")
        dest = instr.dest or "/"
        for match in matches:
            if ctx.is_dir(match):
                # A folder's *contents* land in dest.
                if image_path.startswith(dest.rstrip("/") + "/"):
                    rel = image_path[len(dest.rstrip("/")) + 1 :]
                    inner = f"{match}/{rel}" if match else rel
                    if ctx.exists(inner):
                        return Provider(instr, inner)
            else:
                target = posixpath.join(dest, posixpath.basename(match)) if (instr.dest_is_dir or many) else dest
                if image_path == target or target.startswith(image_path.rstrip("/") + "/"):
                    return Provider(instr, match)
        return None

    def _stage_copy_provides(self, instr: Instruction, src: str, image_path: str, depth: int) -> Provider | None:
        source_stage = instr.from_stage
        assert source_stage is not None
        src_abs = self._stage_path(source_stage, src)
        dest = instr.dest or "/"
        if image_path == dest:
            candidate = src_abs
        elif image_path.startswith(dest.rstrip("/") + "/"):
            rel = image_path[len(dest.rstrip("/")) + 1 :]
            candidate = posixpath.join(src_abs, rel)
            if instr.dest_is_dir:
                # COPY --from=s /a/file /dest/ lands /dest/file
                alt = posixpath.join(posixpath.dirname(src_abs), rel)
                end = _stage_end(source_stage)
                if end is not None and self._provided_in(source_stage, end, alt, depth + 1):
                    return Provider(instr, alt)
        else:
            return None
        end = _stage_end(source_stage)
        if end is None:
            return None
        if self._provided_in(source_stage, end, candidate, depth + 1):
            return Provider(instr, candidate)
        return None

    @staticmethod
    def _stage_path(stage: Stage, src: str) -> str:
        """A ``COPY --from=stage`` source as an absolute path (relative ones are from ``/``)."""
        return _norm_abs(src)

    def _provided_in(self, stage: Stage, end: Instruction, path: str, depth: int) -> bool:
        for st in stage.lineage():
            for instr in reversed(st.instructions):
                if st is stage and instr.index > end.index:
                    continue
                if self._copy_provides(instr, path, depth) is not None:
                    return True
        return False


def _is_remote(src: str) -> bool:
    """A URL or git source of ADD (its content is unknown before the build)."""
    return re.match(r"^[a-z][a-z0-9+.-]*://", src) is not None or src.startswith("git@")


def _stage_end(stage: Stage) -> Instruction | None:
    return stage.instructions[-1] if stage.instructions else stage.from_instruction


def _norm_abs(path: str) -> str:
    """``path`` made absolute and normal, without a trailing slash (``a//b/`` -> ``/a/b``)."""
    return "/" + posixpath.normpath("/" + path).lstrip("/")
