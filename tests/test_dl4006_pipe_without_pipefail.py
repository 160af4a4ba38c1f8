"""DL4006 pipe-without-pipefail: pipe without pipefail"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL4006"

# (Dockerfile, lines where both hadolint and imagepolicy report DL4006)
CASES = [
    ('FROM debian:12-slim\nRUN wget -qO- https://example.com/x | tar xz\n', [2]),
    ('FROM debian:12-slim\nSHELL ["/bin/bash", "-c"]\nRUN a | b\n', [3]),
    ('FROM debian:12-slim\nRUN ["sh", "-c", "a | b"]\n', [2]),
    ('FROM debian:12-slim\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b\n', []),
    ('FROM debian:12-slim\nSHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nRUN a | b\n', []),
    ("FROM debian:12-slim\nRUN a || b && echo 'x|y'\n", []),
    ('FROM debian:12-slim\nSHELL ["pwsh", "-c"]\nRUN a | b\n', []),
    ('FROM debian:12-slim\nRUN <<EOF\nwget -qO- https://example.com/x | tar xz\nEOF\n', [2]),
    # issue 9: `case` pattern alternatives are no pipe; a pipe inside $(...) is one
    ('FROM debian:12-slim\nRUN case "$(uname -m)" in x86_64|aarch64) echo x ;; esac\n', []),
    ('FROM debian:12-slim\nRUN arch="$(dpkg --print-architecture | awk -F- \'{ print $NF }\')" && echo $arch\n', [2]),
    ('FROM debian:12-slim\nRUN for f in `ls | grep x`; do echo $f; done\n', [2]),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'set -o pipefail in the script': ('FROM debian:12-slim\nRUN set -o pipefail && a | b\n', [2], []),
    'set -euo pipefail in the script': ('FROM debian:12-slim\nRUN set -euo pipefail; a | b\n', [2], []),
    'SHELL inherited through FROM <stage>': ('FROM debian:12-slim AS base\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nFROM base\nRUN a | b\n', [4], []),
    'set -o pipefail in a heredoc': ('FROM debian:12-slim\nRUN <<EOF\nset -o pipefail\nwget -qO- https://example.com/x | tar xz\nEOF\n', [2], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="/bin/sh -c"))
