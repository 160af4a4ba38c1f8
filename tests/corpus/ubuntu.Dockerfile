FROM ubuntu:latest AS build
RUN apt-get update \
    && apt-get -qq install --no-install-recommends python3=3.10.6-1 \
    && apt-get clean
RUN apt-get -y install gcc && rm -rf /var/lib/apt/lists/*
FROM ubuntu:22.04
RUN apt-get update && apt-get install -y --no-install-recommends \
        tzdata=2024a-0ubuntu0.22.04 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/bin/python3 /usr/bin/python3
USER root
