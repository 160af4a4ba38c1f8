"""Testing plugins: run rules on Dockerfile text and on synthetic images, as ``imagepolicy check`` does.

For plugin authors, as pytest's ``pytester`` is for pytest plugins. A
:class:`PolicyTester` loads the installed plugins (like the command line) plus
the modules you name (like the config's ``plugins`` key), writes each case into
its own folder and runs the real engine, so options, settings, pragmas,
``ignore`` and severities behave exactly as for users::

    from imagepolicy.testing import PolicyTester

    def test_ac001(tmp_path):
        tester = PolicyTester(tmp_path, plugins=["acme_policy"])
        result = tester.check_dockerfile("FROM python:latest\\nFROM python:3.12\\n")
        assert result.lines("AC001") == [1]

A synthetic image is a list of layers, each a mapping of absolute paths to
contents (``bytes`` or ``str`` for a file, :class:`File` for mode and owner,
:class:`Symlink`, a path ending in ``/`` for a folder (value None), :data:`WHITEOUT` to delete
what a lower layer has), plus the image config's ``config`` object (``User``,
``Env``, ``Labels``...). It is written as an OCI image layout and read like any
image the user gives with ``--image``.

A check that reports input or internal errors (a rule that crashed, a config
that does not validate) raises ``AssertionError`` listing them, so a crash never
passes for "no findings"; pass ``allow_errors=True`` to inspect them instead.

:meth:`PolicyTester.fix_dockerfile` applies the rules' automatic fixes as
``imagepolicy fix`` does (each round checked again, a fix that breaks parsing or
adds a finding dropped) and returns the fixed text, the fixes applied and dropped,
and the check of the fixed text::

    fixed = tester.fix_dockerfile("FROM python:3.12\nRUN pip install requests==2.32.3\n")
    assert fixed.text == "FROM python:3.12\nRUN pip install --no-cache-dir requests==2.32.3\n"
    assert fixed.check.of("DL3042") == [] and fixed.dropped == []

With ``pytest_plugins = ["imagepolicy.testing"]`` in a ``conftest.py``, the
``policy_tester`` fixture gives a :class:`PolicyTester` on ``tmp_path`` that
loads the installed plugins.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .model import Finding, Report

__all__ = ["WHITEOUT", "CheckResult", "File", "FixResult", "PolicyTester", "Symlink", "write_oci_layout"]


@dataclass(frozen=True)
class File:
    """A regular file in a synthetic layer, with its mode and owner."""

    data: bytes | str
    mode: int = 0o644
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class Symlink:
    """A symbolic link in a synthetic layer."""

    target: str


class _Whiteout:
    def __repr__(self) -> str:
        return "WHITEOUT"


WHITEOUT = _Whiteout()
"""Deletes the path (from the layers below) in a synthetic layer, as ``rm`` in a later ``RUN`` does."""

Entry = bytes | str | File | Symlink | _Whiteout | None


@dataclass
class CheckResult:
    """What one check reported: the findings, errors and the rules that ran, as every format sees them."""

    report: Report
    exit_code: int
    formats: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    @property
    def errors(self) -> list[str]:
        return [message for _, message in self.report.errors]

    @property
    def rules_run(self) -> list[str]:
        """Codes of the rules that ran (and completed) on the targets."""
        return sorted({rule.code for result in self.report.results for rule in result.rules})

    def of(self, code: str) -> list[Finding]:
        """The findings of one code (a rule's, or one code of a family such as SC2086)."""
        return [f for f in self.findings if f.rule == code]

    def codes(self) -> list[str]:
        """Every reported code, once, sorted."""
        return sorted({f.rule for f in self.findings})

    def lines(self, code: str) -> list[int | None]:
        """The lines of one code's findings, in report order."""
        return [f.line for f in self.of(code)]

    def render(self, fmt: str = "text") -> str:
        """The report in a format (``text``, ``json``, ``junit``, ``sarif``...), as ``--format`` writes it."""
        return self.formats[fmt].render(self.report, False)


@dataclass
class FixResult:
    """What fixing one Dockerfile did: the fixed ``text``, the fixes ``applied`` and ``dropped`` (with the reason),
    and ``check``, the check of the fixed text (what ``imagepolicy check`` reports after ``imagepolicy fix``)."""

    text: str
    applied: list[Any]
    dropped: list[Any]
    check: CheckResult

    def codes_fixed(self) -> list[str]:
        """The codes of the findings the applied fixes resolved, sorted (once each)."""
        return sorted({code for applied in self.applied for code in applied.codes})


class PolicyTester:
    """Runs the engine with the installed plugins and ``plugins`` on cases written under ``tmp_path``."""

    def __init__(self, tmp_path: Path | str, plugins: Sequence[str] = (), *, autoload: bool = True) -> None:
        from .pluginmanager import build_plugin_manager, collect

        self.root = Path(tmp_path)
        self.pm = build_plugin_manager(list(plugins), autoload=autoload, config_path="PolicyTester(plugins=...)")
        self.registry = collect(self.pm)
        self._cases = 0

    def check_dockerfile(
        self,
        text: str,
        *,
        config: Mapping[str, Any] | None = None,
        files: Mapping[str, str | bytes] | None = None,
        build_args: Mapping[str, str] | None = None,
        name: str = "Dockerfile",
        allow_errors: bool = False,
    ) -> CheckResult:
        """Check a Dockerfile (``text`` is dedented) in a build context holding ``files``.

        :param config: the config as data (what ``.imagepolicy.yml`` would hold); validated
            like a user's, errors naming the file ``.imagepolicy.json``.
        :param files: build-context files by relative path (``pyproject.toml``, ``src/...``,
            ``.dockerignore``).
        """
        folder = self._case(files)
        path = folder / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        from .engine import CheckRequest

        request = CheckRequest(dockerfiles=[path], build_args=dict(build_args or {}))
        return self._run(folder, config, request, allow_errors)

    def fix_dockerfile(
        self,
        text: str,
        *,
        unsafe: bool = False,
        config: Mapping[str, Any] | None = None,
        files: Mapping[str, str | bytes] | None = None,
        build_args: Mapping[str, str] | None = None,
        name: str = "Dockerfile",
        allow_errors: bool = False,
    ) -> FixResult:
        """Apply the automatic fixes to a Dockerfile (``text`` is dedented) as ``imagepolicy fix [--unsafe]`` does.

        Parameters as for :meth:`check_dockerfile`. The file in the case folder is
        left as written; the result holds the fixed text.
        """
        from .engine import CheckRequest, run_checks
        from .fixes import fix_dockerfiles

        folder = self._case(files)
        path = folder / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        resolved = self._resolve(folder, config)

        def check(pairs):
            request = CheckRequest(dockerfiles=[p for p, _ in pairs], texts=[t for _, t in pairs],
                                   build_args=dict(build_args or {}))
            return run_checks(self.pm, self.registry, resolved, request).results

        (item,) = fix_dockerfiles([path], check, unsafe=unsafe)
        errors = [item.error] if item.error else list(item.result.errors if item.result is not None else [])
        if errors and not allow_errors:
            raise AssertionError("fixing reported errors:\n" + "\n".join(f"- {e}" for e in errors))
        results = [item.result] if item.result is not None else []
        report = Report("imagepolicy", "", results, resolved.failure_threshold, {r.code: r for r in self.registry.rules})
        code = 2 if report.errors else 1 if report.blocking() else 0
        return FixResult(item.text, list(item.applied), list(item.dropped), CheckResult(report, code, self.registry.formats))

    def check_image(
        self,
        layers: Sequence[Mapping[str, Entry]],
        *,
        image_config: Mapping[str, Any] | None = None,
        history: Sequence[Mapping[str, Any]] | None = None,
        config: Mapping[str, Any] | None = None,
        dockerfile: str | None = None,
        files: Mapping[str, str | bytes] | None = None,
        allow_errors: bool = False,
    ) -> CheckResult:
        """Check a synthetic image made of ``layers`` (see the module docs).

        :param image_config: the image config's ``config`` object (``User``, ``Env``,
            ``Labels``, ``ExposedPorts``, ``Healthcheck``...).
        :param history: the config's ``history`` (default: one ``created_by`` entry per layer).
        :param dockerfile: the Dockerfile the image was built from, given with it as in
            ``imagepolicy check Dockerfile --image IMAGE`` (findings then point at its lines).
        :param files: the build context, for rules that read the project (``pyproject.toml``).
        """
        folder = self._case(files)
        image = write_oci_layout(folder / "image.oci", layers, image_config=image_config, history=history)
        dockerfiles = []
        if dockerfile is not None:
            path = folder / "Dockerfile"
            path.write_text(textwrap.dedent(dockerfile).lstrip("\n"), encoding="utf-8")
            dockerfiles.append(path)
        from .engine import CheckRequest

        request = CheckRequest(dockerfiles=dockerfiles, images=[str(image)], context=folder if files is not None else None)
        return self._run(folder, config, request, allow_errors)

    def _case(self, files: Mapping[str, str | bytes] | None) -> Path:
        self._cases += 1
        folder = self.root / f"case{self._cases}"
        folder.mkdir(parents=True, exist_ok=False)
        for rel, content in (files or {}).items():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return folder

    def _resolve(self, folder: Path, config: Mapping[str, Any] | None) -> Any:
        """``config`` written to the case folder and resolved as the CLI would; AssertionError when it is invalid."""
        from . import config as config_mod
        from .model import InputError

        raw = None
        if config is not None:
            path = folder / ".imagepolicy.json"
            path.write_text(json.dumps(config, indent=1), encoding="utf-8")
            raw = config_mod.load_raw(path)
        try:
            return config_mod.resolve(raw, list(self.registry.rules), self.registry.presets,
                                      settings=self.registry.settings.values())
        except InputError as exc:
            raise AssertionError(f"the config is not valid: {exc}") from None

    def _run(self, folder: Path, config: Mapping[str, Any] | None, request: Any, allow_errors: bool) -> CheckResult:
        from .engine import run_checks

        resolved = self._resolve(folder, config)
        report = run_checks(self.pm, self.registry, resolved, request)
        code = 2 if report.errors else 1 if report.blocking() else 0
        result = CheckResult(report, code, self.registry.formats)
        if report.errors and not allow_errors:
            raise AssertionError("the check reported errors:\n" + "\n".join(f"- {e}" for e in result.errors))
        return result


def write_oci_layout(dest: Path | str, layers: Sequence[Mapping[str, Entry]], *, image_config: Mapping[str, Any] | None = None,
                     history: Sequence[Mapping[str, Any]] | None = None, architecture: str = "amd64") -> Path:
    """Write a synthetic image as an OCI image layout folder (uncompressed layers); returns the folder."""
    root = Path(dest)
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def blob(data: bytes, media_type: str) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}

    tars = [_layer_tar(files) for files in layers]
    layer_descs = [blob(tar, "application/vnd.oci.image.layer.v1.tar") for tar in tars]
    config = {
        "architecture": architecture,
        "os": "linux",
        "config": dict(image_config or {}),
        "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in layer_descs]},
        "history": [dict(h) for h in history] if history is not None else [{"created_by": f"layer {i}"} for i in range(len(tars))],
    }
    config_desc = blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": layer_descs}
    manifest_desc = blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                                                 "manifests": [manifest_desc]}))
    return root


def _layer_tar(files: Mapping[str, Entry]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, value in files.items():
            name = path.strip("/")
            if not name:
                raise ValueError(f"{path!r}: a layer entry needs a path below /")
            if value is WHITEOUT:
                head, _, base = name.rpartition("/")
                name, value = (f"{head}/" if head else "") + ".wh." + base, b""
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            if path.endswith("/") or value is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif isinstance(value, Symlink):
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, value.target, 0o777
                tar.addfile(info)
            else:
                entry = value if isinstance(value, File) else File(value)  # type: ignore[arg-type]
                data = entry.data.encode() if isinstance(entry.data, str) else entry.data
                info.size, info.mode, info.uid, info.gid = len(data), entry.mode, entry.uid, entry.gid
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


try:  # the fixture, for `pytest_plugins = ["imagepolicy.testing"]`; imagepolicy does not need pytest
    import pytest as _pytest
except ImportError:  # pragma: no cover
    _pytest = None  # type: ignore[assignment]

if _pytest is not None:

    @_pytest.fixture
    def policy_tester(tmp_path: Path) -> PolicyTester:
        """A :class:`PolicyTester` on ``tmp_path`` with the installed plugins."""
        return PolicyTester(tmp_path)
