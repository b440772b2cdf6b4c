# syntax=docker/dockerfile:1
#
# One image per runnable workspace (a subgraph or the router), chosen at build time:
#   docker build --build-arg WORKSPACE=subgraphs/users --build-arg PORT=4001 -t shopcart/users .
#   docker build --build-arg WORKSPACE=router --build-arg PORT=4000 -t shopcart/router .
# WORKSPACE is the workspace folder; PORT is that service's default port (schema/subgraphs.ts).

ARG NODE_IMAGE=node:26-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false
WORKDIR /repo

# The chosen workspace, the workspaces it depends on and a lockfile cut down to them,
# split into package manifests (json/) and sources (full/) so dependency layers cache.
FROM base AS prune
ARG WORKSPACE
RUN test -n "$WORKSPACE" || { echo 'set --build-arg WORKSPACE=<folder>, e.g. subgraphs/users' >&2; exit 1; }
COPY . .
RUN npx --yes "turbo@$(node -p "require('./package-lock.json').packages['node_modules/turbo'].version")" \
      prune "$(node -p "require('./${WORKSPACE}/package.json').name")" --docker --out-dir /pruned

# Production dependencies only: what the final image carries in node_modules. Their only
# install scripts (protobufjs version notices) are not needed, so none run.
FROM base AS deps
COPY --from=prune /pruned/json/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

FROM base AS build
ARG WORKSPACE
COPY --from=prune /pruned/json/ ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY --from=prune /pruned/full/ ./
COPY tsconfig.base.json ./
RUN npx turbo run build --filter="./${WORKSPACE}" \
 && mkdir /dist \
 && find . -name node_modules -prune -o -type d -name dist -print | xargs -r cp -r --parents -t /dist

FROM ${NODE_IMAGE} AS runtime
ARG WORKSPACE
ARG PORT
RUN test -n "$PORT" || { echo 'set --build-arg PORT=<the service default port>' >&2; exit 1; }
ENV NODE_ENV=production APOLLO_TELEMETRY_DISABLED=true PORT=${PORT}
WORKDIR /app
# Workspace manifests (their exports maps), production node_modules, then the compiled
# code; all owned by root, so the service user cannot change what it runs.
COPY --from=deps /repo/ ./
COPY --from=build /dist/ ./
# The router reads the composed supergraph (SUPERGRAPH_PATH default: ../../schema from its dist).
COPY schema/supergraph.graphql ./schema/supergraph.graphql
WORKDIR /app/${WORKSPACE}
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--conditions=production", "dist/index.js"]
