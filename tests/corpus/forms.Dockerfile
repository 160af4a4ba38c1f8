FROM debian:12-slim
RUN ["apt-get", "install", "-y", "curl"]
RUN ["/bin/sh", "-c", "cd /tmp && echo hi"]
RUN ["sudo", "ls"]
CMD ["app", "--flag"]
CMD app --flag
ENTRYPOINT ["tini", "--"]
ENTRYPOINT tini --
SHELL ["/bin/bash", "-c"]
RUN echo $((1 + 2)) | cat
