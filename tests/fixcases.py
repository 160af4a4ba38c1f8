"""A rule's automatic-fix tests, generated from before/after Dockerfiles.

Each case runs ``imagepolicy fix`` as a user does (through
:meth:`imagepolicy.testing.PolicyTester.fix_dockerfile`: every rule, each round
checked again) and checks what the user gets::

    from fixcases import fix_tests

    globals().update(fix_tests("DL3042", safe=[(BEFORE, AFTER)], unsafe=[...], no_fix=[...]))

``test_safe_fix[i]``
    ``safe`` is ``[(before, after)]``: ``fix`` turns ``before`` into exactly
    ``after``, applying a fix of the rule, dropping none; BuildKit's own parser
    (PyPI ``dockerfile``) reads ``after``; the rule no longer fires on it.
``test_unsafe_fix_needs_unsafe[i]``
    ``unsafe`` is ``[(before, after)]``: without ``--unsafe`` the rule still
    fires and none of its fixes is applied; with it, as for ``safe``, and every
    fix of the rule that was applied says it is unsafe.
``test_no_fix_is_offered[i]``
    ``no_fix`` is ``[before]``: the rule fires, its findings carry no fix, and
    ``fix --unsafe`` leaves them.

``files`` are build-context files written next to each Dockerfile (dedented).
"""

from __future__ import annotations

import textwrap
from typing import Callable, Sequence

import pytest

from imagepolicy.testing import PolicyTester


def dockerfile_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def buildkit_parses(text: str) -> None:
    """Fail unless BuildKit's own parser (frontend/dockerfile/parser, through PyPI ``dockerfile``) reads ``text``."""
    buildkit = pytest.importorskip("dockerfile", reason="BuildKit's parser (PyPI dockerfile) is a test extra")
    try:
        buildkit.parse_string(text)
    except buildkit.GoParseError as exc:  # pragma: no cover - the assertion message is the point
        raise AssertionError(f"BuildKit's parser refuses the fixed Dockerfile: {exc}\n{text}") from None


def fix_tests(code: str, *, safe: Sequence[tuple[str, str]] = (), unsafe: Sequence[tuple[str, str]] = (),
              no_fix: Sequence[str] = (), files: dict[str, str | bytes] | None = None) -> dict[str, Callable]:
    """The fix tests of rule ``code``, by name, for ``globals().update(...)`` (see the module docs)."""
    tests: dict[str, Callable] = {}

    def fixed(tmp_path, before: str, unsafe_too: bool):
        return PolicyTester(tmp_path).fix_dockerfile(dockerfile_text(before), unsafe=unsafe_too, files=files)

    def assert_fixed(result, after: str) -> None:
        assert result.text == dockerfile_text(after), result.text
        assert code in result.codes_fixed(), result.applied
        assert result.dropped == []
        assert result.check.of(code) == [], [f.message for f in result.check.of(code)]
        buildkit_parses(result.text)

    if safe:
        @pytest.mark.parametrize("before,after", safe, ids=range(len(safe)))
        def test_safe_fix(tmp_path, before, after):
            result = fixed(tmp_path, before, False)
            assert_fixed(result, after)
            assert all(applied.safe for applied in result.applied if code in applied.codes)

        tests["test_safe_fix"] = test_safe_fix
    if unsafe:
        @pytest.mark.parametrize("before,after", unsafe, ids=range(len(unsafe)))
        def test_unsafe_fix_needs_unsafe(tmp_path, before, after):
            (tmp_path / "safe").mkdir()
            without = fixed(tmp_path / "safe", before, False)
            assert without.check.of(code), f"{code} does not fire on the unsafe case"
            assert not any(code in applied.codes for applied in without.applied)
            (tmp_path / "unsafe").mkdir()
            result = fixed(tmp_path / "unsafe", before, True)
            assert_fixed(result, after)
            assert not any(applied.safe for applied in result.applied if code in applied.codes)

        tests["test_unsafe_fix_needs_unsafe"] = test_unsafe_fix_needs_unsafe
    if no_fix:
        @pytest.mark.parametrize("before", no_fix, ids=range(len(no_fix)))
        def test_no_fix_is_offered(tmp_path, before):
            result = fixed(tmp_path, before, True)
            findings = result.check.of(code)
            assert findings, f"{code} does not fire"
            assert all(f.autofix is None for f in findings)
            assert not any(code in applied.codes for applied in result.applied)

        tests["test_no_fix_is_offered"] = test_no_fix_is_offered
    return tests
