RUN echo before any stage
FROM alpine:3.19
USER 1000
