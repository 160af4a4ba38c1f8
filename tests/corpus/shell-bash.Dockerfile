FROM debian:12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/install.sh | bash
RUN if [[ -d /opt ]]; then echo yes; fi
RUN source /etc/os-release && echo "$ID"
RUN wget -nv https://example.com/e.tgz
SHELL ["/bin/sh", "-c"]
RUN cat /etc/os-release | grep ID
RUN set -o pipefail && curl -fsSL https://example.com/x | tar -xz
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
RUN wget -q -O- https://example.com/f | tar -xz
