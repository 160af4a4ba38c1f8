"""DL3045 copy-relative-without-workdir: COPY to a relative path without WORKDIR"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3045"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3045)
CASES = [
    ('FROM python:3.12-slim\nCOPY app.py app/\n', [2]),
    ('FROM python:3.12-slim AS base\nWORKDIR /app\nFROM python:3.12-slim\nCOPY a b\nCOPY a /b\nCOPY a $X\nWORKDIR /y\nCOPY a b\n', [4]),
    ('FROM python:3.12-slim AS base\nWORKDIR /app\nFROM base\nCOPY app.py app/\n', []),
    ('FROM python:3.12-slim\nCOPY app.py /srv/app.py\nCOPY app.py "/srv/"\n', []),
    # under `# escape=``, a backslash is a path separator: C:\app is a Windows absolute path
    ('# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCOPY . C:\\app\nCOPY . D:\\\n', []),
    ('# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCOPY . app\\sub\n', [3]),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'WORKDIR two stages up': ('FROM python:3.12-slim AS a\nWORKDIR /app\nFROM a AS b\nRUN true\nFROM b\nCOPY x y\n', [], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="'app/'"))


def test_a_windows_relative_destination_is_shown_with_its_backslash(tmp_path):
    from ruletest import check

    (finding,) = check(tmp_path, "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nCOPY . app\\sub\n", code=CODE)
    assert "'app\\\\sub'" in finding.message  # repr of app\sub
