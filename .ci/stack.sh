#!/usr/bin/env bash
# Brings up the local container stack nbbuild's e2e tests and demo use, idempotently:
#   Debian packages (docker.io, buildah, podman, skopeo, umoci, docker-registry, debootstrap,
#   chromium for the tests that open the run report page headless),
#   dockerd (no bridge, no iptables), a registry on 127.0.0.1:5000, and a Python base image
#   built with debootstrap (no base image can be pulled here), cached by content.
# Prints `NBBUILD_BASE=<ref>` last so callers can eval it.
set -euo pipefail

REGISTRY_ADDR="${NBBUILD_REGISTRY_ADDR:-127.0.0.1:5000}"
CACHE_DIR="${NBBUILD_CACHE_DIR:-/var/cache/nbbuild}"
BASE_PACKAGES="python3,python3-pip,python3-pandas,python3-sklearn,python3-matplotlib,python3-numpy"
SUITE=bookworm
log() { echo "[stack] $*" >&2; }

need_pkgs=()
for pair in dockerd:docker.io buildah:buildah podman:podman skopeo:skopeo umoci:umoci \
            docker-registry:docker-registry debootstrap:debootstrap curl:curl git:git chromium:chromium; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need_pkgs+=("${pair#*:}")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}" >&2
fi

DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=docker

if ! "$DOCKER" info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p /var/log
  nohup dockerd --bridge=none --iptables=false --ip6tables=false \
    >/var/log/nbbuild-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do "$DOCKER" info >/dev/null 2>&1 && break; sleep 1; done
  "$DOCKER" info >/dev/null 2>&1 || { tail -20 /var/log/nbbuild-dockerd.log >&2; exit 1; }
fi

if ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  log "starting registry on $REGISTRY_ADDR"
  mkdir -p /etc/nbbuild /var/lib/nbbuild-registry
  cat > /etc/nbbuild/registry.yml <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/nbbuild-registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YML
  nohup docker-registry serve /etc/nbbuild/registry.yml >/var/log/nbbuild-registry.log 2>&1 &
  for _ in $(seq 1 30); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null || { tail -20 /var/log/nbbuild-registry.log >&2; exit 1; }
fi

# The mirror apt already uses (deb822 or one-line sources).
mirror=$(grep -hoE '^URIs: *http[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | sed 's/^URIs: *//')
[ -n "$mirror" ] || mirror=$(grep -hoE '^deb +http[^ ]+' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

# v3: `/` is 0755 (v2 images had a 0700 root).
key=$(printf '%s|%s|%s|v3' "$SUITE" "$BASE_PACKAGES" "$mirror" | sha256sum | cut -c1-16)
BASE_LOCAL="nbbuild-base/python:$SUITE-$key"
BASE_REMOTE="$REGISTRY_ADDR/nbbuild/python:$SUITE-$key"
tarball="$CACHE_DIR/base-$key.tar"

if ! "$DOCKER" image inspect "$BASE_LOCAL" >/dev/null 2>&1; then
  if [ ! -s "$tarball" ]; then
    log "building the Python base with debootstrap ($SUITE, $mirror); about 70 s"
    mkdir -p "$CACHE_DIR"
    root=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$root" "$mirror" >&2
    # Slim it: apt lists and caches are not needed at run time.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
    # mktemp -d made the rootfs folder 0700, and tar records it as the image's `/`: every non-root
    # process (buildah RUN as USER 1001, OpenShift's assemble) would fail to exec /bin/sh.
    chmod 0755 "$root"
    tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  log "importing $BASE_LOCAL"
  "$DOCKER" import --change 'CMD ["python3"]' --change 'ENV LANG=C.UTF-8' "$tarball" "$BASE_LOCAL" >/dev/null
fi
if ! skopeo inspect --tls-verify=false "docker://$BASE_REMOTE" >/dev/null 2>&1; then
  log "pushing $BASE_REMOTE"
  "$DOCKER" tag "$BASE_LOCAL" "$BASE_REMOTE"
  "$DOCKER" push "$BASE_REMOTE" >/dev/null
fi
digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$BASE_REMOTE")
# Docker knows the pushed image by its repo digest, so pinning works for docker and buildah alike.
echo "NBBUILD_BASE=$REGISTRY_ADDR/nbbuild/python@$digest"
