FROM alpine:3.19
LABEL org.opencontainers.image.version="1.2.3" \
      org.opencontainers.image.created="2024-05-01T12:00:00Z" \
      org.opencontainers.image.licenses="MIT"
LABEL Maintainer="x" com.example-vendor.key="v"
LABEL .leading-dot="x" trailing.dot.="y"
LABEL com..double="z" org.label-schema.name="old"
LABEL io.k8s.description="fine"
