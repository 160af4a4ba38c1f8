FROM fedora:40
RUN dnf install httpd && dnf clean all
RUN dnf -y install vim-enhanced-9.1.0 && dnf clean all
RUN dnf install -y nginx
RUN microdnf install -y less
RUN dnf --assumeyes install git-2.45.0 \
    && dnf clean all \
    && rm -rf /var/cache/dnf
RUN microdnf -y install tar-1.35 && microdnf clean all
