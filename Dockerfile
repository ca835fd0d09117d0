# syntax=docker/dockerfile:1
#
# One image per role, all from one build: `docker build --target <role> .` with role one of
# api | fetcher | writer | notifier | migrate | provision | canvas-sim. The last stage (`app`) is
# the same runtime with no role chosen: Kubernetes runs it with `args: [<entry script>]`.
#
# Each role runs `node <compiled entry>` as PID 1 — never through npm — so SIGTERM reaches the
# service and its graceful shutdown (readiness 503, drain, exit 0) runs within the grace period.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- manifests: only package.json files, so `npm ci` layers stay cached until a dependency changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/shared/package.json packages/shared/
COPY packages/testkit/package.json packages/testkit/
COPY packages/canvas-sim/package.json packages/canvas-sim/
COPY packages/client/package.json packages/client/
COPY services/api/package.json services/api/
COPY services/fetcher/package.json services/fetcher/
COPY services/writer/package.json services/writer/
COPY services/notifier/package.json services/notifier/

# --- build: every dependency, then `npm run build`: `tsc -b` into each workspace's dist/ and the
# web panel (vite) into services/api/web-dist, which the api serves.
FROM manifests AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY packages/ packages/
COPY services/ services/
# mkdir: should the panel build ever be split out, the runtime COPY below still finds its folder.
RUN npm run build \
 && mkdir -p services/api/web-dist

# --- prod-deps: runtime dependencies of the deployable workspaces only (the test kit and its
# Testcontainers stay out of the image). Install scripts are not needed by any runtime dependency.
FROM manifests AS prod-deps
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      -w @canvas-sync/shared -w @canvas-sync/canvas-sim \
      -w @canvas-sync/api -w @canvas-sync/fetcher -w @canvas-sync/writer -w @canvas-sync/notifier

# --- runtime: Node, production node_modules, compiled JavaScript. No compiler, no sources, no npm run.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=build /app/packages/shared/dist packages/shared/dist
COPY --from=build /app/packages/canvas-sim/dist packages/canvas-sim/dist
COPY --from=build /app/services/api/dist services/api/dist
COPY --from=build /app/services/api/web-dist services/api/web-dist
COPY --from=build /app/services/fetcher/dist services/fetcher/dist
COPY --from=build /app/services/writer/dist services/writer/dist
COPY --from=build /app/services/notifier/dist services/notifier/dist
# uid/gid 1000 is the image's `node` user; numeric so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
ENTRYPOINT ["node"]

FROM runtime AS api
EXPOSE 3000
CMD ["services/api/dist/main.js"]

FROM runtime AS fetcher
EXPOSE 3002
CMD ["services/fetcher/dist/main.js"]

FROM runtime AS writer
EXPOSE 3003
# One GC thread costs the writer less CPU than V8's GC helpers (k8s/base/writer.yaml).
CMD ["--single-threaded-gc", "services/writer/dist/main.js"]

FROM runtime AS notifier
EXPOSE 3001
CMD ["services/notifier/dist/main.js"]

FROM runtime AS migrate
CMD ["packages/shared/dist/db/migrate.cli.js"]

FROM runtime AS provision
CMD ["packages/shared/dist/nats/provision.cli.js"]

FROM runtime AS canvas-sim
EXPOSE 4100
CMD ["packages/canvas-sim/dist/cli.js", "--host", "0.0.0.0", "--port", "4100", "--profile", "student"]

# Default target: the shared runtime; Kubernetes picks the entry script per Deployment/Job.
FROM runtime AS app
CMD ["services/api/dist/main.js"]
