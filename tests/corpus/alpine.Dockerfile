FROM alpine:3.19
RUN apk add --no-cache bash=5.2.21-r0 curl=8.5.0-r0
RUN apk update && apk add git
RUN apk add --virtual .build-deps gcc=13.2.1_git20231014-r0 musl-dev \
    && apk del .build-deps
RUN apk --no-cache add tini~=0.19
RUN apk add --no-cache openssl
USER nobody
ENTRYPOINT ["/sbin/tini", "--"]
