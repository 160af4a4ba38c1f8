"""Package-manager commands and package files, as several DL rules read them.

Not a rule module: shared by the yum/dnf/microdnf/zypper rules (DL3030,
DL3032-DL3038, DL3040, DL3041), the pip cache rule (DL3042) and the archive
rules (DL3010, DL3020).

The rpm-family rules come in three kinds that differ only by package manager:
"asks for confirmation" (:func:`missing_yes`: DL3030, DL3034, DL3038), "leaves
its cache in the layer" (:func:`uncleaned_installs`: DL3032, DL3036, DL3040)
and "installs without a version" (:func:`unpinned_installs`: DL3033, DL3037,
DL3041). Each manager is one :class:`PackageManager` (:data:`YUM`,
:data:`DNF`, :data:`ZYPPER`); each rule module keeps its docs, code, message
and fix, and asks this module where to report.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator, TypeVar

from imagepolicy.dockerfile import Dockerfile, Instruction, iter_run_instructions
from imagepolicy.records import record
from imagepolicy.shellcmd import Command, expand_word, instruction_commands, mounted_over, removes

from ._stages import final_image_runs

T = TypeVar("T")

# Files ADD would unpack and ``tar``/the decompressors read.
ARCHIVE_SUFFIXES = (
    ".tar", ".gz", ".bz2", ".xz", ".zst", ".tgz", ".tbz", ".tbz2", ".txz", ".tzst", ".tb2", ".lz", ".lzma", ".tlz", ".z", ".Z",
)
_PIP = re.compile(r"^pip(\d+(\.\d+)?)?$")
_VERSIONED = re.compile(r"-\d")


def expanded_operands(instr: Instruction | None, cmd: Command, *value_flags: str) -> list[str]:
    """``cmd``'s operands (not flags, nor the values of ``value_flags``) with ARG/ENV values expanded.

    A word whose value is only known at run time (``$(cat list)``) is left out;
    a variable the Dockerfile does not set keeps its text (see :func:`expand_word`).
    """
    out: list[str] = []
    for word in cmd.operand_words(*value_flags):
        values = expand_word(instr, word)
        if values is not None:
            out.extend(values)
    return out


#: yum, dnf and microdnf options whose value is the next word (`--installroot /mnt/rootfs`), not a package.
_RPM_VALUE_FLAGS = (
    "installroot", "releasever", "setopt", "config", "c", "enablerepo", "disablerepo", "repo", "repoid",
    "exclude", "excludepkgs", "x", "downloaddir", "destdir", "forcearch", "debuglevel", "d", "errorlevel", "e",
    "rpmverbosity", "color", "disableexcludes", "disableplugin", "enableplugin", "repofrompath",
)


def unpinned_rpm_packages(cmd: Command, instr: Instruction | None = None) -> list[str]:
    """Packages of a yum/dnf ``install`` without ``-<version>`` (modules: without ``:stream``).

    Variables are expanded with the ARG/ENV values; one the Dockerfile does not
    set pins nothing (``php-${PHP_VERSION}`` is judged as written).
    """
    positional = expanded_operands(instr, cmd, *_RPM_VALUE_FLAGS)
    if "install" not in positional:
        return []
    module = "module" in positional
    out = []
    for word in positional:
        if word in ("install", "module"):
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


def unpinned_zypper_packages(cmd: Command, instr: Instruction | None = None) -> list[str]:
    """Packages of a zypper ``install``/``in`` without a ``=``, ``<`` or ``>`` constraint, not an ``.rpm`` file."""
    positional = expanded_operands(instr, cmd)
    if not any(v in positional for v in ("install", "in")):
        return []
    return [
        w for w in positional
        if w not in ("install", "in") and not any(op in w for op in "=<>") and not w.endswith(".rpm")
    ]


@record(frozen=True)
class PackageManager:
    """How one package manager is called, as the -y, clean and pinning rules read it."""

    names: tuple[str, ...]
    """Command names (``dnf`` and ``microdnf`` are one manager)."""
    confirm_verbs: tuple[str, ...]
    """Subcommands that ask for confirmation unless a ``yes_flags`` flag is given."""
    yes_flags: tuple[str, ...]
    """Flags, without dashes, that answer yes (``y``, ``assumeyes``)."""
    install_verbs: tuple[str, ...]
    """Subcommands that download packages into the cache (and must be followed by a clean)."""
    clean_verbs: tuple[str, ...]
    """Subcommands that empty the cache."""
    caches: tuple[str, ...]
    """Cache folders: removing any of them cleans, copying any of them out of a stage carries it."""
    cache_mounts: tuple[str, ...]
    """Cache folders whose ``--mount=type=cache``/``tmpfs`` (or one above) keeps the cache out of the image."""
    unpinned: Callable[[Command, Instruction | None], list[str]]
    """The packages an install command names without a version (variables expanded at the instruction)."""

    def runs(self, cmd: Command, verbs: tuple[str, ...]) -> bool:
        """``cmd`` is this manager with one of ``verbs`` among its positional arguments."""
        return cmd.name in self.names and any(v in cmd.positional() for v in verbs)


YUM = PackageManager(
    names=("yum",),
    confirm_verbs=("install", "groupinstall", "localinstall"),
    yes_flags=("y", "assumeyes"),
    install_verbs=("install",),
    clean_verbs=("clean",),
    caches=("/var/cache/yum",),
    cache_mounts=("/var/cache/yum",),
    unpinned=unpinned_rpm_packages,
)

DNF = PackageManager(
    names=("dnf", "dnf5", "microdnf"),
    confirm_verbs=("install", "groupinstall", "localinstall"),
    yes_flags=("y", "assumeyes"),
    # As hadolint: an upgrade or reinstall downloads packages into the cache as an install does.
    install_verbs=("install", "in", "upgrade", "up", "update", "upgrade-minimal", "up-min", "reinstall", "rei"),
    clean_verbs=("clean",),
    # dnf4 caches in /var/cache/dnf, dnf5 in /var/cache/libdnf5; removing /var/cache/yum counts as cleaning too.
    caches=("/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum"),
    cache_mounts=("/var/cache/dnf", "/var/cache/libdnf5"),
    unpinned=unpinned_rpm_packages,
)

ZYPPER = PackageManager(
    names=("zypper",),
    confirm_verbs=("install", "in", "remove", "rm", "source-install", "si", "patch"),
    # hadolint's source lists -y/--no-confirm; its 2.15.1 binary also takes the global -n/--non-interactive.
    yes_flags=("y", "no-confirm", "n", "non-interactive"),
    install_verbs=("install", "in"),
    clean_verbs=("clean", "cc"),
    caches=("/var/cache/zypp",),
    cache_mounts=("/var/cache/zypp",),
    unpinned=unpinned_zypper_packages,
)


def first_per_run(dockerfile: Dockerfile, found: Callable[[Command], T]) -> Iterator[tuple[Instruction, Command, T]]:
    """Each RUN (ONBUILD RUN and heredocs included) with its first command for which ``found`` is truthy.

    Yields ``(run, command, found(command))``: one finding per RUN, as hadolint
    reports these rules, on the RUN's first line.
    """
    for run in iter_run_instructions(dockerfile):
        for cmd, _line in instruction_commands(run):
            value = found(cmd)
            if value:
                yield run, cmd, value
                break


def missing_yes(dockerfile: Dockerfile, manager: PackageManager) -> Iterator[tuple[Instruction, Command]]:
    """RUNs with a ``manager`` command that will ask for confirmation (no yes flag), and that command."""
    def asks(cmd: Command) -> bool:
        return manager.runs(cmd, manager.confirm_verbs) and not cmd.has_flag(*manager.yes_flags)

    for run, cmd, _ in first_per_run(dockerfile, asks):
        yield run, cmd


def unpinned_installs(dockerfile: Dockerfile, manager: PackageManager) -> Iterator[tuple[Instruction, Command, list[str]]]:
    """RUNs with a ``manager`` install of packages without a version: the command and those packages."""
    for run in iter_run_instructions(dockerfile):
        for cmd, _line in instruction_commands(run):
            unpinned = cmd.name in manager.names and manager.unpinned(cmd, run)
            if unpinned:
                yield run, cmd, unpinned
                break


def uncleaned_installs(dockerfile: Dockerfile, manager: PackageManager) -> Iterator[tuple[Instruction, Command]]:
    """RUNs whose ``manager`` install leaves the package cache in the final image, and that install.

    Judged: RUNs of the stages whose cache reaches the final image. Silent when
    the RUN mounts a cache or tmpfs over one of ``cache_mounts``, or runs a
    clean verb or removes one of ``caches`` after its last install (a clean
    before the install cleans nothing the install leaves).
    """
    for run, commands in final_image_runs(dockerfile, *manager.caches):
        installs = [i for i, c in enumerate(commands) if manager.runs(c, manager.install_verbs)]
        if not installs or any(mounted_over(run, path) for path in manager.cache_mounts):
            continue
        if any(manager.runs(c, manager.clean_verbs) or removes(c, *manager.caches) for c in commands[installs[-1] + 1 :]):
            continue
        yield run, commands[installs[0]]
