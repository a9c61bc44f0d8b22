# One image for every Switchboard process; docker-compose.yml picks the process with `command`.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY apps/ingest/package.json apps/ingest/
COPY apps/listener/package.json apps/listener/
COPY apps/interpreter/package.json apps/interpreter/
COPY apps/dispatcher/package.json apps/dispatcher/
COPY apps/console/package.json apps/console/
COPY packages packages
COPY prisma prisma
COPY prisma.config.ts tsconfig.base.json ./
# Dev dependencies stay: prisma's CLI applies migrations at start.
RUN npm ci --include=dev && npm cache clean --force
COPY . .
USER node
EXPOSE 3000 3001
CMD ["npm", "run", "start:ingest"]
