# syntax=docker/dockerfile:1.4
FROM debian:12-slim
RUN <<EOT
apt-get update
apt-get install -y curl
EOT

COPY <<EOF2 /etc/app.conf
sudo is just text here
EOF2

RUN <<EOT
echo $UNSET_VAR
cd /tmp
sudo true
EOT

RUN cat <<EOT > /etc/motd
hello
EOT

RUN python3 <<EOT
import os
print(os.getcwd())
EOT

USER 1000
