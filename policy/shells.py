"""Which program ``/bin/sh`` is in a build stage: dash, busybox ash, bash, none, or unknown.

A shell-form ``RUN`` runs ``/bin/sh -c`` unless ``SHELL`` says otherwise, and
what ``/bin/sh`` is depends on the base image: dash on Debian and Ubuntu,
busybox ash on Alpine, bash on the Red Hat family and most other
distributions, nothing at all on distroless images. Bash-only syntax stops a
build under dash and runs under bash, so a linter that assumes one of them
either blocks valid Dockerfiles or misses broken ones.

:func:`bin_sh` decides per stage, strongest evidence first:

1. a ``# imagepolicy shell=NAME`` comment right above the stage's ``FROM``
   (or a ``# imagepolicy global shell=NAME`` anywhere), inherited by the
   stages built ``FROM`` it;
2. the paired image's own ``/bin/sh`` (``--image`` with one Dockerfile), for
   the final stage and the stages it is built ``FROM`` (:func:`sh_in_image`,
   which the engine stores in ``Dockerfile.image_sh``);
3. the base image's family, from its name (:data:`FAMILIES`), inherited
   through ``FROM <stage>``;
4. otherwise unknown: callers warn about bash-isms, never error.

Each claim about a shell here was checked by running the construct in the
real shell (dash 0.5.12, busybox 1.35 ``sh``, bash 5.2 started as ``sh``);
``tests/test_shells.py`` keeps those checks. Older shells may run less: bash
before 5.1 turns process substitution off in POSIX mode (``/bin/sh`` on RHEL 8
and Amazon Linux 2), and Alpine releases before 3.16 ship busybox older than
1.35; neither could be run here, so neither is claimed.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from .records import record

DASH = "dash"
BUSYBOX = "busybox"
BASH = "bash"
NONE = "none"  # the image has no /bin/sh (scratch, distroless, static)
CMD = "cmd"  # Windows images: the default shell is cmd /S /C, not /bin/sh

#: Names accepted by ``# imagepolicy shell=NAME`` for a stage, and what they mean.
PRAGMA_NAMES = {
    "dash": DASH, "sh": DASH, "posix": DASH,
    "ash": BUSYBOX, "busybox": BUSYBOX,
    "bash": BASH,
    "none": NONE,
}

#: The ShellCheck dialect a RUN under each ``/bin/sh`` is checked in. dash is checked as
#: ``sh``: ShellCheck's ``dash`` dialect takes ``set -o pipefail`` as valid, which dash
#: 0.5.12 (Debian 12, Ubuntu 24.04) refuses. An unknown or missing /bin/sh is checked as
#: POSIX ``sh`` too (with bash-isms as warnings, see :attr:`BinSh.known`).
_DIALECTS = {DASH: "sh", BUSYBOX: "busybox", BASH: "bash", NONE: "sh", None: "sh"}

_SHELL_NAMES = {DASH: "dash", BUSYBOX: "busybox ash", BASH: "bash"}


@record(frozen=True)
class Family:
    """Images whose name holds one of ``words``, and the /bin/sh they ship."""

    name: str  # "Debian"
    sh: str
    words: tuple[str, ...]


#: Name words that say what an image is built on, looked up in the tag first
#: (``python:3.12-alpine``, ``eclipse-temurin:21-ubi9-minimal``), then in the
#: repository path (``rocm/dev-almalinux-8``, ``ubi9/ubi-minimal``). A word
#: matches a dash-, underscore-, dot- or slash-separated part of the name,
#: trailing digits ignored (``ubi9``, ``centos7``, ``alpine3``).
FAMILIES: tuple[Family, ...] = (
    Family("Windows", CMD, ("windows", "windowsservercore", "servercore", "nanoserver", "ltsc")),
    Family("distroless", NONE, ("distroless",)),
    Family("Alpine", BUSYBOX, ("alpine",)),
    Family("BusyBox", BUSYBOX, ("busybox",)),
    Family("Wolfi", BUSYBOX, ("wolfi",)),
    Family("Debian", DASH, ("debian", "bookworm", "bullseye", "buster", "stretch", "trixie", "forky", "sid",
                            "minideb", "bitnami")),
    Family("Ubuntu", DASH, ("ubuntu", "noble", "jammy", "focal", "bionic", "xenial", "oracular", "plucky")),
    Family("Red Hat", BASH, ("ubi", "rhel", "centos", "fedora", "almalinux", "rockylinux", "rocky",
                             "amazonlinux", "amzn", "amazoncorretto", "corretto", "oraclelinux")),
    Family("SUSE", BASH, ("opensuse", "suse", "sles", "sle", "bci", "leap", "tumbleweed")),
    Family("other distribution", BASH, ("photon", "mariner", "azurelinux", "archlinux", "clearlinux", "gentoo",
                                        "mageia", "openeuler", "anolis", "openanolis", "kylin")),
)

#: Official Docker Hub images (``python``, ``library/python``, ``docker.io/library/python``)
#: whose default tags build on a known family: used when the name itself says nothing.
OFFICIAL_DEFAULTS: dict[str, str] = {
    **dict.fromkeys(
        ("debian python node golang ruby php perl rust buildpack-deps gcc httpd nginx redis postgres memcached "
         "haproxy wordpress julia pypy r-base erlang elixir haskell influxdb telegraf neo4j couchdb nextcloud "
         "drupal joomla matomo ghost clojure").split(),
        "Debian",
    ),
    **dict.fromkeys(
        "ubuntu eclipse-temurin maven gradle groovy mongo mariadb rabbitmq cassandra swift tomcat solr odoo".split(),
        "Ubuntu",
    ),
    **dict.fromkeys("mysql oraclelinux fedora almalinux rockylinux amazonlinux amazoncorretto".split(), "Red Hat"),
    **dict.fromkeys(
        "alpine docker traefik caddy vault consul registry eclipse-mosquitto bash composer".split(),
        "Alpine",
    ),
    "busybox": "BusyBox",
}

#: Other repositories whose default tags build on a known family.
VENDOR_DEFAULTS: dict[str, str] = {
    **dict.fromkeys(
        ("mcr.microsoft.com/dotnet/sdk", "mcr.microsoft.com/dotnet/aspnet", "mcr.microsoft.com/dotnet/runtime",
         "mcr.microsoft.com/dotnet/runtime-deps"),
        "Debian",
    ),
}

#: Chainguard's static images carry no shell; their ``-dev`` tags add Wolfi's busybox.
_CHAINGUARD = re.compile(r"^(?:cgr\.dev/)?chainguard/(?P<name>[^:@]+)(?::(?P<tag>[^@]+))?")
_PARTS = re.compile(r"[-_./]+")
_TRAILING_DIGITS = re.compile(r"[0-9.]+$")


@record(frozen=True)
class BinSh:
    """What ``/bin/sh`` is in a stage, and how that is known.

    ``name`` is :data:`DASH`, :data:`BUSYBOX`, :data:`BASH`, :data:`NONE`,
    :data:`CMD` or None (unknown); ``why`` says how it was decided, for messages
    ("debian:12 is Debian", "the image's /bin/sh is dash").
    """

    name: str | None
    why: str
    image: str = ""

    @property
    def known(self) -> bool:
        """True when the shell is known to be one that runs RUN scripts (dash, busybox ash or bash)."""
        return self.name in (DASH, BUSYBOX, BASH)

    @property
    def dialect(self) -> str | None:
        """The ShellCheck dialect RUN scripts under this /bin/sh are checked in (None: not a POSIX shell)."""
        return None if self.name == CMD else _DIALECTS[self.name]

    @property
    def described(self) -> str:
        """``/bin/sh`` named for a message: "/bin/sh (dash: debian:12 is Debian)"."""
        if self.name in _SHELL_NAMES:
            return f"/bin/sh ({_SHELL_NAMES[self.name]}: {self.why})"
        if self.name == NONE:
            return f"/bin/sh ({self.why}, unless the build copies a shell in)"
        return f"/bin/sh ({self.why})"


def family_of(image: str) -> Family | None:
    """The family an image reference names (tag first, then repository), or None."""
    ref = image.strip().lower()
    if not ref or "$" in ref:
        return None
    name, _, digest = ref.partition("@")
    repo, tag = name, ""
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repo, tag = name.rsplit(":", 1)
    for text in (tag, _without_registry(repo)):
        found = _family_in(text)
        if found is not None:
            return found
    wanted = OFFICIAL_DEFAULTS.get(_official_name(repo) or "") or VENDOR_DEFAULTS.get(repo)
    return next((f for f in FAMILIES if f.name == wanted), None)


def _family_in(text: str) -> Family | None:
    words = [_TRAILING_DIGITS.sub("", part) for part in _PARTS.split(text) if part]
    for word in words:
        for family in FAMILIES:
            if word in family.words:
                return family
    return None


def _without_registry(repo: str) -> str:
    """``registry.example.com:5000/team/app`` -> ``team/app`` (a first part with a dot or port is a host)."""
    first, _, rest = repo.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return rest
    return repo


def _official_name(repo: str) -> str | None:
    """``python``, ``library/python``, ``docker.io/library/python`` -> ``python``; else None."""
    for prefix in ("docker.io/library/", "index.docker.io/library/", "registry-1.docker.io/library/", "library/", "docker.io/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix):]
            break
    return repo if "/" not in repo else None


def sh_of_image_name(image: str, platform: str | None = None) -> BinSh:
    """/bin/sh of an external base image, from its name alone."""
    shown = image or "the base image"
    if platform and platform.lower().startswith("windows"):
        return BinSh(CMD, f"{shown} is a Windows image", image)
    if image.strip().lower() == "scratch":
        return BinSh(NONE, "scratch has no /bin/sh", image)
    chainguard = _CHAINGUARD.match(image.strip().lower())
    if chainguard:
        tag = chainguard.group("tag") or ""
        if chainguard.group("name") == "wolfi-base" or tag.endswith("-dev"):
            return BinSh(BUSYBOX, f"{shown} is Wolfi", image)
        if chainguard.group("name") == "static":
            return BinSh(NONE, f"{shown} has no /bin/sh", image)
        return BinSh(None, f"/bin/sh of {shown} is unknown here", image)
    family = family_of(image)
    if family is None:
        return BinSh(None, f"/bin/sh of {shown} is unknown here", image)
    if family.sh == NONE:
        return BinSh(NONE, f"{shown} ({family.name}) has no /bin/sh", image)
    return BinSh(family.sh, f"{shown} is {family.name}", image)


def bin_sh(stage: Any) -> BinSh:
    """What ``/bin/sh`` is in ``stage`` (a :class:`imagepolicy.dockerfile.Stage`), with the reason."""
    lineage = stage.lineage()
    for ancestor in lineage:
        pragma = getattr(ancestor.from_instruction, "shell_pragma", None)
        if pragma:
            return _from_pragma(pragma, ancestor.from_instruction.line)
    dockerfile = getattr(stage, "dockerfile", None)
    if dockerfile is not None:
        for pragma in dockerfile.pragmas:
            if pragma.kind == "shell" and pragma.scope == "global" and pragma.values:
                return _from_pragma(pragma.values[0], pragma.line)
        image_sh = getattr(dockerfile, "image_sh", None)
        final = dockerfile.final_stage
        if image_sh is not None and final is not None and any(s is stage for s in final.lineage()):
            return image_sh
    root = lineage[-1]
    if not getattr(root, "base_known", True):  # FROM ${BASE} with no value known here
        return BinSh(None, f"/bin/sh of {root.base_raw} is unknown here", root.base_raw)
    return sh_of_image_name(root.base, root.platform)


# --- the shell a RUN runs in ---------------------------------------------------------------------

#: Ways to write /bin/sh in SHELL or a shebang (``sh`` is found on PATH, in /bin or /usr/bin).
BIN_SH = frozenset({"/bin/sh", "/usr/bin/sh", "sh"})


@record(frozen=True)
class RunShell:
    """The shell a RUN's script runs in: its ShellCheck dialect (None: not a POSIX-family
    shell, e.g. pwsh, cmd, python) and, when that shell is the stage's /bin/sh, what that is."""

    dialect: str | None
    bin_sh: BinSh | None = None


def run_shell(instr: Any) -> RunShell:
    """The shell that runs ``instr``'s script: a ``# imagepolicy shell=`` comment above it, the
    shebang of a heredoc script, else the ``SHELL`` in force (``/bin/sh`` by default, resolved
    with :func:`bin_sh`)."""
    if instr.shell_pragma:
        return RunShell(dialect_of(instr.shell_pragma))
    program = instr.shell[0] if instr.shell else "/bin/sh"
    if instr.heredocs and instr.script is not None and instr.script_line == instr.heredocs[0].line:
        first = instr.script.split("\n", 1)[0]
        if first.startswith("#!"):
            program = shebang_interpreter(first)
    if program in BIN_SH and instr.stage is not None:
        sh = bin_sh(instr.stage)
        return RunShell(sh.dialect, sh)
    return RunShell(dialect_of(program))


def shebang_interpreter(line: str) -> str:
    """The program a ``#!`` line runs: ``#!/bin/sh -e`` -> /bin/sh, ``#!/usr/bin/env -S bash -x`` -> bash."""
    words = line[2:].split()
    if not words:
        return "sh"
    if posixpath.basename(words[0]) == "env":
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        return rest[0] if rest else "sh"
    return words[0]


def dialect_of(shell: str) -> str | None:
    """The ShellCheck dialect of a shell program named explicitly (None: not a POSIX-family shell)."""
    name = posixpath.basename(shell.strip()).lower()
    if posixpath.basename(posixpath.dirname(shell.strip())).lower() == "busybox":
        name = "busybox"  # /busybox/sh: distroless debug images and the like
    if name in ("sh", "posix"):
        return "sh"
    if name == "dash":
        return "dash"
    if name in ("ash", "busybox"):
        return "busybox"
    if name in ("bash", "zsh"):
        return "bash"
    if name in ("ksh", "mksh", "ksh93"):
        return "ksh"
    return None


def _from_pragma(value: str, line: int) -> BinSh:
    name = posixpath.basename(value.strip()).lower()
    why = f"# imagepolicy shell={value} at line {line}"
    if name in PRAGMA_NAMES:
        return BinSh(PRAGMA_NAMES[name], why)
    return BinSh(None, f"{why} names no shell imagepolicy knows")


# --- the image's own /bin/sh ------------------------------------------------------------------

#: Programs a /bin/sh link may name.
_LINK_NAMES = {"dash": DASH, "bash": BASH, "busybox": BUSYBOX, "ash": BUSYBOX}
#: Text that identifies a shell binary installed as a regular file (a copy or a hard link).
_SIGNATURES = ((b"BusyBox v", BUSYBOX), (b"GNU bash", BASH), (b"@(#)Bash", BASH), (b"Illegal option -o %s", DASH))
_MAX_BINARY = 8 * 1024 * 1024


def sh_in_image(image: Any, dockerfile: Any = None) -> BinSh:
    """What ``/bin/sh`` is in a built image, read from its layers (never run).

    When the Dockerfile's instructions map to the image's layers, /bin/sh is
    taken as the base image left it (before the stage's first own layer), so
    an ``ln -sf /bin/bash /bin/sh`` in the Dockerfile does not change what the
    RUNs before it ran with.
    """
    where = getattr(image, "source", "the image")
    entry = image.resolve("/bin/sh", follow_symlinks=False)
    before = _first_own_layer(image, dockerfile)
    if entry is not None and before is not None and entry.layer >= before:
        entry = _version_before(image, entry.path, before)
    if entry is None:
        return BinSh(NONE, f"the image {where} has no /bin/sh")
    name = _identify(image, entry)
    if name is None:
        return BinSh(None, "the image's /bin/sh is no shell imagepolicy knows", where)
    return BinSh(name, f"the image's /bin/sh is {_SHELL_NAMES[name]}", where)


def _first_own_layer(image: Any, dockerfile: Any) -> int | None:
    if dockerfile is None:
        return None
    from .layermap import map_layers

    try:
        mapped = map_layers(image, dockerfile)
    except Exception:  # noqa: BLE001 - an unreadable history only loses the refinement
        return None
    return min(mapped) if mapped else None


def _version_before(image: Any, path: str, layer: int) -> Any:
    """The version of ``path`` in force just below ``layer`` (None when there was none)."""
    versions = [*image.deleted.get(path, []), image.files.get(path)]
    alive = None
    for event in (versions[-1] or versions[0]).history:
        if event.layer >= layer:
            break
        alive = None if event.action == "deleted" else event.layer
    if alive is None:
        return None
    return next((v for v in reversed(versions) if v is not None and v.layer == alive), None)


def _identify(image: Any, entry: Any, hops: int = 0) -> str | None:
    """Name the shell a /bin/sh entry is: by link names, then by the binary's text."""
    while entry is not None and entry.type in ("symlink", "hardlink") and hops < 40:
        target = entry.linkname or ""
        name = _LINK_NAMES.get(posixpath.basename(target))
        if name is not None:
            return name
        hops += 1
        if entry.type == "hardlink":
            entry = image.resolve("/" + target.lstrip("/"), follow_symlinks=False)
        else:
            base = posixpath.dirname(entry.path)
            entry = image.resolve(posixpath.join(base, target), follow_symlinks=False)
    if entry is None or entry.type != "file":
        return None
    by_name = _LINK_NAMES.get(posixpath.basename(entry.path))
    if by_name is not None and entry.path != "/bin/sh" and not entry.path.endswith("/sh"):
        return by_name
    data = image.read_entries([entry], _MAX_BINARY)[0] or b""
    for signature, name in _SIGNATURES:
        if signature in data:
            return name
    return None
