"""DL4005 ln-bin-sh: ln over /bin/sh"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL4005"

# (Dockerfile, lines where both hadolint and imagepolicy report DL4005)
CASES = [
    ('FROM debian:12-slim\nRUN ln -sf /bin/bash /bin/sh\n', [2]),
    ('FROM debian:12-slim\nRUN apt-get update && \\\n    ln -s -f /bin/bash /bin/sh\n', [2]),
    ('FROM debian:12-slim\nRUN ln -sf /bin/bash /usr/local/bin/sh && ls /bin/sh\n', []),
]


globals().update(standard_tests(CODE, severity="warning", cases=CASES, message_contains="ln -sf /bin/bash /bin/sh"))
