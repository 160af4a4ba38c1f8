FROM debian:12-slim
RUN apt-get update \
    # the compilers
    && apt-get install -y \
        gcc \
        # a comment between packages
        make \

        libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN echo one \
  # sudo in a comment is not a command
  && echo two
ENV FOO=bar \
    # comment inside ENV
    BAZ=qux
RUN cd /srv \
    && echo here
