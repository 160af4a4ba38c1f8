"""Package-manager commands and package files, as several DL rules read them.

Not a rule module: shared by the yum/dnf pinning rules (DL3033, DL3041), the pip
cache rule (DL3042) and the archive rules (DL3010, DL3020).
"""

from __future__ import annotations

import re

from imagepolicy.shellcmd import Command

# Files ADD would unpack and ``tar``/the decompressors read.
ARCHIVE_SUFFIXES = (
    ".tar", ".gz", ".bz2", ".xz", ".zst", ".tgz", ".tbz", ".tbz2", ".txz", ".tzst", ".tb2", ".lz", ".lzma", ".tlz", ".z", ".Z",
)
_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_VERSIONED = re.compile(r"-\d")


def unpinned_rpm_packages(cmd: Command) -> list[str]:
    """Packages of a yum/dnf ``install`` without ``-<version>`` (modules: without ``:stream``)."""
    positional = cmd.positional()
    if "install" not in positional:
        return []
    module = "module" in positional
    out = []
    for word in positional:
        if word in ("install", "module") or "$" in word:
            continue
        pinned = ":" in word if module else _VERSIONED.search(word) is not None
        if not pinned:
            out.append(word)
    return out


def is_pip_install(cmd: Command) -> bool:
    """``pip install``, ``pip3.12 install`` or ``python3 -m pip install``."""
    positional = cmd.positional()
    if _PIP.match(cmd.name):
        return "install" in positional
    if cmd.name.startswith("python"):
        args = list(cmd.args)
        for i, arg in enumerate(args[:-1]):
            if arg == "-m" and args[i + 1] == "pip":
                return "install" in args[i + 2 :]
    return False
