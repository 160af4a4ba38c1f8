FROM node:20-alpine AS deps
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
RUN npm install -g typescript
RUN npm install -g pnpm@9.1.0 && npm cache clean --force
RUN npm install
RUN npm i express
RUN yarn global add serve && yarn cache clean
FROM node:20.14.0-alpine
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node
CMD ["node", "server.js"]
