# escape=`
FROM alpine:3.19
RUN apk add `
      curl `
    && echo done
RUN echo "back\slash stays" && cd /tmp
