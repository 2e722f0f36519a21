# syntax=docker/dockerfile:1
# FedGrid node image (docs/OPERATIONS.md, "Containers"). Two stages: the build stage compiles the
# TypeScript, the web console and the native crypto kernels (node-gyp: python3, make, g++) and
# fails if the kernels do not load; the runtime stage holds only production dependencies and runs
# as an unprivileged user. Build from the repository root: docker build -t fedgrid:0.1.0 .
ARG NODE_VERSION=20.20

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages/ packages/
# npm ci runs the crypto package's install script (node-gyp rebuild) and the root prepare script
# (tsc -b and the console build).
RUN npm ci --no-audit --no-fund
# The image must carry the native kernels: refuse to build without them.
RUN node --input-type=module -e "import('@fedgrid/crypto').then((m) => { const e = m.nativeLoadError(); if (e) { console.error('native kernels missing:', e); process.exit(1); } })"
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# NODE_OPTIONS: the node process's V8 flags (packages/node/src/server/process-flags.ts), which
# must be set when the process starts.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    FEDGRID_NODE_DIR=/var/lib/fedgrid/node
RUN groupadd --system --gid 10001 fedgrid \
 && useradd --system --uid 10001 --gid fedgrid --home-dir /var/lib/fedgrid --shell /usr/sbin/nologin fedgrid \
 && mkdir -p /var/lib/fedgrid \
 && chown fedgrid:fedgrid /var/lib/fedgrid \
 && chmod 0700 /var/lib/fedgrid
WORKDIR /app
# Application files belong to root and are read-only for the node's user.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
COPY deploy/docker/entrypoint.sh /usr/local/bin/fedgrid-entrypoint
RUN chmod 0755 /usr/local/bin/fedgrid-entrypoint \
 && ln -s /app/packages/cli/bin/fedgrid.js /usr/local/bin/fedgrid
USER 10001:10001
VOLUME ["/var/lib/fedgrid"]
# Control-plane REST API (HTTPS) and data-plane gRPC (mutual TLS).
EXPOSE 8443 9443
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "require('https').get({host:'127.0.0.1',port:process.env.FEDGRID_API_PORT||8443,path:'/livez',rejectUnauthorized:false},(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["/usr/local/bin/fedgrid-entrypoint"]
CMD ["start"]
