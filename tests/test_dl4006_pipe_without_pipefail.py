"""DL4006 pipe-without-pipefail: pipe without pipefail"""

from __future__ import annotations

from fixcases import fix_tests
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


# Fix (unsafe: a pipeline then fails when any command of it fails): a SHELL with -o pipefail for a
# shell that has it, above the stage's first such RUN and its comments, or the stage's own SHELL amended.
PIPE = "RUN wget -qO- https://example.com/key.asc | gpg --dearmor > /usr/share/keyrings/example.gpg\n"
globals().update(fix_tests(
    CODE,
    unsafe=[
        (f"FROM debian:12-slim\n# the key\n{PIPE}{PIPE}",
         f'FROM debian:12-slim\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n# the key\n{PIPE}{PIPE}'),
        (f"FROM alpine:3.20\n{PIPE}", f'FROM alpine:3.20\nSHELL ["/bin/sh", "-o", "pipefail", "-c"]\n{PIPE}'),
        (f'FROM debian:12-slim\nSHELL ["/bin/bash", "-c"]\nRUN echo ready\n{PIPE}',
         f'FROM debian:12-slim\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo ready\n{PIPE}'),
        (f"FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\n{PIPE}",
         f'FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n{PIPE}'),
    ],
    no_fix=[f"FROM registry.example.com/base:1\n{PIPE}", f'FROM debian:12-slim\nSHELL ["/bin/dash", "-c"]\n{PIPE}'],
))
