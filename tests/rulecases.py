"""A rule test module's standard tests, generated from its cases.

Every DL/BK rule is tested the same way: it fires on the right line with its
severity and a fix, near misses stay silent, it agrees with hadolint (the
oracle in ``hadolint_oracle``) except on named divergences, and the docs'
Example fires while Use instead stays silent. A rule's test module holds only
that data and its rule-specific tests; :func:`standard_tests` writes the rest::

    from rulecases import standard_tests

    CODE = "DL3008"
    FIRES = [("FROM debian:12\\nRUN apt-get install -y curl\\n", 2)]
    SILENT = ["FROM debian:12\\nRUN apt-get install -y curl=7.88\\n"]
    DIVERGENCES = {"variables are resolved": (dockerfile, [3], [])}

    globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT,
                                    divergences=DIVERGENCES))

pytest collects the returned functions under their names. Only the tests
whose data is given are returned (pytest would skip an empty parametrization):

``test_fires_on_the_instruction_line[fires]``
    ``fires`` is ``[(dockerfile, line or [lines])]``: our findings of the rule
    are on exactly those lines; the first has the rule's code, ``severity``,
    a fix, and the ``message_contains``/``fix_contains`` words.
``test_near_miss_is_silent[silent]``
    ``silent`` is ``[dockerfile]``: no finding.
``test_parity_with_hadolint[fires + silent]``
    our lines equal hadolint's.
``test_fires_on_the_same_lines_as_hadolint[cases]``
    ``cases`` is ``[(dockerfile, [lines])]``: our lines are exactly these
    (several findings may share a line) and hadolint reports the same lines.
``test_message_severity_and_fix``
    with ``cases`` and a ``severity``: the first finding of the first case
    that fires has ``severity``, a fix and the ``message_contains``/
    ``fix_contains`` words.
``test_intentional_divergence_from_hadolint[divergences]``
    ``divergences`` is ``{name: (dockerfile, hadolint_lines, our_lines)}``:
    hadolint still reports ``hadolint_lines`` (else the docs' "Differences
    from hadolint" section is stale) and we report ``our_lines``.
``test_docs_example_fires_and_use_instead_is_silent``
    the docs' one Example block fires (on ``example_lines`` if given) and
    each of the ``instead_blocks`` Use instead blocks is silent. With
    ``example_refused=True`` it is
    ``test_docs_use_instead_is_silent_and_example_is_refused`` instead: the
    Example is a file BuildKit refuses (an ``InputError``), the rule is
    declared with ``severity``, and Use instead is silent.

Every Dockerfile is dedented and stripped of leading newlines once, so
imagepolicy and hadolint read the same text. ``config`` is the imagepolicy
config for every check (``docs_config`` overrides it for the docs' blocks),
``files`` are context files written next to each Dockerfile, and hadolint runs
with ``hadolint_args`` plus, if ``hadolint_config`` is given, ``--config`` on
that mapping (written as JSON, which hadolint reads as YAML).
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

from hadolint_oracle import hadolint_findings, only
from ruletest import check, docs_blocks, lines, rule_by_code

Cases = Sequence[tuple[str, Any]]

_UNSET: Any = object()


def dockerfile_text(text: str) -> str:
    """The text both tools read: dedented, without leading blank lines."""
    return textwrap.dedent(text).lstrip("\n")


@dataclass(frozen=True)
class _Rule:
    """How to run one rule through imagepolicy and hadolint, and what its findings must say."""

    code: str
    severity: str | None = None
    config: dict | None = None
    docs_config: dict | None = None
    files: dict[str, str] | None = None
    hadolint_args: tuple[str, ...] = ()
    hadolint_config: dict | None = None
    message_contains: str | None = None
    fix_contains: str | None = None

    def findings(self, tmp_path: Path, text: str, config: Any = _UNSET) -> list:
        """Our findings of this rule on ``text``, in the engine's (line) order."""
        config = self.config if config is _UNSET else config
        return check(tmp_path, dockerfile_text(text), files=self.files, code=self.code, config=config)

    def ours(self, tmp_path: Path, text: str, config: Any = _UNSET) -> list[int]:
        """The lines of our findings, one per finding."""
        return lines(self.findings(tmp_path, text, config))

    def theirs(self, tmp_path: Path, text: str) -> list[int]:
        """The lines hadolint reports this code on, sorted, each once."""
        args = list(self.hadolint_args)
        if self.hadolint_config is not None:
            path = tmp_path / "hadolint.yaml"
            path.write_text(json.dumps(self.hadolint_config), encoding="utf-8")
            args += ["--config", str(path)]
        return sorted(line for _, line in only(self.code, hadolint_findings(dockerfile_text(text), *args)))

    def assert_finding(self, finding) -> None:
        """A finding of this rule: its code, severity, a fix, and the expected words."""
        assert finding.rule == self.code
        assert finding.severity.label == self.severity
        assert finding.fix, f"{self.code}: finding without a fix: {finding.message}"
        if self.message_contains is not None:
            assert self.message_contains in finding.message, finding.message
        if self.fix_contains is not None:
            assert self.fix_contains in finding.fix, finding.fix


def _as_lines(line: int | Sequence[int]) -> list[int]:
    return [line] if isinstance(line, int) else list(line)


def _fires_tests(rule: _Rule, fires: Cases, silent: Sequence[str]) -> dict[str, Callable]:
    tests: dict[str, Callable] = {}
    if fires:
        @pytest.mark.parametrize("text,line", fires)
        def test_fires_on_the_instruction_line(tmp_path, text, line):
            findings = rule.findings(tmp_path, text)
            assert lines(findings) == _as_lines(line)
            rule.assert_finding(findings[0])

        tests["test_fires_on_the_instruction_line"] = test_fires_on_the_instruction_line
    if silent:
        @pytest.mark.parametrize("text", silent)
        def test_near_miss_is_silent(tmp_path, text):
            assert rule.ours(tmp_path, text) == []

        tests["test_near_miss_is_silent"] = test_near_miss_is_silent
    if fires or silent:
        @pytest.mark.parametrize("text", [t for t, _ in fires] + list(silent))
        def test_parity_with_hadolint(tmp_path, text):
            assert rule.ours(tmp_path, text) == rule.theirs(tmp_path, text)

        tests["test_parity_with_hadolint"] = test_parity_with_hadolint
    return tests


def _cases_tests(rule: _Rule, cases: Cases) -> dict[str, Callable]:
    if not cases:
        return {}

    @pytest.mark.parametrize("text,expected", cases, ids=range(len(cases)))
    def test_fires_on_the_same_lines_as_hadolint(tmp_path, text, expected):
        assert rule.ours(tmp_path, text) == list(expected)
        assert rule.theirs(tmp_path, text) == sorted(set(expected))

    def test_message_severity_and_fix(tmp_path):
        text = next(t for t, expected in cases if expected)
        rule.assert_finding(rule.findings(tmp_path, text)[0])

    tests = {"test_fires_on_the_same_lines_as_hadolint": test_fires_on_the_same_lines_as_hadolint}
    if rule.severity is not None:
        tests["test_message_severity_and_fix"] = test_message_severity_and_fix
    return tests


def _divergence_tests(rule: _Rule, divergences: dict[str, tuple[str, list[int], list[int]]]) -> dict[str, Callable]:
    if not divergences:
        return {}

    @pytest.mark.parametrize("name", sorted(divergences))
    def test_intentional_divergence_from_hadolint(tmp_path, name):
        text, hadolint_lines, our_lines = divergences[name]
        stale = "hadolint changed: update the docs' Differences section"
        assert rule.theirs(tmp_path, text) == sorted(set(hadolint_lines)), stale
        assert rule.ours(tmp_path, text) == list(our_lines)

    return {"test_intentional_divergence_from_hadolint": test_intentional_divergence_from_hadolint}


def _docs_tests(
    rule: _Rule, example_lines: list[int] | None, instead_blocks: int, example_refused: bool
) -> dict[str, Callable]:
    def blocks() -> tuple[str, list[str]]:
        documented = rule_by_code(rule.code)
        (example,) = docs_blocks(documented, "Example")
        instead = docs_blocks(documented, "Use instead")
        assert len(instead) == instead_blocks, f"{rule.code}: {len(instead)} Use instead blocks, not {instead_blocks}"
        return example, instead

    def assert_instead_is_silent(tmp_path: Path, instead: list[str]) -> None:
        for i, block in enumerate(instead):
            (tmp_path / f"instead{i}").mkdir()
            assert rule.ours(tmp_path / f"instead{i}", block, rule.docs_config) == []

    if example_refused:
        def test_docs_use_instead_is_silent_and_example_is_refused(tmp_path):
            from imagepolicy.dockerfile import parse_dockerfile
            from imagepolicy.model import InputError

            assert rule_by_code(rule.code).severity.label == rule.severity
            example, instead = blocks()
            with pytest.raises(InputError):
                parse_dockerfile(text=example, context_dir=tmp_path)
            assert_instead_is_silent(tmp_path, instead)

        refused = test_docs_use_instead_is_silent_and_example_is_refused
        return {"test_docs_use_instead_is_silent_and_example_is_refused": refused}

    def test_docs_example_fires_and_use_instead_is_silent(tmp_path):
        example, instead = blocks()
        (tmp_path / "example").mkdir()
        found = rule.ours(tmp_path / "example", example, rule.docs_config)
        if example_lines is None:
            assert found, f"{rule.code}: the docs' Example does not fire"
        else:
            assert found == example_lines
        assert_instead_is_silent(tmp_path, instead)

    return {"test_docs_example_fires_and_use_instead_is_silent": test_docs_example_fires_and_use_instead_is_silent}


def standard_tests(
    code: str,
    *,
    severity: str | None = None,
    fires: Cases = (),
    silent: Sequence[str] = (),
    cases: Cases = (),
    divergences: dict[str, tuple[str, list[int], list[int]]] | None = None,
    config: dict | None = None,
    docs_config: Any = _UNSET,
    files: dict[str, str] | None = None,
    hadolint_args: Sequence[str] = (),
    hadolint_config: dict | None = None,
    message_contains: str | None = None,
    fix_contains: str | None = None,
    example_lines: list[int] | None = None,
    instead_blocks: int = 1,
    example_refused: bool = False,
) -> dict[str, Callable]:
    """The standard tests of rule ``code``, by name, for ``globals().update(...)`` (see the module docs).

    ``severity`` is the severity the findings must have (the rule's default,
    hadolint's, unless ``config`` changes it); required with ``fires`` and
    ``example_refused``.
    """
    if (fires or example_refused) and severity is None:
        raise TypeError(f"standard_tests({code!r}): give the severity the findings must have")
    rule = _Rule(
        code, severity, config, config if docs_config is _UNSET else docs_config, files,
        tuple(hadolint_args), hadolint_config, message_contains, fix_contains,
    )
    return {
        **_fires_tests(rule, fires, silent),
        **_cases_tests(rule, cases),
        **_divergence_tests(rule, divergences or {}),
        **_docs_tests(rule, example_lines, instead_blocks, example_refused),
    }
