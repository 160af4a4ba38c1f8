# syntax=docker/dockerfile:1.4
FROM alpine:3.19
RUN <<-EOT
	apk add curl
	cd /tmp
	EOT
USER 1000
