FROM busybox:1.36
LABEL maintainer="ops@example.com" \
      org.opencontainers.image.source="https://example.com/repo" \
      com.docker.internal="no" \
      "invalid key!"="x"
ENV PATH=/opt/bin:$PATH
ENV A=1 B=$A
ENV C=3
WORKDIR /opt
WORKDIR relative/dir
WORKDIR $HOME/work
ADD app.tar.gz /opt/
ADD config.json /etc/app/
ADD https://example.com/tool.tgz /opt/tool.tgz
COPY a.txt b.txt /opt/dest
COPY a.txt b.txt /opt/dest/
COPY c.txt d.txt /opt/dest2
EXPOSE 8080/tcp 8443/udp
EXPOSE 70000
EXPOSE 9000-9010
HEALTHCHECK CMD wget -q -O- http://localhost:8080/ || exit 1
HEALTHCHECK NONE
STOPSIGNAL SIGTERM
CMD ["app"]
CMD app --serve
ENTRYPOINT ["/entry"]
ENTRYPOINT /entry
