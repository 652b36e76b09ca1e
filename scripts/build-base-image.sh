#!/usr/bin/env bash
# Builds a local container base image for machines that have a container engine but no image
# registry: a minimal Debian bookworm (debootstrap) with this machine's Node.js, npm and corepack
# copied in. The Dockerfile takes it as `--build-arg BASE=... --build-arg RUNTIME_BASE=...`
# instead of node:20-slim / distroless. Idempotent: an existing image with the tag is kept, and
# the debootstrapped root filesystem is cached as a tarball outside the repository.
#
#   scripts/build-base-image.sh [tag]        prints the tag on its last line
#
# Environment: BASE_IMAGE_CACHE (folder for the rootfs tarball; default
# ${XDG_CACHE_HOME:-~/.cache}/skinlesion), DEBIAN_MIRROR (default http://deb.debian.org/debian),
# DOCKER (the docker CLI; default docker).
set -euo pipefail

DOCKER=${DOCKER:-docker}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
CACHE_DIR=${BASE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skinlesion}
ROOTFS_IMAGE=skinlesion/debian:$SUITE-minbase

fail() { echo "build-base-image: $*" >&2; exit 1; }

node_bin=$(command -v node) || fail "node is not installed"
node_version=$("$node_bin" --version)
# The Dockerfile's default bases are Node 20; a different major here would test something else.
[[ $node_version == v20.* ]] || fail "Node 20 is required, found $node_version"
tag=${1:-skinlesion/base:$SUITE-node${node_version#v}}

command -v "$DOCKER" >/dev/null || fail "the docker CLI ($DOCKER) is not installed"
"$DOCKER" info >/dev/null 2>&1 || fail "the container engine does not answer (is dockerd running?)"

if "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then
  echo "build-base-image: $tag exists" >&2
  echo "$tag"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "$DOCKER" image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then
  rootfs_tar=$CACHE_DIR/debian-$SUITE-minbase-$(dpkg --print-architecture 2>/dev/null || uname -m).tar
  if [ ! -s "$rootfs_tar" ]; then
    command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"
    [ "$(id -u)" = 0 ] || fail "debootstrap needs root"
    echo "build-base-image: debootstrap $SUITE from $MIRROR (about 1.5 min)" >&2
    debootstrap --variant=minbase "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
      { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
    # Package lists, caches, docs and translations are never used in a container: about 130 MB.
    rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/* \
      "$work"/rootfs/usr/share/{doc,man,info,locale}/* "$work"/rootfs/var/log/*
    mkdir -p "$CACHE_DIR"
    tar --numeric-owner -C "$work/rootfs" -cf "$rootfs_tar.partial" .
    mv "$rootfs_tar.partial" "$rootfs_tar"
    rm -rf "$work/rootfs"
  fi
  "$DOCKER" import --change 'CMD ["/bin/bash"]' "$rootfs_tar" "$ROOTFS_IMAGE" >/dev/null
fi

# Node the way the official images lay it out: /usr/local/bin/node and /usr/local/lib/node_modules.
context=$work/context
mkdir -p "$context/usr/local/bin" "$context/usr/local/lib/node_modules"
cp "$node_bin" "$context/usr/local/bin/node"
global_modules=$(cd "$(dirname "$(readlink -f "$node_bin")")/../lib/node_modules" && pwd)
for tool in npm corepack; do
  [ -d "$global_modules/$tool" ] && cp -a "$global_modules/$tool" "$context/usr/local/lib/node_modules/"
done
[ -d "$context/usr/local/lib/node_modules/npm" ] || fail "npm not found beside $node_bin"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$context/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$context/usr/local/bin/npx"
[ -d "$context/usr/local/lib/node_modules/corepack" ] &&
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$context/usr/local/bin/corepack"

# Where outbound TLS is intercepted by a proxy with its own CA (NODE_EXTRA_CA_CERTS on this
# machine), image builds that fetch from the npm registry must trust the same CA.
extra_ca_env=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -s "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$context/etc/ssl/certs"
  cp "$NODE_EXTRA_CA_CERTS" "$context/etc/ssl/certs/host-ca-certificates.crt"
  extra_ca_env=(ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca-certificates.crt)
fi

{
  echo "FROM $ROOTFS_IMAGE"
  echo "COPY . /"
  echo "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_VERSION=${node_version#v}"
  [ ${#extra_ca_env[@]} -gt 0 ] && echo "${extra_ca_env[*]}"
  echo "LABEL org.opencontainers.image.title=\"skinlesion local base\" org.opencontainers.image.description=\"Debian $SUITE minbase with Node.js $node_version, built by scripts/build-base-image.sh\""
  echo 'CMD ["node"]'
} >"$work/Dockerfile"

echo "build-base-image: building $tag" >&2
"$DOCKER" build --quiet -f "$work/Dockerfile" -t "$tag" "$context" >/dev/null
"$DOCKER" run --rm --network none "$tag" node -e 'process.stdout.write(process.version)' | grep -qx "$node_version" ||
  fail "node does not run in $tag"
echo "$tag"
