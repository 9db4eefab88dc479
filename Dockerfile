# syntax=docker/dockerfile:1
# Build: compile TypeScript, prepare the bundled embedding model. Run: production deps only, non-root.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY client/package.json client/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run prepare-model

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    FABRIC_LISTEN=0.0.0.0:50051 \
    FABRIC_MODEL_CACHE=/app/.cache/models
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY client/package.json client/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/client/dist ./client/dist
COPY --from=build /app/client/bin ./client/bin
COPY --from=build /app/proto ./proto
COPY --from=build /app/.cache/models ./.cache/models
RUN chown -R node:node /app/.cache
USER node
EXPOSE 50051 9464
CMD ["node", "dist/server/main.js"]
