FROM alpine:3.20.1
WORKDIR /app
RUN apk add --no-cache --update ca-certificates=20240226-r0 \
 && addgroup -S app && adduser -S -G app app
COPY --chown=app:app bin/ /app/bin/
USER app
CMD ["/app/bin/server"]
