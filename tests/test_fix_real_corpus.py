"""Every automatic fix on every file of the real corpus (``../shared/real-dockerfiles/files``, 419 public Dockerfiles).

One ``imagepolicy fix --unsafe`` over the whole corpus, in memory (the files are
third-party data read where they lie, never copied or written): each fixed text
must still parse, with imagepolicy's parser and with BuildKit's own (PyPI
``dockerfile``), and be reported for no rule code more often than the original.
About 15 s of CPU: the corpus is checked once, the fixed files once per round.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from hadolint_agreement import real_corpus
from imagepolicy import config as config_mod
from imagepolicy.engine import CheckRequest, run_checks
from imagepolicy.fixes import FileFixes, fix_dockerfiles
from ruletest import _loaded

# Fixes a real Dockerfile should never see from a built-in rule: a bug in the rule's fix.
BUGS = ("the rule's fix is malformed", "the fixed file would not parse", "checking the fixed file fails")


@lru_cache(maxsize=1)
def corpus_fixes() -> tuple[FileFixes, ...]:
    folder = real_corpus()
    if folder is None:
        pytest.skip("the real corpus ../shared/real-dockerfiles/files is absent")
    pm, registry = _loaded()
    config = config_mod.resolve(None, list(registry.rules), registry.presets, settings=registry.settings.values())

    def check(pairs):
        request = CheckRequest(dockerfiles=[p for p, _ in pairs], texts=[t for _, t in pairs])
        return run_checks(pm, registry, config, request).results

    paths = sorted(p for p in Path(folder).iterdir() if p.is_file())
    assert len(paths) >= 400, f"{folder} holds {len(paths)} files"
    return tuple(fix_dockerfiles(paths, check, unsafe=True))


def fixed_counts(files) -> Counter:
    counts: Counter = Counter()
    for item in files:
        for applied in item.applied:
            for code in applied.codes:
                counts[code] += applied.findings if len(applied.codes) == 1 else 1
    return counts


def test_every_fixed_file_parses_with_buildkit_and_gains_no_finding():
    buildkit = pytest.importorskip("dockerfile", reason="BuildKit's parser (PyPI dockerfile) is a test extra")
    files = corpus_fixes()
    changed = [item for item in files if item.changed]
    assert len(changed) >= 150, f"only {len(changed)} files were fixed"
    for item in changed:
        try:
            buildkit.parse_string(item.text)
        except buildkit.GoParseError as exc:
            pytest.fail(f"{item.shown}: BuildKit's parser refuses the fixed file: {exc}")
        assert not item.result.errors, (item.shown, item.result.errors)
        before = Counter(f.rule for f in item.first_result.findings)
        after = Counter(f.rule for f in item.result.findings)
        gained = {code: after[code] - before[code] for code in after if after[code] > before[code]}
        assert not gained, f"{item.shown}: the fixes add findings {gained}"
        assert sum(after.values()) < sum(before.values()), item.shown
    assert not [item.shown for item in files if item.unfinished]


def test_every_rule_with_fixes_fixes_the_corpus_and_no_built_in_fix_is_broken():
    from ruletest import registry

    files = corpus_fixes()
    counts = fixed_counts(files)
    for code in ("DL3009", "DL3014", "DL3015", "DL3019", "DL3020", "DL3025", "DL3042", "DL3047", "DL4006"):
        assert counts[code] > 0, f"no {code} fix applied on the corpus: {dict(counts)}"
    broken = [(item.shown, d) for item in files for d in item.dropped if d.reason.startswith(BUGS)]
    assert broken == []
    declared = {rule.code: rule.autofix for rule in registry().rules}
    for item in files:
        for applied in item.applied:
            for code in applied.codes:
                kind = declared.get(code) or declared.get("SC")
                assert kind, f"{code} applied a fix without declaring one"
                if kind in ("safe", "unsafe"):
                    assert applied.safe == (kind == "safe"), (code, kind, applied)
