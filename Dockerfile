# syntax=docker/dockerfile:1
# Build: compile TypeScript, convert the bundled embedding model. Run: production deps only (one
# platform's onnxruntime binaries), the converted model read-only, non-root, a gRPC health check.
# scripts/docker-runtime-check.sh performs the runtime stage's steps without Docker (CI runs it).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY client/package.json client/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run prepare-model -- --cache-dir /app/.cache/models/use-lite

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    FABRIC_LISTEN=0.0.0.0:50051 \
    FABRIC_MODEL_CACHE=/app/.cache/models/use-lite
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY client/package.json client/
COPY scripts/prune-onnxruntime.js scripts/healthcheck.js scripts/
RUN npm ci --omit=dev --no-audit --no-fund && node scripts/prune-onnxruntime.js && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/client/dist ./client/dist
COPY --from=build /app/client/bin ./client/bin
# Owned by root, readable by node: the server uses this model and never converts it again (a cache
# that did not match would fail the start loudly instead of converting in every container).
COPY --from=build /app/.cache/models/use-lite ./.cache/models/use-lite
USER node
EXPOSE 50051 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["node", "scripts/healthcheck.js"]
CMD ["node", "dist/server/main.js"]
