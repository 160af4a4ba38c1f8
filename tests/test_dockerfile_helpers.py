"""The DL pack's shared helpers (``plugins/dockerfile/_*.py``) and the rule behaviour they unify.

Unit tests read the parsed model directly; the consistency tests run the real
engine (and hadolint 2.15.1 where a verdict differs from it on purpose).
"""

from __future__ import annotations

import textwrap

import pytest

from hadolint_oracle import hadolint_findings, only
from imagepolicy.dockerfile import parse_dockerfile
from ruletest import check


def model(tmp_path, text: str):
    return parse_dockerfile(text=textwrap.dedent(text).lstrip("\n"), context_dir=tmp_path)


# --- _stages ---------------------------------------------------------------------------------

STAGES = """
    FROM debian:12 AS base
    RUN apt-get update
    FROM base AS build
    RUN make
    FROM debian:12 AS tools
    RUN apt-get update
    FROM debian:12 AS rootfs
    RUN apt-get update
    FROM base
    COPY --from=tools /usr/bin/jq /usr/bin/jq
    COPY --from=rootfs / /
"""


def test_stages_reaching_final_follow_from_and_copies_of_the_path(tmp_path):
    from imagepolicy.plugins.dockerfile._stages import stages_reaching_final

    df = model(tmp_path, STAGES)
    # base: the final stage's FROM; rootfs: copied whole; tools: only a binary; build: unused.
    assert stages_reaching_final(df, "/var/lib/apt/lists") == {0, 3, 4}
    assert stages_reaching_final(df, "/usr/bin/jq") == {0, 2, 3, 4}
    assert stages_reaching_final(df, "/usr/bin/jq", "/opt") == {0, 2, 3, 4}


def test_a_relative_copy_source_is_below_the_source_stages_root(tmp_path):
    from imagepolicy.plugins.dockerfile._stages import stages_reaching_final

    df = model(tmp_path, """
        FROM alpine:3.20 AS build
        RUN apk add gcc
        FROM alpine:3.20
        WORKDIR /srv
        COPY --from=build var ./var
    """)
    assert stages_reaching_final(df, "/var/cache/apk") == {0, 1}


def test_final_image_runs_yield_exec_form_and_onbuild_commands(tmp_path):
    from imagepolicy.plugins.dockerfile._stages import final_image_runs

    df = model(tmp_path, """
        FROM centos:7 AS build
        RUN yum install -y gcc-4.8.5
        FROM centos:7
        RUN ["yum", "install", "-y", "jq-1.6"]
        ONBUILD RUN yum install -y make-3.82
    """)
    runs = [(run.line, [c.text for c in cmds]) for run, cmds in final_image_runs(df, "/var/cache/yum")]
    assert runs == [(4, ["yum install -y jq-1.6"]), (5, ["yum install -y make-3.82"])]


def test_from_reference_resolves_variables_and_gives_up_on_unknown_ones(tmp_path):
    from imagepolicy.plugins.dockerfile._stages import from_reference

    df = model(tmp_path, """
        FROM alpine:3.20 AS build-amd64
        FROM alpine:3.20
        ARG ARCH=amd64
        COPY --from=build-${ARCH} /a /a
        COPY --from=$UNSET /b /b
        COPY /c /c
    """)
    copies = [i for i in df.instructions if i.keyword == "COPY"]
    assert [from_reference(i) for i in copies] == ["build-amd64", None, None]


def test_repeated_pairs_each_repeat_with_the_first_of_its_stage(tmp_path):
    from imagepolicy.plugins.dockerfile._stages import repeated

    df = model(tmp_path, """
        FROM alpine:3.20
        CMD a
        CMD b
        FROM alpine:3.20
        CMD c
        CMD d
        CMD e
    """)
    assert list(repeated(df, "CMD")) == [(3, 2), (6, 5), (7, 5)]
    assert list(repeated(df, "ENTRYPOINT")) == []


# --- rules that now decide "reaches the final image" the same way ---------------------------

BUILDER_COPIED_WHOLE = {
    # code: (Dockerfile where a builder's cache is copied into the final image, the builder RUN's line)
    "DL3032": ("FROM centos:7 AS build\nRUN yum install -y gcc-4.8.5\nFROM centos:7\nCOPY --from=build / /\n", 2),
    "DL3036": ("FROM opensuse/leap:15.6 AS build\nRUN zypper install -y gcc=7\nFROM opensuse/leap:15.6\nCOPY --from=build / /\n", 2),
    "DL3040": ("FROM fedora:40 AS build\nRUN dnf install -y gcc-14.1\nFROM fedora:40\nCOPY --from=build / /\n", 2),
    "DL3042": ("FROM python:3.12 AS build\nRUN pip install flask==3.0.3\nFROM python:3.12\nCOPY --from=build / /\n", 2),
    "DL3060": ("FROM node:20 AS build\nRUN yarn install\nFROM node:20\nCOPY --from=build / /\n", 2),
    "DL3009": ("FROM debian:12 AS build\nRUN apt-get update\nFROM debian:12\nCOPY --from=build / /\n", 2),
    "DL3019": ("FROM alpine:3.20 AS build\nRUN apk add gcc\nFROM alpine:3.20\nCOPY --from=build / /\n", 2),
}


@pytest.mark.parametrize("code", sorted(BUILDER_COPIED_WHOLE))
def test_every_cache_rule_judges_a_builder_copied_whole(tmp_path, code):
    text, line = BUILDER_COPIED_WHOLE[code]
    assert [f.line for f in check(tmp_path, text, code=code)] == [line]


@pytest.mark.parametrize("code", sorted(BUILDER_COPIED_WHOLE))
def test_every_cache_rule_ignores_a_builder_only_outputs_are_copied_from(tmp_path, code):
    text, _line = BUILDER_COPIED_WHOLE[code]
    assert check(tmp_path, text.replace("COPY --from=build / /", "COPY --from=build /out /out"), code=code) == []


# Named divergences the merge brought (hadolint's lines, ours).
DIVERGENCES = {
    "DL3060 judges a builder copied whole": (BUILDER_COPIED_WHOLE["DL3060"][0], "DL3060", [], [2]),
    "DL3032 accepts a tmpfs mount over the cache": (
        "FROM centos:7\nRUN --mount=type=tmpfs,target=/var/cache/yum yum install -y jq-1.6\n", "DL3032", [2], []),
    "DL3042 accepts a tmpfs mount over the cache": (
        "FROM python:3.12\nRUN --mount=type=tmpfs,target=/root/.cache pip install flask==3.0.3\n", "DL3042", [2], []),
    "DL3009 resolves a relative mount target below WORKDIR": (
        "FROM debian:12\nWORKDIR /var/lib/apt\nRUN --mount=type=cache,target=lists apt-get update\n", "DL3009", [3], []),
}


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_intentional_divergence_from_hadolint(tmp_path, name):
    text, code, hadolint_lines, our_lines = DIVERGENCES[name]
    assert sorted(line for _, line in only(code, hadolint_findings(text))) == hadolint_lines
    assert [f.line for f in check(tmp_path, text, code=code)] == our_lines


# Parity the merge brought: exec-form RUNs are read by the cache rules, as hadolint does.
EXEC_FORM = {
    "DL3032": 'FROM centos:7\nRUN ["yum", "install", "-y", "jq-1.6"]\n',
    "DL3042": 'FROM python:3.12\nRUN ["pip", "install", "flask==3.0.3"]\n',
    "DL3060": 'FROM node:20\nRUN ["yarn", "install"]\n',
}


@pytest.mark.parametrize("code", sorted(EXEC_FORM))
def test_exec_form_runs_are_judged_like_hadolint(tmp_path, code):
    text = EXEC_FORM[code]
    assert [f.line for f in check(tmp_path, text, code=code)] == [2]
    assert only(code, hadolint_findings(text)) == {(code, 2)}


# --- _images ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ref,expected", [
    ("python", (None, "python", None, None)),
    ("python:3.12-slim", (None, "python", "3.12-slim", None)),
    ("localhost:5000/app:1", ("localhost:5000", "app", "1", None)),
    ("ghcr.io/org/app@sha256:abc", ("ghcr.io", "org/app", None, "sha256:abc")),
    ("library/python:3", (None, "library/python", "3", None)),
    ("registry:5000/app", ("registry:5000", "app", None, None)),
])
def test_parse_image_ref_splits_registry_path_tag_and_digest(ref, expected):
    from imagepolicy.plugins.dockerfile._images import parse_image_ref

    parsed = parse_image_ref(ref)
    assert (parsed.registry, parsed.path, parsed.tag, parsed.digest) == expected
    assert parsed.hub == (expected[0] is None)


def test_external_images_skip_scratch_stages_and_unresolved_args(tmp_path):
    from imagepolicy.plugins.dockerfile._images import external_images, resolved_base

    df = model(tmp_path, """
        ARG TAG=3.20
        ARG UNSET
        FROM alpine:${TAG} AS base
        FROM base
        FROM scratch
        FROM python:${UNSET}
        FROM docker.io/library/node:20
    """)
    assert [(stage.index, image) for stage, _ref, image in external_images(df)] == [(0, "alpine:3.20"), (4, "docker.io/library/node:20")]
    assert resolved_base(df.stages[3]) is None


@pytest.mark.parametrize("registry,patterns,expected", [
    ("docker.io", ["docker.io"], True),
    ("index.docker.io", ["hub.docker.com"], True),  # Docker Hub's names are one registry
    ("GHCR.io", ["ghcr.io"], True),
    ("eu.gcr.io", ["*.gcr.io"], True),
    ("gcr.io", ["*.gcr.io"], False),
    ("quay.io", ["docker.io", "ghcr.io"], False),
])
def test_trusted_matches_globs_case_insensitively(registry, patterns, expected):
    from imagepolicy.plugins.dockerfile._images import trusted

    assert trusted(registry, patterns) is expected


# --- _packages --------------------------------------------------------------------------------

def _cmd(text: str):
    from imagepolicy.shellcmd import split_commands

    (cmd,) = split_commands(text)
    return cmd


@pytest.mark.parametrize("text,unpinned", [
    ("yum install -y httpd-2.4.6 mod_ssl", ["mod_ssl"]),
    ("dnf -y install $PKGS gcc-14", ["$PKGS"]),  # a variable the Dockerfile does not set pins nothing
    ("dnf -y install php-${PHP_VERSION} $(cat list)", ["php-${PHP_VERSION}"]),
    ("dnf module install -y nodejs:20 ruby", ["ruby"]),
    ("yum update -y bash", []),
])
def test_unpinned_rpm_packages(text, unpinned):
    from imagepolicy.plugins.dockerfile._packages import unpinned_rpm_packages

    assert unpinned_rpm_packages(_cmd(text)) == unpinned


@pytest.mark.parametrize("text,expected", [
    ("pip install x", True),
    ("pip3.12 install x", True),
    ("python3 -m pip --quiet install x", True),
    ("pip download x", False),
    ("pipx install black", False),
    ("python3 -m venv /v", False),
])
def test_is_pip_install(text, expected):
    from imagepolicy.plugins.dockerfile._packages import is_pip_install

    assert is_pip_install(_cmd(text)) is expected


# --- _labels ----------------------------------------------------------------------------------

def test_assignments_and_label_pairs_read_both_forms_and_resolve_what_they_can(tmp_path):
    from imagepolicy.plugins.dockerfile._labels import assignments, label_pairs

    df = model(tmp_path, """
        FROM alpine:3.20
        ARG VERSION=1.2.3
        ARG UNSET
        LABEL org.opencontainers.image.version=$VERSION "description"="a b" rev=$UNSET
        LABEL maintainer Jane Doe
        ENV A=1 B="two words"
    """)
    label, legacy, env = [i for i in df.instructions if i.keyword in ("LABEL", "ENV")]
    assert label_pairs(label) == [("org.opencontainers.image.version", "1.2.3"), ("description", "a b"), ("rev", None)]
    assert label_pairs(legacy) == [("maintainer", "Jane Doe")]
    assert assignments(env) == [("A", "1"), ("B", "two words")]
    assert assignments(label)[0] == ("org.opencontainers.image.version", "$VERSION")
