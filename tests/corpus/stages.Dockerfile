ARG BASE_TAG=3.19
FROM alpine:${BASE_TAG} AS base
RUN adduser -D -u 1000 app
FROM base AS test
USER root
RUN echo testing
FROM base
FROM base AS Base2
COPY --from=test / /
FROM --platform=linux/amd64 base AS amd
FROM --platform=$BUILDPLATFORM golang:1.22 AS cross
FROM --platform=$TARGETPLATFORM alpine:3.19 AS target
USER 1000
