FROM opensuse/leap:15.5
RUN zypper install curl && zypper clean
RUN zypper -n install vim=9.0 && zypper clean -a
RUN zypper --non-interactive in git
RUN zypper dist-upgrade -y && zypper clean
RUN zypper dup && zypper clean
RUN zypper install -y gcc-7 && zypper cc
RUN zypper refresh && zypper -n up && zypper clean
