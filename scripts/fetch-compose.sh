#!/usr/bin/env bash
# Prints a command that runs Docker Compose v2, what `docker compose` is, to check docker-compose.yml as users run
# it (Debian 12's docker-compose is v1, which refuses parts of today's compose file format): COMPOSE_BIN, else the
# machine's `docker compose` or `docker-compose` when it is v2, else Debian stable's, downloaded once into
# ~/.cache/llm-proxy (one static program: it needs no library this machine lacks). No Docker engine is needed to
# check a file. scripts/debian-packages.sh downloads (apt, with Debian's signatures and checksums checked).
set -euo pipefail
. "$(dirname "$0")/debian-packages.sh"
SUITE=${COMPOSE_SUITE:-stable}

v2() { "$@" version 2>/dev/null | grep -q 'version v\{0,1\}2\.'; }

if [ -n "${COMPOSE_BIN:-}" ]; then
    echo "$COMPOSE_BIN"
    exit 0
fi
if command -v docker >/dev/null 2>&1 && v2 docker compose; then
    echo "docker compose"
    exit 0
fi
for bin in "$(command -v docker-compose 2>/dev/null || true)" "$CACHE"/compose-*/docker-compose; do
    if [ -n "$bin" ] && [ -x "$bin" ] && v2 "$bin"; then
        echo "$bin"
        exit 0
    fi
done

debian_arch || fail "no Debian Compose for this architecture: set COMPOSE_BIN to a Docker Compose v2"
debian_suite "$SUITE"
version=$(debian_version docker-compose)
case "$version" in 2.*) ;; *) fail "Debian $SUITE's docker-compose is $version, not v2" ;; esac
debian_unpack docker-compose
mkdir "$work/dir"
mv "$work/root/usr/libexec/docker/cli-plugins/docker-compose" "$work/dir/" ||
    fail "no docker-compose program in Debian $SUITE's package"
dir="$CACHE/compose-$version"
debian_keep "$dir"
v2 "$dir/docker-compose" || fail "$dir/docker-compose does not run"
echo "$dir/docker-compose"
