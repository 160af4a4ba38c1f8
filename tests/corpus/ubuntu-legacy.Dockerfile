FROM ubuntu
MAINTAINER Jane Doe <jane@example.com>
ENV APP_HOME=/app APP_BIN=${APP_HOME}/bin
ENV LANG=C.UTF-8
RUN apt-get update && apt-get install --no-install-recommends python3=3.10.6-1 && rm -rf /var/lib/apt/lists/*
RUN apt install -y --no-install-recommends jq=1.6-2.1ubuntu3 && rm -rf /var/lib/apt/lists/*
RUN ln -s /bin/bash /bin/sh && ln -s /usr/bin/python3 /usr/bin/python
RUN useradd -u 1000000 -m worker
HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]
HEALTHCHECK --interval=5m CMD ["curl", "-f", "http://localhost/"]
COPY dist.tar.gz /tmp/
RUN tar -xzf /tmp/dist.tar.gz -C /app
FROM debian:latest AS second
COPY --from=first /app /app
USER 1000
