"""Which /bin/sh a stage has (imagepolicy.shells), checked against the real shells.

The verdict table runs every bash-ism sample the ShellCheck rule knows with
``sh -c`` in dash, busybox ash and bash started as ``sh``, and requires
imagepolicy's verdict on a base image with that /bin/sh (an error finding, or
none) to match the real exit status, both ways.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest

from image_ruletest import write_image
from image_synth import File, Hardlink, Symlink
from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.model import Severity
from imagepolicy.plugins.shell import bashisms
from imagepolicy.plugins.shell.scripts import check_dockerfile, check_dockerfiles
from imagepolicy.shells import BASH, BUSYBOX, CMD, DASH, NONE, bin_sh, sh_of_image_name
from ruletest import check


def parse(text: str):
    return parse_dockerfile(None, text=textwrap.dedent(text).lstrip("\n"))


def lint(text: str):
    return check_dockerfile(parse(text))


# --- the family table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image, sh",
    [
        ("debian:12", DASH),
        ("ubuntu:24.04", DASH),
        ("python:3.12-slim", DASH),
        ("docker.io/library/node:22-bookworm-slim", DASH),
        ("python@sha256:" + "a" * 64, DASH),
        ("mcr.microsoft.com/dotnet/sdk:8.0", DASH),
        ("mysql:8.0-debian", DASH),
        ("eclipse-temurin:21-jre", DASH),
        ("maven:3.8.8-eclipse-temurin-17", DASH),
        ("alpine:3.20", BUSYBOX),
        ("python:3.12-alpine3.20", BUSYBOX),
        ("docker:29-cli", BUSYBOX),  # the official docker image is Alpine
        ("koalaman/shellcheck-alpine:v0.7.1", BUSYBOX),
        ("busybox:1.36-glibc", BUSYBOX),
        ("cgr.dev/chainguard/wolfi-base", BUSYBOX),
        ("cgr.dev/chainguard/python:latest-dev", BUSYBOX),
        ("registry.access.redhat.com/ubi9/ubi-minimal:latest", BASH),
        ("rocm/dev-almalinux-8:7.2.1-complete", BASH),
        ("almalinux:8", BASH),
        ("quay.io/centos/centos:stream9", BASH),
        ("fedora:41", BASH),
        ("amazonlinux:2023", BASH),
        ("maven:3.9-amazoncorretto-21", BASH),
        ("opensuse/leap:15.6", BASH),
        ("oraclelinux:9-slim", BASH),
        ("mysql:8.4", BASH),  # Oracle Linux
        ("eclipse-temurin:21-jre-ubi9-minimal", BASH),
        ("photon:5.0", BASH),
        ("scratch", NONE),
        ("gcr.io/distroless/static-debian12:nonroot", NONE),
        ("cgr.dev/chainguard/static:latest", NONE),
        ("mcr.microsoft.com/windows/servercore:ltsc2022", CMD),
        ("python:3.12-windowsservercore-ltsc2022", CMD),
        ("docker.io/searxng/base:searxng-builder", None),
        ("registry.example.com:5000/team/app:1.0", None),
        ("$BASE_IMAGE", None),
        ("", None),
    ],
)
def test_family_of_base_images(image, sh):
    assert sh_of_image_name(image).name == sh


def test_a_windows_platform_flag_means_cmd():
    assert sh_of_image_name("myorg/tools:1", "windows/amd64").name == CMD


def test_bin_sh_is_inherited_through_from_stage_and_a_pragma_above_from_overrides():
    df = parse("""
        FROM registry.access.redhat.com/ubi9/ubi-minimal AS base
        FROM base AS build
        # imagepolicy shell=dash
        FROM base AS other
        FROM other
        FROM docker.io/searxng/base:builder
        # imagepolicy shell=ash
        FROM docker.io/searxng/base:builder
    """)
    got = [(bin_sh(stage).name, bin_sh(stage).why) for stage in df.stages]
    assert [name for name, _ in got] == [BASH, BASH, DASH, DASH, None, BUSYBOX]
    assert got[1][1] == "registry.access.redhat.com/ubi9/ubi-minimal is Red Hat"
    assert got[3][1] == "# imagepolicy shell=dash at line 4"


def test_a_global_pragma_sets_every_stage():
    df = parse("""
        # imagepolicy global shell=bash
        FROM docker.io/searxng/base:builder
        RUN [[ -f x ]]
        FROM debian:12
    """)
    assert [bin_sh(s).name for s in df.stages] == [BASH, BASH]
    assert lint(df.text) == []


# --- verdicts against the real shells ---------------------------------------------------------

#: One sample per bash-ism the rule knows (the ShellCheck code it reports under sh).
SAMPLES = {
    "SC3001": "cat <(echo x)",
    "SC3005": "for ((i=0;i<3;i++)); do :; done",
    "SC3006": "(( 2 > 1 ))",
    "SC3008": "select x in a; do break; done; true",
    "SC3010": '[[ -n "$HOME" ]]',
    "SC3011": 'cat <<< "x"',
    "SC3018": "i=1; echo $((i++))",
    "SC3019": "echo $((2**2))",
    "SC3022": "exec {fd}>/dev/null",
    "SC3024": "x=1; x+=1",
    "SC3029": "echo x |& cat",
    "SC3030": "a=(1 2)",
    "SC3032": "coproc cat",
    "SC3039": "let x=1",
    "SC3040": "set -o pipefail",
    "SC3044": "shopt -s nullglob",
    "SC3046": "source /dev/null",
    "SC3053": "x=y; y=1; echo ${!x}",
    "SC3054": 'echo "${a[0]}"',
    "SC3055": 'a=1; echo "${!a[@]}"',
    "SC3057": "x=abc; echo ${x:1:2}",
    "SC3059": "x=ab; echo ${x^^}",
    "SC3060": "x=abc; echo ${x//a/b} ${x/a/b}",
    "SC2112": "function f() { :; }; f",
    "SC2113": "function f { :; }; f",
}

#: A base image imagepolicy takes for each /bin/sh.
BASES = {
    DASH: "debian:12",
    BUSYBOX: "alpine:3.20",
    BASH: "registry.access.redhat.com/ubi9/ubi-minimal:9.4",
}


def test_every_bashism_has_a_sample():
    assert set(SAMPLES) | {"SC3051"} == set(bashisms.BASHISMS)


@pytest.fixture(scope="module")
def real_shells(tmp_path_factory):
    """The command that runs ``sh -c`` in each real shell: dash, busybox sh and bash started as sh."""
    missing = [name for name in ("dash", "busybox", "bash") if shutil.which(name) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (.ci/install-image-tools installs busybox)")
    as_sh = tmp_path_factory.mktemp("bash-as-sh") / "sh"
    as_sh.symlink_to(shutil.which("bash"))  # started as sh, bash runs in POSIX mode, as /bin/sh on RHEL
    return {DASH: [shutil.which("dash")], BUSYBOX: [shutil.which("busybox"), "sh"], BASH: [str(as_sh)]}


def runs(shell: list[str], *args: str, cwd) -> bool:
    proc = subprocess.run([*shell, *args], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=10)
    return proc.returncode == 0


def test_each_verdict_matches_the_real_shell(real_shells, tmp_path):
    cases = [(code, sh) for code in SAMPLES for sh in BASES]
    dockerfiles = [parse(f"FROM {BASES[sh]}\nRUN {SAMPLES[code]}\n") for code, sh in cases]
    wrong = []
    for (code, sh), violations in zip(cases, check_dockerfiles(dockerfiles)):
        blocked = [v.code for v in violations if v.severity is Severity.ERROR]
        real = runs(real_shells[sh], "-c", SAMPLES[code], cwd=tmp_path)
        if real == bool(blocked):
            wrong.append(f"{code} on {sh}: the real shell {'runs' if real else 'fails on'} `{SAMPLES[code]}`, "
                         f"imagepolicy reports {blocked or 'no error'}")
    assert not wrong, "\n".join(wrong)


#: Constructs busybox ash runs that ShellCheck's busybox dialect reports at its error level, as
#: dash ("In dash, RANDOM is not supported."): SC3xxx codes the rule has no verified entry for.
BUSYBOX_RUNS = {
    "SC3028": "echo $RANDOM",
    "SC3047": "trap 'echo failed' ERR; true",
    "SC3045": "sleep 0 & wait -n",
    "SC3009": "echo {a,b}",
}


@pytest.mark.parametrize("code", sorted(BUSYBOX_RUNS))
def test_dash_rules_shellcheck_applies_to_busybox_do_not_block_where_busybox_runs_it(real_shells, tmp_path, code):
    sample = BUSYBOX_RUNS[code]
    assert code not in bashisms.BASHISMS
    assert runs(real_shells[BUSYBOX], "-c", sample, cwd=tmp_path), f"busybox sh fails on `{sample}`"
    found = {v.code: v for v in lint(f"FROM {BASES[BUSYBOX]}\nRUN {sample}\n")}
    assert found[code].severity is Severity.WARNING and found[code].line == 2


def test_dash_named_by_shell_gets_no_error_for_what_it_runs(real_shells, tmp_path):
    # Under sh (Debian's dash) `echo $RANDOM` is a warning; SHELL ["/bin/dash", "-c"] made it ShellCheck's error.
    assert runs(real_shells[DASH], "-c", "echo $RANDOM {a,b}", cwd=tmp_path)
    found = lint('FROM debian:12\nSHELL ["/bin/dash", "-c"]\nRUN echo $RANDOM {a,b}\n')
    assert {v.code for v in found} >= {"SC3028", "SC3009"} and all(v.severity is not Severity.ERROR for v in found)


def test_shell_with_pipefail_matches_the_real_shell(real_shells, tmp_path):
    wrong = []
    for sh, base in BASES.items():
        violations = lint(f'FROM {base}\nSHELL ["/bin/sh", "-o", "pipefail", "-c"]\nRUN true\n')
        blocked = [(v.code, v.line) for v in violations if v.severity is Severity.ERROR]
        real = runs(real_shells[sh], "-o", "pipefail", "-c", "true", cwd=tmp_path)
        if real == bool(blocked) or blocked not in ([], [("SC3040", 2)]):
            wrong.append(f"{sh}: real shell {'runs' if real else 'fails'}, imagepolicy says {blocked}")
    assert not wrong, wrong


# --- what users see ---------------------------------------------------------------------------


def test_bashism_on_an_unknown_base_is_a_warning_that_says_how_to_tell():
    v = next(v for v in lint("FROM docker.io/searxng/base:builder\nRUN [[ -f /x ]] && echo yes\n") if v.code == "SC3010")
    assert v.severity is Severity.WARNING and v.line == 2
    assert "/bin/sh of docker.io/searxng/base:builder is unknown here" in v.message
    assert "where /bin/sh is dash (Debian, Ubuntu)" in v.message
    assert "# imagepolicy shell=bash` above its FROM" in v.fix


def test_the_message_names_the_shell_and_why():
    v = next(v for v in lint("FROM python:3.12-alpine\nRUN a=(1 2)\n") if v.code == "SC3030")
    assert v.severity is Severity.ERROR
    assert "/bin/sh (busybox ash: python:3.12-alpine is Alpine) cannot run it" in v.message
    assert v.details["bin_sh"] == BUSYBOX


def test_corpus_false_errors_are_gone():
    # Each was a build-blocking error on a base whose /bin/sh runs the construct (issue 9).
    assert [v for v in lint("""
        FROM registry.access.redhat.com/ubi9/ubi-minimal:latest
        RUN if [[ "${TARGETOS}/${TARGETARCH}" = "linux/arm64" ]]; then echo arm; fi
        FROM almalinux:8
        ARG V=12.8
        RUN echo ${V//./-}
        FROM docker:29-cli
        RUN for f in /sbin/iptables*; do echo "${f/tables/tables-legacy}"; done
        FROM koalaman/shellcheck-alpine:v0.7.1
        RUN set -eo pipefail; ls | wc -l
    """) if v.severity is Severity.ERROR] == []


def test_a_shell_named_by_shell_is_checked_in_its_own_dialect():
    df = parse("""
        FROM gcr.io/distroless/static-debian12:debug
        SHELL ["/busybox/sh", "-c"]
        RUN [[ -d /x ]] && echo ok
        FROM debian:12
        SHELL ["/bin/bash", "-c"]
        RUN [[ -d /x ]] && echo ok
    """)
    assert [r.shell_dialect for r in df.instructions if r.keyword == "RUN"] == ["busybox", "bash"]
    assert lint(df.text) == []


def test_windows_stages_run_cmd_and_are_not_shellchecked():
    assert lint("FROM mcr.microsoft.com/windows/nanoserver:ltsc2025\nRUN mkdir c:\\config && echo $x\n") == []


def test_shell_pipefail_on_dash_is_an_error_on_the_shell_line(tmp_path):
    found = check(tmp_path, """
        FROM debian:12
        SHELL ["/bin/sh", "-o", "pipefail", "-c"]
        RUN curl -fsSL https://example.com/key | gpg --dearmor > /k.gpg
    """, code="SC3040")
    assert [(f.line, f.severity) for f in found] == [(2, Severity.ERROR)]
    assert 'Illegal option -o pipefail' in found[0].message and "RUN at line 3 fails" in found[0].message
    assert 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]' in found[0].fix


@pytest.mark.parametrize("base", ["alpine:3.20", "registry.access.redhat.com/ubi9/ubi:9.4"])
def test_shell_pipefail_where_sh_accepts_it_is_silent(base):
    assert lint(f'FROM {base}\nSHELL ["/bin/sh", "-eo", "pipefail", "-c"]\nRUN find . | wc -l\n') == []


def test_shell_pipefail_without_a_run_or_on_an_unknown_base_is_a_warning():
    unused = lint('FROM debian:12\nSHELL ["/bin/sh", "-o", "pipefail", "-c"]\nCMD ["app"]\n')
    unknown = lint('FROM myorg/base:1\nSHELL ["/bin/sh", "-o", "pipefail", "-c"]\nRUN find . | wc -l\n')
    explicit = lint('FROM alpine:3.20\nSHELL ["/bin/dash", "-o", "pipefail", "-c"]\nRUN find . | wc -l\n')
    assert [(v.code, v.severity) for v in unused] == [("SC3040", Severity.WARNING)]
    assert [(v.code, v.severity) for v in unknown] == [("SC3040", Severity.WARNING)]
    assert [(v.code, v.severity) for v in explicit] == [("SC3040", Severity.ERROR)]


def test_explain_dl4006_agrees_with_sc3040_on_dash():
    from imagepolicy.plugins.dockerfile.dl4006_pipe_without_pipefail import check as dl4006

    assert "dash supports it" not in dl4006.docs
    assert "Illegal option -o pipefail" in dl4006.docs


# --- the image's own /bin/sh (--image) --------------------------------------------------------


def image_check(tmp_path, dockerfile: str, layers: list[dict]):
    from imagepolicy import config as config_mod
    from imagepolicy.engine import CheckRequest, run_checks
    from ruletest import _loaded

    archive = write_image(tmp_path, layers)
    path = tmp_path / "Dockerfile"
    path.write_text(textwrap.dedent(dockerfile).lstrip("\n"))
    pm, reg = _loaded()
    cfg = config_mod.resolve(None, list(reg.rules), reg.presets, settings=reg.settings.values())
    report = run_checks(pm, reg, cfg, CheckRequest(dockerfiles=[path], images=[archive]))
    dockerfile_result, image_result = report.results
    assert not dockerfile_result.errors and not image_result.errors, (dockerfile_result.errors, image_result.errors)
    return [f for f in dockerfile_result.findings if f.rule.startswith("SC")]


BASH_ELF = File(b"\x7fELF ... GNU bash, version 5.2.15 ...", mode=0o755)


@pytest.mark.parametrize(
    "layer, errors",
    [
        ({"/bin/bash": BASH_ELF, "/bin/sh": Symlink("bash")}, []),
        ({"/usr/bin/bash": BASH_ELF, "/bin": Symlink("usr/bin"), "/usr/bin/sh": Symlink("bash")}, []),
        ({"/bin/busybox": File(b"\x7fELF BusyBox v1.36.1", mode=0o755), "/bin/sh": Hardlink("bin/busybox")}, []),
        ({"/bin/dash": File(b"\x7fELF", mode=0o755), "/bin/sh": Symlink("dash")}, [("SC3010", 3)]),
        ({"/bin/sh": File(b"\x7fELF Illegal option -o %s", mode=0o755)}, [("SC3010", 3)]),
    ],
)
def test_the_paired_images_bin_sh_decides(tmp_path, layer, errors):
    found = image_check(tmp_path, """
        FROM myorg/base:1
        WORKDIR /app
        RUN [[ -d /app ]] && echo ok
    """, [layer])
    assert [(f.rule, f.line) for f in found if f.severity is Severity.ERROR] == errors
    if not errors:  # bash or busybox ash runs [[ ]]: not even a warning
        assert not [f for f in found if f.rule == "SC3010"]


def test_a_bin_sh_the_dockerfile_replaces_is_read_as_the_base_image_left_it(tmp_path):
    from image_ruletest import buildkit_history, dockerfile_of
    from imagepolicy.image import open_image
    from imagepolicy.shells import sh_in_image

    steps = ["RUN ln -sf bash /bin/sh", "RUN [[ -d /x ]]"]
    base = {"/bin/dash": File(b"\x7fELF", mode=0o755), "/bin/bash": BASH_ELF, "/bin/sh": Symlink("dash")}
    archive = write_image(tmp_path, [base, {"/bin/sh": Symlink("bash")}, {"/x/y": b""}],
                          history=buildkit_history(steps))
    df = parse(dockerfile_of(steps, base="myorg/base:1"))
    image = open_image(archive)
    assert image.resolve("/bin/sh", follow_symlinks=False).linkname == "bash"  # as the build left it
    assert sh_in_image(image, df).name == DASH  # as the RUNs after FROM found it
    assert sh_in_image(image).name == BASH  # without the Dockerfile: the final /bin/sh


@pytest.mark.buildah
def test_a_real_images_bin_sh_is_read_from_its_base_layer(built_images):
    """service-broken is built by buildah on a debootstrap'ed Debian 12: /bin/sh -> dash in layer 0."""
    from imagepolicy.image import open_image
    from imagepolicy.shells import sh_in_image

    fixture = built_images["service-broken"]
    context = fixture["context"]
    df = parse_dockerfile(context / "Dockerfile", context_dir=context, build_args={"BASE": "localhost/unknown/base:1"})
    assert bin_sh(df.final_stage).name is None  # the name alone says nothing
    df.image_sh = sh_in_image(open_image(fixture["docker-archive"]), df)
    assert (bin_sh(df.final_stage).name, bin_sh(df.final_stage).why) == (DASH, "the image's /bin/sh is dash")


def test_the_image_wins_over_the_family_and_an_image_without_sh_is_unknown(tmp_path):
    dash = {"/bin/dash": File(b"\x7fELF", mode=0o755), "/bin/sh": Symlink("dash")}
    on_ubi = image_check(tmp_path / "a", "FROM registry.access.redhat.com/ubi9/ubi\nRUN [[ -d / ]]\n", [dash])
    no_sh = image_check(tmp_path / "b", "FROM debian:12\nRUN [[ -d / ]]\n", [{"/etc/os-release": b"ID=x\n"}])
    assert [(f.rule, f.severity) for f in on_ubi] == [("SC3010", Severity.ERROR)]
    assert [(f.rule, f.severity) for f in no_sh] == [("SC3010", Severity.WARNING)]
    assert "has no /bin/sh" in no_sh[0].message


# --- the real corpus ---------------------------------------------------------------------------



def test_no_shellcheck_error_on_the_corpus_where_bin_sh_runs_the_construct(real_shells, tmp_path):
    """Issue 9: every build-blocking ShellCheck error on the 419 real files is a construct the
    stage's real /bin/sh fails on. Prints the findings per /bin/sh."""
    from hadolint_agreement import real_corpus

    corpus = real_corpus()
    if corpus is None:
        pytest.skip("the real corpus ../shared/real-dockerfiles/files is absent")
    from imagepolicy.model import InputError
    from imagepolicy.plugins.shell.scripts import check_dockerfiles
    from imagepolicy.plugins.shell.shellopts import shell_option_violations

    parsed = []
    for path in sorted(corpus.iterdir()):
        try:
            parsed.append((path.name, parse_dockerfile(path)))
        except InputError:
            continue  # refused files are the lexer's differential test's business
    assert len(parsed) > 350
    counts: dict[str, dict[str, int]] = {}
    wrong = []
    for (name, df), violations in zip(parsed, check_dockerfiles([df for _, df in parsed])):
        for v in [*violations, *shell_option_violations(df)]:
            sh = v.details.get("bin_sh", "named by SHELL")
            per = counts.setdefault(sh, {})
            per[v.severity.label] = per.get(v.severity.label, 0) + 1
            if v.severity is not Severity.ERROR or v.code not in bashisms.BASHISMS:
                continue
            if sh not in real_shells:
                wrong.append(f"{name}:{v.line} {v.code} is an error although /bin/sh is {sh}")
            elif runs(real_shells[sh], "-c", SAMPLES.get(v.code, "source /dev/null"), cwd=tmp_path):
                wrong.append(f"{name}:{v.line} {v.code} is an error although {sh} runs it")
    print("\nShellCheck findings on the real corpus per /bin/sh:")
    for sh, per in sorted(counts.items()):
        print(f"  {sh:15} " + ", ".join(f"{per.get(level, 0)} {level}" for level in ("error", "warning", "info", "style")))
    assert not wrong, "\n".join(wrong)
