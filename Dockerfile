# Portolan's image, built from this checkout: `docker build -t portolan .`
# It runs as a non-root user and writes nothing to its own filesystem (the Helm chart mounts the
# root read-only and gives it an empty /tmp), so it is meant for PostgreSQL; SQLite needs a
# writable volume for its file.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/server/package.json packages/server/
COPY packages/sim/package.json packages/sim/
COPY packages/web/package.json packages/web/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY packages packages
# The server runs its TypeScript directly (Node strips the types); only the web app is built.
RUN cd packages/web && npx vite build --logLevel warn

FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/server/package.json packages/server/
COPY packages/sim/package.json packages/sim/
COPY packages/web/package.json packages/web/
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules node_modules
COPY package.json ./
COPY packages/core/package.json packages/core/
COPY packages/core/src packages/core/src
COPY packages/server/package.json packages/server/
COPY packages/server/src packages/server/src
COPY packages/sim/package.json packages/sim/
COPY packages/sim/src packages/sim/src
COPY packages/web/package.json packages/web/
COPY --from=build /app/packages/web/dist packages/web/dist
# A numeric user, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001
EXPOSE 7007
ENTRYPOINT ["node", "--disable-warning=ExperimentalWarning", "packages/server/src/cli/main.ts"]
CMD ["serve", "--config", "/etc/portolan/portolan.yaml"]
