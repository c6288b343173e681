#!/usr/bin/env bash
# Prints the path of an nginx that resolves upstream host names while it runs (`server ... resolve`, nginx 1.27.3
# or newer), as the official nginx image does: NGINX_RESOLVE_BIN or the machine's own nginx when new enough, else
# Debian testing's, downloaded once with the libraries it links into ~/.cache/llm-proxy and run with them through
# their own loader (Debian 12's nginx is 1.22, its libraries older than testing's nginx needs).
# The tests of NGINX_RESOLVER run it; nothing else does.
#
# apt does the downloading, with a private configuration and state (the machine's are not touched): it checks
# Debian's signatures and every file's checksum, and uses the machine's proxy settings.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SUITE=${NGINX_RESOLVE_SUITE:-testing}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/llm-proxy
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

fail() { echo "fetch-nginx: $*" >&2; exit 1; }

for bin in "${NGINX_RESOLVE_BIN:-}" "${NGINX_BIN:-}" "$(command -v nginx 2>/dev/null || true)" /usr/sbin/nginx; do
    if [ -n "$bin" ] && [ -x "$bin" ] && nginx_resolves_names "$bin"; then
        echo "$bin"
        exit 0
    fi
done
for wrapper in "$CACHE"/nginx-*/nginx; do   # one directory per release
    if [ -x "$wrapper" ] && nginx_resolves_names "$wrapper"; then
        echo "$wrapper"
        exit 0
    fi
done

case "$(dpkg --print-architecture 2>/dev/null || uname -m)" in
    amd64 | x86_64) arch=amd64 triplet=x86_64-linux-gnu loader=ld-linux-x86-64.so.2 ;;
    arm64 | aarch64) arch=arm64 triplet=aarch64-linux-gnu loader=ld-linux-aarch64.so.1 ;;
    *) fail "no Debian nginx for this architecture: set NGINX_RESOLVE_BIN to an nginx 1.27.3 or newer" ;;
esac
for tool in apt-get apt-cache dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || fail "needs $tool (Debian or Ubuntu), or NGINX_RESOLVE_BIN"
done
[ -f "$KEYRING" ] || fail "needs Debian's archive keys: apt-get install debian-archive-keyring"

# The machine's Debian mirror (it may be a local one), else Debian's own.
mirror=${DEBIAN_MIRROR:-$(sed -n 's|^URIs: *\(http[^ ]*/debian\)/* *$|\1|p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
mirror=${mirror:-$(sed -n 's|^deb \(\[[^]]*\] \)\{0,1\}\(http[^ ]*/debian\)/* .*|\2|p' /etc/apt/sources.list 2>/dev/null | head -1)}
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/parts" "$work/debs" "$work/root"
echo "deb [signed-by=$KEYRING] $mirror $SUITE main" >"$work/sources.list"
: >"$work/status"
apt_options=(
    -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/parts"
    -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$work/parts"
    -o "Dir::State::Lists=$work/lists" -o "Dir::State::Status=$work/status"
    -o "Dir::Cache::Archives=$work/archives" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
    -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o "Acquire::Languages=none"
    -o "APT::Sandbox::User=$(id -un)" -o "Debug::NoLocking=true"
)
apt-get -qq "${apt_options[@]}" update >"$work/apt.log" 2>&1 || fail "apt-get update of $SUITE failed: $(cat "$work/apt.log")"

# nginx and the libraries it links, with theirs, as the suite's dependencies say (not its configuration package).
linked=$(apt-cache "${apt_options[@]}" depends nginx | sed -n 's/^ *\(Pre\)\{0,1\}Depends: \(lib[^ <]*\|zlib1g\)$/\2/p')
[ -n "$linked" ] || fail "$SUITE has no nginx"
# shellcheck disable=SC2086  # one package a word
packages="nginx $(apt-cache "${apt_options[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $linked | grep -E '^(lib[^ <]*|zlib1g)$' | sort -u | tr '\n' ' ')"
version=$(apt-cache "${apt_options[@]}" show nginx | sed -n 's/^Version: \([0-9.]*\).*/\1/p' | head -1)
# shellcheck disable=SC2086  # one package a word
(cd "$work/debs" && apt-get -qq "${apt_options[@]}" download $packages >"$work/apt.log" 2>&1) ||
    fail "apt-get download failed: $(cat "$work/apt.log")"
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root"
done
lib="$work/root/usr/lib/$triplet"
[ -e "$lib/$loader" ] || fail "no $loader in $SUITE's libc6"

dir="$CACHE/nginx-$version"
final="$dir/root/usr/lib/$triplet"
cat >"$work/nginx" <<SH
#!/bin/sh
# nginx $version from Debian $SUITE, run with its own libraries (written by scripts/fetch-nginx.sh).
exec "$final/$loader" --library-path "$final" "$dir/root/usr/sbin/nginx" "\$@"
SH
chmod 755 "$work/nginx"
mkdir "$work/dir"
mv "$work/root" "$work/nginx" "$work/dir/"
# Another run may have finished first: its copy is as good.
mv -T "$work/dir" "$dir" 2>/dev/null || [ -x "$dir/nginx" ] || fail "could not write $dir"
nginx_resolves_names "$dir/nginx" || fail "$dir/nginx does not run: $("$dir/nginx" -v 2>&1 | head -3)"
echo "$dir/nginx"
