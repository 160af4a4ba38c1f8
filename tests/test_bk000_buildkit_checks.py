"""All of BuildKit's build checks: every name is a code's alias, so `# check=skip=NAME` reaches it."""

from __future__ import annotations

import pytest

from ruletest import check, lines, registry

# frontend/dockerfile/linter/ruleset.go (BuildKit 0.2x): 22 checks.
BUILDKIT_CHECKS = {
    "StageNameCasing": "BK001", "FromAsCasing": "BK002", "NoEmptyContinuation": "BK003",
    "ConsistentInstructionCasing": "BK004", "DuplicateStageName": "DL3024", "ReservedStageName": "DL3063",
    "JSONArgsRecommended": "BK006", "MaintainerDeprecated": "DL4000", "UndefinedArgInFrom": "BK007",
    "WorkdirRelativePath": "DL3000", "UndefinedVar": "BK008", "MultipleInstructionsDisallowed": "BK009",
    "LegacyKeyValueFormat": "BK010", "InvalidBaseImagePlatform": None, "RedundantTargetPlatform": "DL3065",
    "SecretsUsedInArgOrEnv": "BK012", "InvalidDefaultArgInFrom": "BK013", "FromPlatformFlagConstDisallowed": "DL3029",
    "CopyIgnoredFile": "BK014", "InvalidDefinitionDescription": "BK015", "ExposeProtoCasing": "BK016",
    "ExposeInvalidFormat": "BK017",
}


@pytest.mark.parametrize("name, code", sorted(BUILDKIT_CHECKS.items()))
def test_buildkit_name_designates_its_rule(name, code):
    from imagepolicy.plugins.dockerfile._buildkit import BUILDKIT_CHECK_NAMES

    assert set(BUILDKIT_CHECKS) == BUILDKIT_CHECK_NAMES
    found = [r.code for r in registry().rules if name in r.aliases]
    # InvalidBaseImagePlatform compares the pulled base image's platform: not knowable without the registry.
    assert found == ([code] if code else [])


# The same check as a hadolint rule: one finding, under the DL code, on BuildKit's line.
@pytest.mark.parametrize(
    "text, code, line",
    [
        ("#\nFROM scratch\nMAINTAINER me@example.org\n", "DL4000", 3),  # BuildKit testMaintainerDeprecated
        ("#\nFROM scratch AS b\nFROM scratch AS b\n", "DL3024", 3),  # testDuplicateStageName
        ("#\nFROM scratch\nWORKDIR app/\n", "DL3000", 3),  # testWorkdirRelativePath
        ("#\nFROM --platform=linux/amd64 scratch\n", "DL3029", 2),  # testFromPlatformFlagConstDisallowed
    ],
    ids=["MaintainerDeprecated", "DuplicateStageName", "WorkdirRelativePath", "FromPlatformFlagConstDisallowed"],
)
def test_aliased_dl_rule_reports_buildkits_line(tmp_path, text, code, line):
    findings = check(tmp_path, text)
    assert lines([f for f in findings if f.rule == code]) == [line]
    # no second rule reports the same BuildKit check on that line
    name = next(n for n, c in BUILDKIT_CHECKS.items() if c == code)
    assert [f.rule for f in findings if name in f.aliases] == [code]


@pytest.mark.parametrize(
    "text, code",
    [
        ("#\nFROM scratch\nLABEL org.opencontainers.image.authors=\"me@example.org\"\n", "DL4000"),
        ("#\nFROM scratch AS b1\nFROM scratch AS b2\n", "DL3024"),
        ("#\nFROM scratch AS a\nWORKDIR /app\n\nFROM a AS b\nWORKDIR /app/subdir/\n", "DL3000"),
        ("#\nFROM --platform=$BUILDPLATFORM scratch\n", "DL3029"),
    ],
    ids=["label-author", "unique-names", "absolute", "platform-arg"],
)
def test_aliased_dl_rule_near_misses(tmp_path, text, code):
    assert check(tmp_path, text, code=code) == []


def test_buildkit_is_more_lenient_than_dl3000_and_dl3029(tmp_path):
    """Where BuildKit stays silent and hadolint's rule fires, the DL rule keeps hadolint's verdict."""
    # BuildKit: a relative WORKDIR after an absolute one in the stage lineage is fine; hadolint flags it.
    text = "FROM scratch AS a\nWORKDIR /app\n\nFROM a AS b\nWORKDIR subdir/\n"
    assert lines(check(tmp_path, text, code="DL3000")) == [5]
    # BuildKit: a constant platform named in the stage name is fine; hadolint flags it.
    assert lines(check(tmp_path, "FROM --platform=linux/amd64 scratch AS my_amd64_stage\n", code="DL3029")) == [1]


@pytest.mark.parametrize("skip", ["DL4000", "maintainer-deprecated", "all",
                                  "MaintainerDeprecated"])
def test_check_skip_reaches_the_aliased_rule(tmp_path, skip):
    assert check(tmp_path, f"# check=skip={skip}\nFROM scratch\nMAINTAINER me@example.org\n", code="DL4000") == []


def test_check_error_true_makes_buildkit_checks_errors(tmp_path):
    text = "# check=error=true\nFROM alpine AS Build\nMAINTAINER me@example.org\n"
    found = {(f.rule, f.severity.label) for f in check(tmp_path, text) if f.rule in ("BK001", "DL4000", "DL3006")}
    assert found == {("BK001", "error"), ("DL4000", "error"), ("DL3006", "warning")}


# BuildKit checks carried by a hadolint rule: BuildKit's own lint-test cases, same lines.
@pytest.mark.parametrize(
    "code, text, expected",
    [
        ("DL3063", "#\nFROM scratch AS scratch\nFROM scratch AS context\n", [2, 3]),  # testReservedStageName
        ("DL3063", "#\nFROM scratch\nFROM scratch AS a\n", []),
        ("DL3065", "#\nFROM --platform=$TARGETPLATFORM scratch\n", [2]),  # testRedundantTargetPlatform
        ("DL3065", "#\nFROM --platform=${TARGETPLATFORM} scratch\n", [2]),
        ("DL3065", "FROM --platform=$BUILDPLATFORM alpine\n", []),
    ],
)
def test_buildkit_cases_of_checks_carried_by_dl_rules(tmp_path, code, text, expected):
    assert lines(check(tmp_path, text, code=code)) == expected


def test_buildkit_preset_turns_on_overlapping_and_experimental_checks(tmp_path):
    text = "FROM alpine\nARG GITHUB_TOKEN\nCOPY x /x\nCMD echo hi\n"
    files = {".dockerignore": "x\n", "x": "x\n"}
    default = {f.rule for f in check(tmp_path / "a", text, files)}
    preset = {f.rule for f in check(tmp_path / "b", text, files, config={"version": 1, "extends": ["recommended", "buildkit"]})}
    assert not default & {"BK006", "BK012", "BK014"}
    assert {"BK006", "BK012", "BK014"} <= preset
