FROM node:20.14.0 AS base
ONBUILD COPY package.json /app/
ONBUILD RUN npm install express
ONBUILD RUN cd /app && apt-get install -y curl
CMD ["node"]
