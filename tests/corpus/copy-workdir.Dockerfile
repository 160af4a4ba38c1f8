FROM debian:12-slim AS nodir
COPY app.py app/
COPY run.sh ./run.sh
COPY etc.conf /etc/app.conf
FROM debian:12-slim AS withdir
WORKDIR /srv
COPY app.py app/
FROM nodir AS inherits
COPY more.py lib/
ADD extra.tar.xz .
ADD --chown=1:1 data.zip /data/
