FROM node:20.14.0-bookworm-slim
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile --production
RUN yarn install --frozen-lockfile && yarn cache clean
RUN yarn --cwd /app/tools install
COPY . .
USER node
CMD ["node", "index.js"]
