ARG VERSION=3.19
LABEL org.opencontainers.image.title="too early"
FROM alpine:${VERSION}
RUN echo ok
