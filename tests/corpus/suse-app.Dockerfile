FROM registry.suse.com/bci/bci-base:15.5
RUN zypper install -y --no-recommends python311=3.11.9 && zypper clean --all
RUN zypper in nodejs20=20.12.2 && zypper clean -a
RUN zypper --non-interactive install tar=1.34
USER 1001
