FROM golang:1.22-alpine AS build
COPY --from=build /go/bin /go/bin
RUN go build -o /bin/app .
FROM alpine:3.19 AS build
COPY --from=builder /bin/app /bin/app
COPY --from=build /bin/app /bin/app2
FROM alpine:3.19 AS release
COPY --from=release /etc/os-release /tmp/
USER 1000
