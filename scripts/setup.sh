#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine with Node 20: the pinned pnpm,
# the npm packages, and the Debian packages the tests use (OpenCV as the blob-detection
# reference, the ONNX checker, Chromium for the web page's browser test, Prometheus, Docker,
# docker-compose and debootstrap for the deployment tests, h2load for the scale-out benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
apt_packages=()
/usr/bin/python3 -c 'import cv2' 2>/dev/null || apt_packages+=(python3-opencv)
/usr/bin/python3 -c 'import onnx' 2>/dev/null || apt_packages+=(python3-onnx)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
# Deployment tests: a real Prometheus, and a container engine with compose and a way to build
# a local base image (deploy/test; the container test starts dockerd itself when it can).
[ -x /usr/bin/prometheus ] || apt_packages+=(prometheus)
[ -x /usr/sbin/dockerd ] || apt_packages+=(docker.io)
[ -x /usr/bin/docker-compose ] || apt_packages+=(docker-compose)
[ -x /usr/sbin/debootstrap ] || apt_packages+=(debootstrap)
# The benchmark's gRPC load generator for the classifier tier's scale-out (a C client that
# leaves the replicas' cores to them); packages/bench/test/h2load.test.ts runs it.
[ -x /usr/bin/h2load ] || apt_packages+=(nghttp2-client)
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "setup: installing Debian packages: ${apt_packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

pnpm install --frozen-lockfile
