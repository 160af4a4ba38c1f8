# syntax=docker/dockerfile:1
# check=skip=JSONArgsRecommended
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends jq && rm -rf /var/lib/apt/lists/*
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends yq && rm -rf /var/lib/apt/lists/*
CMD jq --version
