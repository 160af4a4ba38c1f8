"""What the Python rules ask of the Dockerfile's file timeline.

Which context file is at an image path when a RUN runs (copied before it, or
bind-mounted into it with ``RUN --mount=type=bind``), its text (read from the
build context only, bounded by ``python-file-bytes``), which local projects a
RUN installs once the files its installers read are known, and the Python
version the final image's base tag names.
"""

from __future__ import annotations

import posixpath
import re

from imagepolicy.dockerfile import Dockerfile, Instruction

from .installs import ProjectInstall, expand_ref, find_commands

_PY_TAG = re.compile(r"(?:^|/)python:(\d+\.\d+)")


def mount_source(run: Instruction, image_path: str) -> str | None:
    """The context path a ``RUN --mount=type=bind`` (from the context) puts at ``image_path``, or None."""
    path = posixpath.normpath("/" + image_path.lstrip("/"))
    for mount in run.mounts:
        if mount.type != "bind" or mount.options.get("from"):
            continue
        target = posixpath.normpath(posixpath.join(run.workdir or "/", mount.target or "/"))
        source = (mount.options.get("source") or mount.options.get("src") or ".").strip("/")
        source = "" if source in (".", "") else posixpath.normpath(source)
        if path == target:
            return source
        if path.startswith(target.rstrip("/") + "/"):
            rest = path[len(target.rstrip("/")) + 1:]
            return posixpath.join(source, rest) if source else rest
    return None


def context_path(dockerfile: Dockerfile, run: Instruction, image_path: str) -> str | None:
    """The context-relative path of the file at ``image_path`` while ``run`` runs, if it is a context file."""
    ctx = dockerfile.context
    if not ctx.available:
        return None
    mounted = mount_source(run, image_path)
    if mounted is not None:
        return mounted if ctx.exists(mounted) else None
    provider = dockerfile.provider(run, image_path)
    if provider is None or not provider.known or provider.source is None or provider.instruction.from_stage is not None:
        return None
    return provider.source if ctx.exists(provider.source) else None


def context_text(dockerfile: Dockerfile, run: Instruction, image_path: str) -> str | None:
    """The text of the context file at ``image_path`` while ``run`` runs (None when unknown or unreadable)."""
    rel = context_path(dockerfile, run, image_path)
    root = dockerfile.context.root
    if rel is None or root is None or dockerfile.context.is_dir(rel):
        return None
    from .project import read_text_bounded

    try:
        return read_text_bounded(root / rel, rel)
    except (OSError, UnicodeDecodeError):
        return None


def present(dockerfile: Dockerfile, run: Instruction, image_path: str) -> bool:
    """True when ``image_path`` is in the image (copied before ``run``) or bind-mounted into ``run``."""
    if dockerfile.provider(run, image_path) is not None:
        return True
    mounted = mount_source(run, image_path)
    return mounted is not None and dockerfile.context.available and dockerfile.context.exists(mounted)


def python_version(dockerfile: Dockerfile) -> str | None:
    """``3.12`` for a final stage built on ``python:3.12-slim`` (through its stage parents), else None."""
    final = dockerfile.final_stage
    if final is None:
        return None
    match = _PY_TAG.search(final.root_base)
    return match.group(1) if match else None


def run_installs(dockerfile: Dockerfile, run: Instruction) -> list[ProjectInstall]:
    """Every local-project install of ``run``: its commands, and the requirements/Pipfile/conda files they read."""
    if run.script is None:
        return []
    installs, refs = find_commands(run.script, run.workdir, run.variables)
    version = python_version(dockerfile)
    for ref in refs:
        installs += expand_ref(ref, lambda path: context_text(dockerfile, run, path), version)
    return installs
