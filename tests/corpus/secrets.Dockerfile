FROM --platform=${TARGETPLATFORM} python:3.12-slim AS app
ARG GITHUB_TOKEN
ARG DB_PASSWORD=changeme
ENV AWS_SECRET_ACCESS_KEY=abc123 APP_ENV=prod
ENV API_KEY_FILE=/run/secrets/api_key
ARG PASSWORD_LENGTH=16
COPY vendor.tar.gz /tmp/
RUN tar -xzf /tmp/vendor.tar.gz -C /opt && rm /tmp/vendor.tar.gz
COPY notes.txt /tmp/
RUN tar -tf /tmp/notes.txt
COPY site.zip /srv/
RUN unzip /srv/site.zip -d /srv/site
USER 1000:1000
