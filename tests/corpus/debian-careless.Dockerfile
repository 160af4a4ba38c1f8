FROM debian
MAINTAINER someone@example.com
RUN apt-get update && apt-get install curl wget
RUN apt update && apt install -y git
RUN sudo apt-get install -y --no-install-recommends make
RUN cd /tmp && wget http://example.com/file.tgz
WORKDIR app
EXPOSE 80000
RUN apt-get upgrade -y && apt-get dist-upgrade -y
CMD /usr/bin/app --serve
