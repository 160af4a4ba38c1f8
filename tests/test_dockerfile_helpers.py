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
