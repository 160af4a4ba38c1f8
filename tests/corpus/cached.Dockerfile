# syntax=docker/dockerfile:1.7
FROM python:3.12-slim
RUN --mount=type=cache,target=/root/.cache/pip pip install requests==2.32.3
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    apt-get update && apt-get install -y --no-install-recommends git=1:2.39.2-1.1
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install
RUN --mount=type=bind,source=.,target=/src pip install /src
RUN --mount=type=secret,id=token cat /run/secrets/token
USER 1000
