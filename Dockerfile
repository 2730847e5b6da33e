# One image for every service: the process runs what `--service=NAME` (repeatable) names.
#   docker build -t sportsbook .
#   docker run --env-file .env sportsbook --service=odds-engine
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run -s build:web

FROM node:20-bookworm-slim
ENV NODE_ENV=production SB_HTTP_HOST=0.0.0.0 SB_HTTP_PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
COPY --from=web /app/web/dist ./web/dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.SB_HTTP_PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "--import", "tsx", "app/main.ts"]
