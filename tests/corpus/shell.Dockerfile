FROM debian:12-slim
RUN curl -fsSL https://example.com/install.sh | sh
RUN wget https://example.com/a.tgz && curl -O https://example.com/b.tgz
RUN wget -q https://example.com/c.tgz
RUN wget --progress=dot:giga https://example.com/d.tgz
RUN ln -sf /bin/bash /bin/sh
RUN useradd -u 123456789 app
RUN useradd -l -u 123456789 app2 && useradd -u 1001 app3
RUN ssh user@host && vim /etc/hosts
RUN ps aux && free -m && top -b -n1 && kill -9 1 && shutdown -h now
RUN service nginx start && mount /dev/sdb /mnt && ifconfig
RUN echo $UNDEFINED_THING > /tmp/x
RUN for f in $(ls /etc/*.conf); do echo $f; done
RUN [ -f /etc/passwd ] && echo ok || echo missing
