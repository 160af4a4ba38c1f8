"""Helpers for image rule tests: synthesized images run through the real engine.

The image twin of ``ruletest.py``. A test describes an image as a list of
layers (dicts of path -> content, see ``image_synth.py``);
:func:`image_findings` writes it as an archive, runs every installed plugin on
it as ``imagepolicy check --image`` does (optionally with a build context and a
paired Dockerfile, as ``imagepolicy check Dockerfile --image ARCHIVE``) and
returns the findings. Layer ``i`` is recorded in the config history as
``/bin/sh -c step i`` unless ``history`` says otherwise.

The Python rule tests (PY002-PY005, the runtime model) build images from
:func:`official`, :func:`debian` and :func:`dist_info` and run them with
:func:`python_findings`, which gives the image the official images' PATH.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from image_synth import DIR, File, ImageSpec, Layer, Symlink, write_shape
from imagepolicy import config as config_mod
from imagepolicy.engine import CheckRequest, run_checks
from imagepolicy.image import Image, open_image
from imagepolicy.model import Finding, TargetResult
from ruletest import _loaded, write_tree

PASSWD = b"root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/bin/sh\n"
GHP = "ghp_" + "A1b2C3d4E5" * 3 + "f6G7h8"  # a GitHub token by its shape (not a real one)


# --- any image ------------------------------------------------------------------------------


def steps(count: int) -> list[dict]:
    """A config history of ``count`` layers: ``/bin/sh -c step 0``, ``step 1``..."""
    return [{"created_by": f"/bin/sh -c step {i}"} for i in range(count)]


def buildkit_history(instructions: list[str], base_layers: int = 1) -> list[dict]:
    """The config history BuildKit writes when a final stage runs ``instructions`` on a base of ``base_layers`` layers.

    RUN, COPY and ADD make a layer each; the other instructions (WORKDIR too,
    as buildah records it) make none. Pair it with :func:`dockerfile_of`.
    """
    history: list[dict] = [{"created_by": "debootstrap --variant=minbase bookworm"} for _ in range(base_layers)]
    for text in instructions:
        keyword, _, args = text.partition(" ")
        if keyword == "RUN":
            history.append({"created_by": f"RUN /bin/sh -c {args} # buildkit", "comment": "buildkit.dockerfile.v0"})
        elif keyword in ("COPY", "ADD"):
            history.append({"created_by": f"{text} # buildkit", "comment": "buildkit.dockerfile.v0"})
        else:
            history.append({"created_by": text, "comment": "buildkit.dockerfile.v0", "empty_layer": True})
    return history


def dockerfile_of(instructions: list[str], base: str = "debian:12") -> str:
    """``FROM base`` on line 1, then ``instructions[i]`` on line ``i + 2``."""
    return "\n".join([f"FROM {base}", *instructions]) + "\n"


def write_image(tmp_path: Path, layers: list[dict], runtime: dict | None = None, history: list[dict] | None = None,
                shape: str = "oci-archive", name: str = "img", compression: str | None = None) -> str:
    """Write a synthesized image (one dict per layer) as archive ``shape`` under ``tmp_path``; returns its path.

    Layers are plain tars unless ``compression`` (``gzip``, ``zstd``) says otherwise.
    """
    folder = tmp_path / f"{name}-{shape}"
    folder.mkdir(parents=True, exist_ok=True)
    spec = ImageSpec([Layer(files) for files in layers], runtime=runtime or {},
                     history=history if history is not None else steps(len(layers)))
    return write_shape(shape, spec, str(folder), compression)


def resolved_config(tmp_path: Path, config: dict | None = None):
    """The Config the CLI would use with ``config`` as ``.imagepolicy.json`` (defaults when None)."""
    _, reg = _loaded()
    raw = None
    if config is not None:
        cfg = tmp_path / ".imagepolicy.json"
        cfg.write_text(json.dumps(config), encoding="utf-8")
        raw = config_mod.load_raw(cfg)
    return config_mod.resolve(raw, list(reg.rules), reg.presets, settings=reg.settings.values())


def run_image(tmp_path: Path, archive: str, config: dict | None = None, *, context: dict[str, str] | None = None,
              dockerfile: str | None = None) -> TargetResult:
    """Run every plugin's image checks on ``archive`` through the engine; returns the image's TargetResult.

    ``context`` holds build-context files (``pyproject.toml``, sources), written
    to ``tmp_path/context``. ``dockerfile`` is the text of the Dockerfile given
    with the image (written into the context folder, else ``tmp_path``): image
    findings that carry a line then name that file.
    """
    pm, reg = _loaded()
    ctx_dir = None
    if context is not None:
        ctx_dir = tmp_path / "context"
        ctx_dir.mkdir(exist_ok=True)
        write_tree(ctx_dir, context)
    dockerfiles = []
    if dockerfile is not None:
        path = (ctx_dir or tmp_path) / "Dockerfile"
        path.write_text(textwrap.dedent(dockerfile).lstrip("\n"), encoding="utf-8")
        dockerfiles.append(path)
    report = run_checks(pm, reg, resolved_config(tmp_path, config), CheckRequest(dockerfiles=dockerfiles, images=[archive], context=ctx_dir))
    for result in report.results[:-1]:
        assert not result.errors, result.errors  # a Dockerfile that does not parse is paired with nothing
    return report.results[-1]


def image_findings(tmp_path: Path, layers: list[dict], code: str | None, *, runtime: dict | None = None,
                   config: dict | None = None, history: list[dict] | None = None, shape: str = "oci-archive",
                   context: dict[str, str] | None = None, dockerfile: str | None = None) -> list[Finding]:
    """Findings of rule ``code`` (all when None) on a synthesized image; fails on engine or rule errors."""
    archive = write_image(tmp_path, layers, runtime, history, shape)
    result = run_image(tmp_path, archive, config, context=context, dockerfile=dockerfile)
    assert not result.errors, result.errors
    return [f for f in result.findings if code is None or f.rule == code]


# --- images with Python -----------------------------------------------------------------------

ELF = File(b"\x7fELF python", mode=0o755)
OFFICIAL_PATH = "PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
SITE312 = "/usr/local/lib/python3.12/site-packages"


def official(version: str = "3.12") -> dict:
    """Files of an official python:X.Y image: /usr/local prefix, python3 -> pythonX.Y."""
    lib = f"/usr/local/lib/python{version}"
    return {
        "/etc/passwd": PASSWD,
        "/bin/sh": File(b"\x7fELF sh", mode=0o755),
        f"/usr/local/bin/python{version}": ELF,
        "/usr/local/bin/python3": Symlink(f"python{version}"),
        "/usr/local/bin/python": Symlink("python3"),
        f"{lib}/os.py": b"# os\n",
        f"{lib}/site.py": b"# site, upstream\n",
        f"{lib}/lib-dynload/": DIR,
        f"{lib}/site-packages/": DIR,
        f"{lib}/site-packages/README.txt": b"site-packages\n",
    }


def debian(version: str = "3.11") -> dict:
    """Files of Debian's python3 package: /usr prefix, site.py patched for dist-packages."""
    return {
        "/etc/passwd": PASSWD,
        "/etc/debian_version": b"12.5\n",
        f"/usr/bin/python{version}": ELF,
        "/usr/bin/python3": Symlink(f"python{version}"),
        f"/usr/lib/python{version}/os.py": b"# os\n",
        f"/usr/lib/python{version}/site.py": b"# Debian: /usr/lib/python3/dist-packages and local/lib/pythonX.Y/dist-packages\n",
        f"/usr/lib/python{version}/lib-dynload/": DIR,
        "/usr/lib/python3/dist-packages/": DIR,
    }


def dist_info(site: str, name: str, version: str = "1.0", *, files: dict[str, bytes] | None = None,
              record: list[str] | None = None, editable: bool = False, url: str | None = None,
              top_level: list[str] | None = None, scripts: dict[str, str] | None = None) -> dict:
    """A ``*.dist-info`` folder (and the files it records) in ``site``."""
    folder = f"{site}/{name.replace('-', '_')}-{version}.dist-info"
    out: dict = {f"{folder}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
                 f"{folder}/INSTALLER": b"pip\n"}
    for rel, data in (files or {}).items():
        out[f"{site}/{rel}" if not rel.startswith("/") else rel] = data
    rows = list(record if record is not None else [r for r in (files or {}) if not r.startswith("/")])
    rows += [f"{folder.rsplit('/', 1)[1]}/{n},," for n in ("METADATA", "INSTALLER", "RECORD")]
    out[f"{folder}/RECORD"] = "\n".join(r if r.endswith(",,") else r + ",," for r in rows).encode() + b"\n"
    if editable or url:
        out[f"{folder}/direct_url.json"] = json.dumps({"url": url or "file:///app", "dir_info": {"editable": editable} if editable else {}}).encode()
    if top_level is not None:
        out[f"{folder}/top_level.txt"] = ("\n".join(top_level) + "\n").encode()
    if scripts:
        out[f"{folder}/entry_points.txt"] = ("[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())).encode()
    return out


def with_python_path(runtime: dict | None) -> dict:
    """``runtime`` with the official images' PATH in Env unless it sets its own Env."""
    return {"Env": [OFFICIAL_PATH], **(runtime or {})}


def python_image(tmp_path: Path, layers: list[dict], runtime: dict | None = None, shape: str = "oci-archive") -> Image:
    """Open a synthesized image whose Env has the official images' PATH (unless ``runtime`` sets Env)."""
    return open_image(write_image(tmp_path, layers, with_python_path(runtime), shape=shape))


def python_findings(tmp_path: Path, layers: list[dict], code: str | None, *, runtime: dict | None = None,
                    context: dict[str, str] | None = None, config: dict | None = None, shape: str = "oci-archive",
                    history: list[dict] | None = None, dockerfile: str | None = None) -> list[Finding]:
    """:func:`image_findings` on an image whose Env has the official images' PATH (unless ``runtime`` sets Env)."""
    return image_findings(tmp_path, layers, code, runtime=with_python_path(runtime), config=config, history=history,
                          shape=shape, context=context, dockerfile=dockerfile)


ACME_PROJECT = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "acme-service"
        version = "0.1.0"

        [project.scripts]
        acme = "acme.cli:main"

        [tool.hatch.build.targets.wheel]
        packages = ["src/acme"]
        """,
    "src/acme/__init__.py": "",
    "src/acme/cli.py": "def main():\n    print('ok')\n",
}
