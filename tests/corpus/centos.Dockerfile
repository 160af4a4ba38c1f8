FROM quay.io/centos/centos:stream9
RUN yum install nginx-1.20.1 && yum clean all
RUN yum -y install epel-release-9 && yum clean all
RUN yum -y install jq-1.6
RUN dnf install -y --setopt=install_weak_deps=False git-2.43.0 && dnf clean all
RUN dnf install make-4.3 && dnf clean all
COPY node.tar.xz /opt/
RUN tar -xJf /opt/node.tar.xz -C /opt && yum -y update && yum clean all
USER 1001
