"""Layer-to-Dockerfile mapping: history written by buildah (recorded from a real
build), classic docker and BuildKit, aligned from the end, confident pairs only."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from image_ruletest import PASSWD, run_image, write_image
from image_synth import WHITEOUT, File, ImageSpec, Layer, docker_skopeo, emit, write_shape
from imagepolicy.dockerfile import parse_dockerfile
from imagepolicy.image import open_image
from imagepolicy.layermap import (
    arg_instruction,
    built_stage,
    config_instruction,
    instruction_for_history,
    layer_label,
    line_for,
    map_layers,
    parse_created_by,
    span_for,
)


DOCKERFILE = """\
ARG BASE=python:3.12-slim
FROM ${BASE} AS builder
ARG VER=1.0
WORKDIR /build
COPY top.txt ./
RUN echo "$VER" > /build/ver.txt

FROM ${BASE}
ARG VER=2.0
ENV APP_HOME=/app \\
    X=1
LABEL org.opencontainers.image.title="t"
WORKDIR /app
COPY src/ ./src/
ADD top.txt /app/top.txt
COPY --from=builder /build/ver.txt /app/
RUN echo $VER > v && \\
    rm -f top.txt
RUN ["/bin/sh", "-c", "echo exec > /app/e"]
USER 1000
EXPOSE 8080
CMD ["python3"]
"""
# Lines of the final stage's instructions in DOCKERFILE.
L_WORKDIR, L_COPY_SRC, L_ADD, L_COPY_FROM, L_RUN, L_RUN_EXEC, L_CMD = 13, 14, 15, 16, 17, 19, 22

BASE_HISTORY = [{"created_by": "debootstrap --variant=minbase --include=python3 bookworm"}]

# Written by `buildah bud --layers --format docker` 1.28.2 for DOCKERFILE (captured from a real build).
BUILDAH_HISTORY = BASE_HISTORY + [
    {"created_by": "/bin/sh -c #(nop) ARG VER", "empty_layer": True},
    {"created_by": "/bin/sh -c #(nop) ENV APP_HOME=/app     X=1", "empty_layer": True},
    {"created_by": '/bin/sh -c #(nop) LABEL org.opencontainers.image.title="t"', "empty_layer": True},
    {"created_by": "/bin/sh -c #(nop) WORKDIR /app", "empty_layer": True},
    {"created_by": "/bin/sh -c #(nop) COPY dir:ce45aed374932718b95abedf4266ad5d720141b60545c480a9cd1282184fb142 in ./src/ "},
    {"created_by": "/bin/sh -c #(nop) ADD file:ac8a70f9adcba1d080cbd3e52d02b0a0bb0f73bdb3ed4813ca392695705ad645 in /app/top.txt "},
    {"created_by": "/bin/sh -c #(nop) COPY file:6fdc79f554a2a576686591cebdfa826743d2f970c1c996546a4a555f83671606 in /app/ "},
    {"created_by": "|1 VER=2.0 /bin/sh -c echo $VER > v &&     rm -f top.txt"},
    {"created_by": '|1 VER=2.0 /bin/sh -c ["/bin/sh", "-c", "echo exec > /app/e"]'},
    {"created_by": "/bin/sh -c #(nop) USER 1000", "empty_layer": True},
    {"created_by": "/bin/sh -c #(nop) EXPOSE 8080", "empty_layer": True},
    {"created_by": '/bin/sh -c #(nop) CMD ["python3"]', "empty_layer": True},
]

# The same build as BuildKit records it (docker buildx, moby/buildkit dockerfile2llb).
BUILDKIT_HISTORY = BASE_HISTORY + [
    {"created_by": "ARG VER=2.0", "comment": "buildkit.dockerfile.v0", "empty_layer": True},
    {"created_by": "ENV APP_HOME=/app X=1", "comment": "buildkit.dockerfile.v0", "empty_layer": True},
    {"created_by": "LABEL org.opencontainers.image.title=t", "comment": "buildkit.dockerfile.v0", "empty_layer": True},
    {"created_by": "WORKDIR /app", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "COPY src/ ./src/ # buildkit", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "ADD top.txt /app/top.txt # buildkit", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "COPY /build/ver.txt /app/ # buildkit", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "RUN |1 VER=2.0 /bin/sh -c echo $VER > v &&     rm -f top.txt # buildkit", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "RUN /bin/sh -c echo exec > /app/e # buildkit", "comment": "buildkit.dockerfile.v0"},
    {"created_by": "USER 1000", "comment": "buildkit.dockerfile.v0", "empty_layer": True},
    {"created_by": "EXPOSE map[8080/tcp:{}]", "comment": "buildkit.dockerfile.v0", "empty_layer": True},
    {"created_by": 'CMD ["python3"]', "comment": "buildkit.dockerfile.v0", "empty_layer": True},
]


@pytest.fixture
def dockerfile(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    return parse_dockerfile(tmp_path / "Dockerfile", context_dir=tmp_path)


def image_with(tmp_path: Path, history: list[dict], runtime: dict | None = None) -> object:
    """A docker-archive whose layers follow ``history`` (one small layer per non-empty entry)."""
    count = sum(1 for h in history if not h.get("empty_layer"))
    layers = [Layer({f"/layer{i}": f"layer {i}".encode()}) for i in range(count)]
    spec = ImageSpec(layers=layers, history=history, runtime=runtime or {})
    return open_image(emit(docker_skopeo(spec), str(tmp_path / "image.tar")))


@pytest.mark.parametrize("history", [BUILDAH_HISTORY, BUILDKIT_HISTORY], ids=["buildah", "buildkit"])
def test_every_layer_of_the_final_stage_maps_to_its_instruction(tmp_path, dockerfile, history) -> None:
    image = image_with(tmp_path, history)
    mapped = {index: instr.line for index, instr in map_layers(image, dockerfile).items()}
    expected = [L_COPY_SRC, L_ADD, L_COPY_FROM, L_RUN, L_RUN_EXEC]
    if history is BUILDKIT_HISTORY:  # BuildKit's WORKDIR makes a layer
        expected = [L_WORKDIR, *expected]
    assert mapped == {index + 1: line for index, line in enumerate(expected)}
    assert line_for(image, dockerfile, 0) is None, "the base image's layer has no instruction here"


@pytest.mark.parametrize("history", [BUILDAH_HISTORY, BUILDKIT_HISTORY], ids=["buildah", "buildkit"])
def test_metadata_steps_map_too_but_never_to_a_layer(dockerfile, history) -> None:
    by_history = instruction_for_history(history, dockerfile)
    assert by_history[len(history) - 1].line == L_CMD
    assert by_history[1].keyword == "ARG" and by_history[1].line == 9, "the final stage's ARG, not the builder's"
    assert 0 not in by_history


def test_a_squashed_build_maps_no_layer(tmp_path, dockerfile) -> None:
    # buildah bud without --layers: one layer, recorded under the stage's last instruction (CMD).
    history = [dict(h, empty_layer=True) for h in BUILDAH_HISTORY]
    history[0]["empty_layer"] = False
    history[-1]["empty_layer"] = False
    image = image_with(tmp_path, history)
    assert instruction_for_history(history, dockerfile)[len(history) - 1].keyword == "CMD"
    assert map_layers(image, dockerfile) == {}


def test_classic_docker_history_with_build_args_and_a_custom_shell(tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text(
        textwrap.dedent(
            """\
            FROM debian:12
            SHELL ["/bin/bash", "-o", "pipefail", "-c"]
            ARG PIP_INDEX=https://pypi.org/simple
            COPY requirements.txt /app/
            RUN pip install -r /app/requirements.txt | tee /log
            """
        ),
        encoding="utf-8",
    )
    df = parse_dockerfile(tmp_path / "Dockerfile", context_dir=tmp_path)
    history = [
        {"created_by": "/bin/sh -c #(nop) ADD file:0123456789abcdef0123 in / "},
        {"created_by": '/bin/sh -c #(nop)  CMD ["bash"]', "empty_layer": True},
        {"created_by": '/bin/bash -o pipefail -c #(nop)  SHELL [/bin/bash -o pipefail -c]', "empty_layer": True},
        {"created_by": "/bin/bash -o pipefail -c #(nop)  ARG PIP_INDEX=https://pypi.org/simple", "empty_layer": True},
        {"created_by": "/bin/bash -o pipefail -c #(nop) COPY file:abcdef0123456789abcdef in /app/ "},
        {"created_by": "|1 PIP_INDEX=https://pypi.org/simple /bin/bash -o pipefail -c pip install -r /app/requirements.txt | tee /log"},
    ]
    mapped = instruction_for_history(history, df)
    assert {i: mapped[i].line for i in mapped} == {2: 2, 3: 3, 4: 4, 5: 5}, "the base image's ADD and CMD stay unmapped"


def test_a_different_dockerfile_maps_nothing(tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN apk add curl\nCOPY app /app\n", encoding="utf-8")
    df = parse_dockerfile(tmp_path / "Dockerfile", context_dir=tmp_path)
    image = image_with(tmp_path, BUILDAH_HISTORY)
    assert map_layers(image, df) == {}
    assert line_for(image, None, 1) is None


def test_weak_pairs_need_a_strong_neighbour(tmp_path) -> None:
    # Same keywords, different arguments everywhere: nothing is confident.
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN make a\nRUN make b\n", encoding="utf-8")
    df = parse_dockerfile(tmp_path / "Dockerfile", context_dir=tmp_path)
    assert instruction_for_history([{"created_by": "/bin/sh -c make x"}, {"created_by": "/bin/sh -c make y"}], df) == {}
    # One strong pair makes its unbroken run confident (a heredoc RUN's text never matches).
    mapped = instruction_for_history([{"created_by": "RUN /bin/sh -c <<EOF # buildkit"}, {"created_by": "RUN /bin/sh -c make b # buildkit"}], df)
    assert {i: m.line for i, m in mapped.items()} == {0: 2, 1: 3}


def test_an_image_built_with_target_maps_to_that_stage(tmp_path, dockerfile) -> None:
    history = BASE_HISTORY + [
        {"created_by": "/bin/sh -c #(nop) ARG VER", "empty_layer": True},
        {"created_by": "/bin/sh -c #(nop) WORKDIR /build", "empty_layer": True},
        {"created_by": "/bin/sh -c #(nop) COPY file:6fdc79f554a2a576686591cebdfa826743d2f970c1c996546a4a555f83671606 in ./ "},
        {"created_by": '|1 VER=1.0 /bin/sh -c echo "$VER" > /build/ver.txt'},
    ]
    image = image_with(tmp_path, history)
    assert {i: m.line for i, m in map_layers(image, dockerfile).items()} == {1: 5, 2: 6}


def _read(created_by: str) -> tuple:
    step = parse_created_by(created_by)
    return step.keyword, step.text, step.hashed_dest


def test_parse_created_by_reads_every_builder() -> None:
    assert _read("/bin/sh -c #(nop) COPY dir:ce45aed374932718b9 in ./src/ ") == ("COPY", "dir:ce45aed374932718b9 in ./src/", "./src/")
    assert _read("RUN /bin/sh -c pip install . # buildkit") == ("RUN", "/bin/sh -c pip install .", None)
    assert _read("|2 A=1 B=2 /bin/sh -c make")[0] == "RUN"
    assert _read("WORKDIR /app") == ("WORKDIR", "/app", None)
    assert parse_created_by("debootstrap --variant=minbase bookworm").keyword is None
    assert parse_created_by("").keyword is None


def test_ancestor_stages_come_before_the_final_stage(tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine AS base\nRUN apk add python3\n\nFROM base\nCOPY app.py /app/\n", encoding="utf-8"
    )
    df = parse_dockerfile(tmp_path / "Dockerfile", context_dir=tmp_path)
    history = [
        {"created_by": "/bin/sh -c #(nop) ADD file:00112233445566778899 in / "},
        {"created_by": "/bin/sh -c apk add python3"},
        {"created_by": "/bin/sh -c #(nop) COPY file:00112233445566778899aabb in /app/ "},
    ]
    assert {i: m.line for i, m in instruction_for_history(history, df).items()} == {1: 2, 2: 5}


@pytest.mark.buildah
def test_real_buildah_image_maps_layers_to_lines(built_images) -> None:
    """service-broken: WORKDIR, COPY pyproject, RUN pip install -e ., COPY src/, CMD (buildah --layers)."""
    fixture = built_images["service-broken"]
    context = Path(fixture["context"])
    df = parse_dockerfile(context / "Dockerfile", context_dir=context)
    lines = df.text.splitlines()
    for fmt in ("docker-archive", "oci-archive"):
        image = open_image(fixture[fmt])
        mapped = map_layers(image, df)
        shown = {i: lines[m.line - 1] for i, m in mapped.items()}
        assert list(shown.values()) == ["COPY pyproject.toml README.md ./", "RUN pip install --no-cache-dir -e .", "COPY src/ ./src/"], shown
        assert min(mapped) >= 1, "the base image's layer is not mapped"



def test_a_multi_line_run_spans_its_lines(tmp_path, dockerfile) -> None:
    image = image_with(tmp_path, BUILDAH_HISTORY)
    assert span_for(image, dockerfile, 4) == (L_RUN, L_RUN + 1)
    assert span_for(image, dockerfile, 0) == (None, None)
    assert span_for(image, None, 4) == (None, None)


# The config the final stage of DOCKERFILE gives, on a base image that sets PATH, a label and port 22.
RUNTIME = {
    "User": "1000",
    "Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "APP_HOME=/app", "X=1"],
    "Labels": {"org.opencontainers.image.title": "t", "vendor": "base"},
    "WorkingDir": "/app",
    "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}},
    "Cmd": ["python3"],
}


def _lines(instr) -> tuple[int, int] | None:
    return (instr.line, instr.end_line) if instr is not None else None


@pytest.mark.parametrize("history", [BUILDAH_HISTORY, BUILDKIT_HISTORY], ids=["buildah", "buildkit"])
def test_config_values_map_to_the_instructions_that_set_them(tmp_path, dockerfile, history) -> None:
    image = image_with(tmp_path, history, RUNTIME)
    assert _lines(config_instruction(image, dockerfile, "User")) == (20, 20)
    assert _lines(config_instruction(image, dockerfile, "Env", "APP_HOME")) == (10, 11)
    assert _lines(config_instruction(image, dockerfile, "Labels", "org.opencontainers.image.title")) == (12, 12)
    assert _lines(config_instruction(image, dockerfile, "WorkingDir")) == (L_WORKDIR, L_WORKDIR)
    assert _lines(config_instruction(image, dockerfile, "ExposedPorts", "8080/tcp")) == (21, 21)
    assert _lines(config_instruction(image, dockerfile, "Cmd")) == (L_CMD, L_CMD)
    assert _lines(arg_instruction(image, dockerfile, "VER")) == (9, 9), "the final stage's ARG, not the builder's"


def test_values_the_base_image_set_point_nowhere(tmp_path, dockerfile) -> None:
    image = image_with(tmp_path, BUILDAH_HISTORY, RUNTIME)
    assert config_instruction(image, dockerfile, "Env", "PATH") is None
    assert config_instruction(image, dockerfile, "Labels", "vendor") is None
    assert config_instruction(image, dockerfile, "ExposedPorts", "22/tcp") is None
    assert config_instruction(image, dockerfile, "Entrypoint") is None
    assert config_instruction(image, dockerfile, "Healthcheck") is None
    assert config_instruction(image, dockerfile, "Volumes", "/data") is None
    assert arg_instruction(image, dockerfile, "NOPE") is None


def test_a_value_the_dockerfile_does_not_give_points_nowhere(tmp_path, dockerfile) -> None:
    """The image says User 0 and X=2: this Dockerfile (USER 1000, X=1) did not build that config."""
    other = dict(RUNTIME, User="0", Env=["APP_HOME=/app", "X=2"], Cmd=["python3", "-m", "acme"])
    image = image_with(tmp_path, BUILDAH_HISTORY, other)
    assert config_instruction(image, dockerfile, "User") is None
    assert config_instruction(image, dockerfile, "Env", "X") is None
    assert config_instruction(image, dockerfile, "Cmd") is None
    assert _lines(config_instruction(image, dockerfile, "Env", "APP_HOME")) == (10, 11)
    assert config_instruction(image, None, "User") is None


def test_shell_form_commands_volumes_and_port_ranges(tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM debian:12\nVOLUME /data /cache/\nEXPOSE 8000-8010/udp 9000\nHEALTHCHECK CMD true\n"
        "ENTRYPOINT exec   acme serve\nCMD [\"--port\", \"9000\"]\n",
        encoding="utf-8",
    )
    df = parse_dockerfile(tmp_path / "Dockerfile", context_dir=tmp_path)
    runtime = {
        "Volumes": {"/data": {}, "/cache": {}},
        "ExposedPorts": {"8005/udp": {}, "9000/tcp": {}},
        "Healthcheck": {"Test": ["CMD-SHELL", "true"]},
        "Entrypoint": ["/bin/sh", "-c", "exec acme serve"],
        "Cmd": ["--port", "9000"],
    }
    image = image_with(tmp_path, [{"created_by": "debootstrap bookworm"}], runtime)
    assert _lines(config_instruction(image, df, "Volumes", "/cache")) == (2, 2)
    assert _lines(config_instruction(image, df, "ExposedPorts", "8005/udp")) == (3, 3)
    assert config_instruction(image, df, "ExposedPorts", "8005/tcp") is None
    assert _lines(config_instruction(image, df, "ExposedPorts", "9000/tcp")) == (3, 3)
    assert _lines(config_instruction(image, df, "Healthcheck")) == (4, 4)
    assert _lines(config_instruction(image, df, "Entrypoint")) == (5, 5)
    assert _lines(config_instruction(image, df, "Cmd")) == (6, 6)


def test_the_built_stage_follows_the_history(tmp_path, dockerfile) -> None:
    history = BASE_HISTORY + [
        {"created_by": "/bin/sh -c #(nop) WORKDIR /build", "empty_layer": True},
        {"created_by": "/bin/sh -c #(nop) COPY file:6fdc79f554a2a576686591cebdfa826743d2f970c1c996546a4a555f83671606 in ./ "},
        {"created_by": '|1 VER=1.0 /bin/sh -c echo "$VER" > /build/ver.txt'},
    ]
    builder = image_with(tmp_path, history, {"WorkingDir": "/build"})
    assert built_stage(builder, dockerfile).name == "builder"
    assert _lines(config_instruction(builder, dockerfile, "WorkingDir")) == (4, 4)
    assert _lines(arg_instruction(builder, dockerfile, "VER")) == (3, 3)
    (tmp_path / "u").mkdir()
    unrelated = image_with(tmp_path / "u", [{"created_by": "debootstrap bookworm"}])
    assert built_stage(unrelated, dockerfile) is dockerfile.final_stage, "nothing aligns: the final stage"
    assert built_stage(unrelated, None) is None


def test_layers_are_named_by_diff_id_the_same_in_every_archive_format(tmp_path) -> None:
    spec = ImageSpec([Layer({"/etc/os-release": b"debian\n"}), Layer({"/app/main.py": b"print()\n" * 100})],
                     history=[{"created_by": "debootstrap bookworm"}, {"created_by": "COPY . /app # buildkit"}])
    docker = open_image(write_shape("docker-skopeo", spec, str(tmp_path)))
    oci = open_image(write_shape("oci-archive", spec, str(tmp_path), compression="gzip"))
    assert docker.layers[1].digest != oci.layers[1].digest, "the blob of a gzip layer has its own digest"
    assert layer_label(docker, 1) == layer_label(oci, 1) == f"layer 1 {oci.layers[1].diff_id[:19]} (COPY . /app)"


def test_every_rule_reports_the_same_on_plain_and_compressed_archives(tmp_path) -> None:
    """Rules that quote layers (IM004, IM005, IM008, IM009, IM010) give the same findings, details included."""
    layers = [
        {"/etc/passwd": PASSWD, "/var/lib/apt/lists/main_Packages": b"p" * 40000},
        {"/app/.npmrc": b"//r/:_authToken=abcd1234efgh5678\n", "/usr/local/bin/tool": File(b"t", mode=0o4755)},
        {"/app/.npmrc": WHITEOUT, "/var/lib/apt/lists/main_Packages": b"q" * 40000},
    ]
    config = {"rules": {"IM010": {"max-size": 1}}}
    results = [
        run_image(tmp_path, write_image(tmp_path, layers, shape=shape, compression=compression), config)
        for shape, compression in (("docker-legacy", "none"), ("oci-archive", "gzip"), ("containerd", "zstd"))
    ]
    seen = [[(f.as_dict() | {"file": None}, dict(f.details)) for f in result.findings] for result in results]
    assert {f["rule"] for f, _ in seen[0]} >= {"IM004", "IM005", "IM008", "IM009", "IM010"}
    assert seen[0] == seen[1] == seen[2]
