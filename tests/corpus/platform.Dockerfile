FROM --platform=$TARGETPLATFORM debian:12-slim AS runtime
FROM --platform=linux/arm64 debian:12-slim AS arm
FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS tools
COPY tools.tar.gz /tmp/tools.tar.gz
RUN tar xzf /tmp/tools.tar.gz -C /usr/local/bin
FROM runtime
COPY --from=tools /usr/local/bin/ /usr/local/bin/
USER 65532
