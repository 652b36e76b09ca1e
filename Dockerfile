# One Dockerfile, one target per service; the image, compose service and Kubernetes objects all
# carry the service's name:
#
#   docker build --target tiler         -t skinlesion/tiler .
#   docker build --target classifier    -t skinlesion/classifier .
#   docker build --target ugly-duckling -t skinlesion/ugly-duckling .
#   docker build --target gateway       -t skinlesion/gateway .
#
# The build stage installs and compiles once for all four; each service then gets a minimal
# node_modules from `pnpm deploy --prod`. Both bases are build arguments: Node 20 on glibc
# (sharp and ONNX Runtime ship glibc binaries) in both stages. Where no registry is reachable,
# scripts/build-base-image.sh makes a local base to pass as BASE and RUNTIME_BASE.

ARG BASE=node:20-slim
# Distroless: no shell, no package manager; node lives in /nodejs/bin (PATH below).
ARG RUNTIME_BASE=gcr.io/distroless/nodejs20-debian12:nonroot

# ---------------------------------------------------------------------------------------------
FROM ${BASE} AS build
ARG PNPM_VERSION=12.4.2
ENV CI=true npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
RUN npm install --global "pnpm@${PNPM_VERSION}" && pnpm --version
WORKDIR /src

COPY . .
# Only the services and what they build from; root devDependencies bring the compiler. One
# layer for download and install: the engine's layers cannot share pnpm's hard links, so a
# separate `pnpm fetch` layer would be copied in full (about 700 MB) by the install after it.
RUN pnpm install --frozen-lockfile --include-workspace-root \
      --filter "@skinlesion/tiler..." --filter "@skinlesion/classifier..." \
      --filter "@skinlesion/ugly-duckling..." --filter "@skinlesion/gateway..."
RUN pnpm exec tsc -b services/tiler services/classifier services/ugly-duckling services/gateway

# A self-contained folder per service: its dist, its production dependencies, and the built
# workspace packages it uses, copied in rather than linked. Then, in the same layer so that they
# never get stored: source maps, never read at run time (about 180 MB in the TF.js packages),
# and onnxruntime-node's libraries for other systems and CPUs (about 210 MB).
# CLASSIFIER_TFJS_NODE=true also adds @tensorflow/tfjs-node to the classifier (native TensorFlow;
# its install downloads libtensorflow from Google's storage, so the build needs that host).
# ONNX Runtime, in the image either way, is the fast path; this only speeds up models without
# an ONNX export. Declared here so that toggling it keeps the layers above cached.
ARG CLASSIFIER_TFJS_NODE=false
ARG TFJS_NODE_VERSION=4.22.0
RUN set -eu; \
    for service in tiler classifier ugly-duckling gateway; do \
      pnpm deploy --prod --filter "@skinlesion/$service" "/out/$service"; \
    done; \
    if [ "$CLASSIFIER_TFJS_NODE" = true ]; then \
      pnpm --dir /out/classifier add --allow-build=@tensorflow/tfjs-node "@tensorflow/tfjs-node@${TFJS_NODE_VERSION}"; \
    fi; \
    find /out -name '*.map' -type f -delete; \
    arch="$(node -p process.arch)"; \
    for bin in /out/classifier/node_modules/.pnpm/onnxruntime-node@*/node_modules/onnxruntime-node/bin/napi-v*; do \
      find "$bin" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +; \
      find "$bin/linux" -mindepth 1 -maxdepth 1 ! -name "$arch" -exec rm -rf {} +; \
    done

# ---------------------------------------------------------------------------------------------
# What every service image shares.
FROM ${RUNTIME_BASE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
# Add org.opencontainers.image.source with `docker build --label` where the images are published.
LABEL org.opencontainers.image.vendor="skinlesion" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# /nodejs/bin is node in distroless; /usr/local/bin in node:20-slim and the local base.
ENV NODE_ENV=production \
    PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /app
COPY deploy/docker/healthcheck.mjs /app/healthcheck.mjs
# Any non-root uid works (65532 is distroless's "nonroot"); numeric, so Kubernetes can verify
# runAsNonRoot. Files stay owned by root: the process cannot change its own code.
USER 65532:65532

# ---------------------------------------------------------------------------------------------
FROM runtime AS tiler
LABEL org.opencontainers.image.title="tiler" \
      org.opencontainers.image.description="skinlesion tiler: decoding, blur gate, blob detection, skin mask, crops and pictures over gRPC"
COPY --from=build /out/tiler/package.json /app/package.json
COPY --from=build /out/tiler/node_modules /app/node_modules
COPY --from=build /out/tiler/dist /app/dist
EXPOSE 50051 9463
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "grpc", "TILER_PORT:50051"]
ENTRYPOINT ["node", "dist/main.js"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS classifier
LABEL org.opencontainers.image.title="classifier" \
      org.opencontainers.image.description="skinlesion classifier: batched CNN inference (Open Inference Protocol over gRPC) with the default model baked in"
COPY --from=build /out/classifier/package.json /app/package.json
COPY --from=build /out/classifier/node_modules /app/node_modules
COPY --from=build /out/classifier/dist /app/dist
# The whole models/ folder (TF.js model, its ONNX export when present, manifest, licence):
# MODEL_DIR defaults to /app/models/default, so the image runs with no download.
COPY --from=build /src/services/classifier/models /app/models
EXPOSE 50052 9464
# Model loading and warm-up come before SERVING: a longer start period.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "grpc", "CLASSIFIER_PORT:50052"]
ENTRYPOINT ["node", "dist/main.js"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS ugly-duckling
LABEL org.opencontainers.image.title="ugly-duckling" \
      org.opencontainers.image.description="skinlesion ugly-duckling: UD scores and ranks over one patient's lesions, over gRPC"
COPY --from=build /out/ugly-duckling/package.json /app/package.json
COPY --from=build /out/ugly-duckling/node_modules /app/node_modules
COPY --from=build /out/ugly-duckling/dist /app/dist
EXPOSE 50053 9465
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "grpc", "UGLY_DUCKLING_PORT:50053"]
ENTRYPOINT ["node", "dist/main.js"]

# ---------------------------------------------------------------------------------------------
# Last, so that a plain `docker build .` gives the entry point of the system.
FROM runtime AS gateway
LABEL org.opencontainers.image.title="gateway" \
      org.opencontainers.image.description="skinlesion gateway: the REST API, fanning each analysis out to tiler, classifier and ugly-duckling"
COPY --from=build /out/gateway/package.json /app/package.json
COPY --from=build /out/gateway/node_modules /app/node_modules
COPY --from=build /out/gateway/dist /app/dist
# The clinician web page, served from the folder beside dist/.
COPY --from=build /src/services/gateway/public /app/public
EXPOSE 8080
# Ready = every backend answers SERVING (GET /readyz), which is what Docker should wait for.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "http", "PORT:8080", "/readyz"]
ENTRYPOINT ["node", "dist/main.js"]
