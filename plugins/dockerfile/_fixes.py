"""Building the automatic fixes of the DL rules (see :mod:`imagepolicy.fixes`).

Not a rule module: the edits several rules make the same way, such as adding a
flag after a command's subcommand word (``apt-get install`` -> ``apt-get
install -y``) in every offending command of a RUN.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from imagepolicy.fixes import script_edit
from imagepolicy.model import Edit, Fix
from imagepolicy.shellcmd import Command, Word


def word_named(cmd: Command, name: str) -> Word | None:
    """The first argument word of ``cmd`` written as the plain ``name`` (the subcommand ``install``)."""
    for word in cmd.argv_words[1:]:
        if word.parts == (("lit", name),):
            return word
    return None


def command_word(cmd: Command) -> Word | None:
    """The word naming the program (``wget`` of ``DEBUG=1 wget ...``)."""
    words = cmd.argv_words
    return words[0] if words else None


def flag_fix(run, commands: Iterable[Command], anchor: Callable[[Command], Word | None], flag: str, title: str,
             *, safe: bool = True, unsafe_because: str = "") -> Fix | None:
    """A fix adding `` flag`` after each command's ``anchor`` word, or None when one of them cannot be edited.

    A finding covers its whole RUN, so its fix must mend every offending
    command of it (or none: the re-check would find the rest).
    """
    edits: list[Edit] = []
    for cmd in commands:
        word = anchor(cmd) if cmd.placed else None
        edit = script_edit(run, word.end, word.end, " " + flag) if word is not None else None
        if edit is None:
            return None
        edits.append(edit)
    if not edits:
        return None
    return Fix(tuple(edits), title, safe, unsafe_because)


# Official images (Docker Hub names) built on Debian or Ubuntu: GNU userland, /bin/sh is dash,
# bash is installed. Their -alpine tags are busybox images.
_DEBIAN_FAMILY = frozenset({
    "debian", "ubuntu", "python", "node", "golang", "ruby", "php", "perl", "rust", "openjdk", "eclipse-temurin",
    "maven", "gradle", "buildpack-deps", "r-base", "rocker/r-ver", "nginx", "httpd", "postgres", "redis",
    "elixir", "erlang", "haskell", "julia", "swift", "gcc", "clojure", "amazoncorretto", "sapmachine",
    "ibm-semeru-runtimes", "pypy", "jupyter/base-notebook", "continuumio/miniconda3", "continuumio/anaconda3",
})


# Red Hat family images: GNU userland, /bin/sh is bash. (UBI micro images have no shell at all.)
_RHEL_FAMILY = re.compile(r"^(?:.*/)?(?:ubi\d*(?:-minimal|-init)?|fedora|centos|centos-stream|rockylinux|almalinux|amazonlinux|"
                          r"oraclelinux|rhel\d*|ubi\d*/ubi(?:-minimal|-init)?)$")


def base_family(stage) -> str | None:
    """``"busybox"`` for Alpine and BusyBox images, ``"debian"`` for the Debian/Ubuntu family (``/bin/sh`` is
    dash, bash is there), ``"rhel"`` for the Red Hat family (``/bin/sh`` is bash), else None.

    Judged from the name of the image the stage is built on (through ``FROM
    <stage>``): a conservative guess, so unknown images get the fix that works
    on both.
    """
    if stage is None:
        return None
    image = stage.root_base.lower()
    name = image.split("@", 1)[0]
    repo, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/", "library/"):
        repo = repo.removeprefix(prefix)
    if repo.rsplit("/", 1)[-1] in ("alpine", "busybox") or "alpine" in tag or "busybox" in tag:
        return "busybox"
    if repo in _DEBIAN_FAMILY and not any(word in tag for word in ("windows", "nanoserver", "servercore")):
        return "debian"
    if _RHEL_FAMILY.match(repo) and "micro" not in repo:
        return "rhel"
    return None
