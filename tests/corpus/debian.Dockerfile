# A careful Debian image: apt done right, so the apt rules stay silent.
FROM debian:12.5-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates=20230311 \
      curl=7.88.1-10+deb12u5 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/app
COPY --chown=1000:1000 app/ ./
USER 1000
EXPOSE 8080
HEALTHCHECK --interval=30s CMD ["curl", "-fsS", "http://localhost:8080/health"]
ENTRYPOINT ["/srv/app/run"]
CMD ["--port", "8080"]
