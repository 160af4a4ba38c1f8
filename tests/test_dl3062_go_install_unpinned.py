"""DL3062 go-install-unpinned: go install without a version"""

from __future__ import annotations

from rulecases import standard_tests

CODE = "DL3062"

# (Dockerfile, lines where both hadolint and imagepolicy report DL3062)
CASES = [
    ('FROM golang:1.22\nRUN go install golang.org/x/tools/gopls\n', [2]),
    ('FROM golang:1.22\nRUN go mod download\nRUN go install golang.org/x/tools/gopls@latest\n', [3]),
    ('FROM golang:1.22\nRUN go get example.com/lib\n', [2]),
    ('FROM golang:1.22\nRUN go install golang.org/x/tools/gopls@v0.16.1\n', []),
    ('FROM golang:1.22\nRUN go install . && go install ./cmd/...\n', []),
]

# Intentional divergences from hadolint: name -> (Dockerfile, hadolint's lines, our lines)
DIVERGENCES = {
    'package from a variable': ('FROM golang:1.22\nARG TOOL=example.com/tool@v1.0.0\nRUN go install $TOOL\n', [3], []),
}


globals().update(standard_tests(CODE, severity="warning", cases=CASES, divergences=DIVERGENCES,
                                message_contains="golang.org/x/tools/gopls"))
