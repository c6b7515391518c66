# tiphash: one image for every role (`serve --role api`, `worker`, or `serve` embedded).
# Build stage: compilers for the native Hamming-index addon, the TypeScript build.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# `npm ci` builds the addon (install script) and the TypeScript (prepare); then drop dev deps.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# Runtime: ffmpeg (video frames), heif-dec (HEIC), no compilers, a non-root user.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libheif-examples ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# The staging and data folders belong to the unprivileged `node` user (uid 1000), which
# named volumes mounted there inherit on first use.
RUN mkdir -p /var/lib/tiphash/staging /var/lib/tiphash/data \
 && chown -R node:node /var/lib/tiphash && chmod 700 /var/lib/tiphash/staging
USER node
ENV NODE_ENV=production HOST=0.0.0.0 TIPHASH_DATA_DIR=/var/lib/tiphash/data TIPHASH_STAGING_DIR=/var/lib/tiphash/staging
EXPOSE 8080 9100
# Exec form: SIGTERM reaches node, which drains before exiting.
CMD ["node", "bin/tiphash.js", "serve"]
