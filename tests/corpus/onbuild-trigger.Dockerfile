FROM alpine:3.19
ONBUILD ONBUILD RUN echo nested
ONBUILD FROM alpine:3.19
ONBUILD RUN echo fine
