FROM registry.access.redhat.com/ubi8/ubi:8.9
RUN yum install httpd-2.4.37 && yum clean all
RUN yum install -y php
RUN yum -y install mod_ssl-2.4.37 && yum clean all && rm -rf /var/cache/yum
RUN yum install -y python3 && yum clean all
RUN yum groupinstall -y "Development Tools" && yum clean all
USER 1001
