#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine with Node 20: the pinned pnpm,
# the npm packages, and the Debian packages the tests use (OpenCV as the blob-detection
# reference, the ONNX checker).
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
apt_packages=()
/usr/bin/python3 -c 'import cv2' 2>/dev/null || apt_packages+=(python3-opencv)
/usr/bin/python3 -c 'import onnx' 2>/dev/null || apt_packages+=(python3-onnx)
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
