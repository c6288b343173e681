#!/usr/bin/env bash
# Prints the path of an nginx that resolves upstream host names while it runs (`server ... resolve`, nginx 1.27.3
# or newer), as the official nginx image does: the machine's own when it is new enough, else Debian testing's,
# fetched once with the libraries it needs into a cache and run with them (Debian 12's nginx is 1.22).
# The tests of NGINX_RESOLVER run it; nothing else does.
#
# Each file is checked: the suite's InRelease against Debian's archive keys (gpgv), Packages.xz against
# InRelease, every .deb against Packages.xz.
set -euo pipefail

MIN=1.27.3   # as lib.sh's nginx_resolves_names
SUITE=${NGINX_RESOLVE_SUITE:-testing}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/llm-proxy
# nginx and what it links: libc (with its loader), libcrypt, PCRE2, OpenSSL (and zstd, which it links), zlib.
PACKAGES=(nginx libc6 libcrypt1 libpcre2-8-0 libssl3t64 libzstd1 zlib1g)

. "$(dirname "$0")/lib.sh"
new_enough() { nginx_resolves_names "$1"; }

for bin in "${NGINX_BIN:-}" "$(command -v nginx 2>/dev/null || true)" /usr/sbin/nginx; do
    if [ -n "$bin" ] && [ -x "$bin" ] && new_enough "$bin"; then
        echo "$bin"
        exit 0
    fi
done

case "$(dpkg --print-architecture 2>/dev/null || uname -m)" in
    amd64 | x86_64) arch=amd64 triplet=x86_64-linux-gnu loader=ld-linux-x86-64.so.2 ;;
    arm64 | aarch64) arch=arm64 triplet=aarch64-linux-gnu loader=ld-linux-aarch64.so.1 ;;
    *) echo "fetch-nginx: no Debian nginx for this architecture; set NGINX_RESOLVE_BIN to an nginx >= $MIN" >&2; exit 1 ;;
esac

# One directory per release: a new one in the suite is fetched beside it.
for wrapper in "$CACHE"/nginx-*/nginx; do
    if [ -x "$wrapper" ] && new_enough "$wrapper"; then
        echo "$wrapper"
        exit 0
    fi
done

fail() { echo "fetch-nginx: $*" >&2; exit 1; }
for tool in curl gpgv xz dpkg-deb sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || fail "needs $tool"
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || fail "needs Debian's archive keys ($keyring: apt-get install debian-archive-keyring)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
get() { curl -fsSL --retry 3 -m 120 -o "$2" "$MIRROR/$1" || fail "could not fetch $MIRROR/$1"; }

get "dists/$SUITE/InRelease" "$work/InRelease"
gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>/dev/null ||
    fail "$SUITE's InRelease is not signed by Debian's archive keys"
index="main/binary-$arch/Packages.xz"
want=$(awk -v f="$index" '/^SHA256:/ {s = 1; next} /^[^ ]/ {s = 0} s && $3 == f {print $1}' "$work/Release")
[ -n "$want" ] || fail "$SUITE's Release lists no $index"
get "dists/$SUITE/$index" "$work/Packages.xz"
echo "$want  $work/Packages.xz" | sha256sum -c --quiet - || fail "$index does not match $SUITE's Release"
xz -dc "$work/Packages.xz" >"$work/Packages"

version=
mkdir "$work/root"
for package in "${PACKAGES[@]}"; do
    file= sum= ver=
    read -r file sum ver < <(awk -v p="$package" '
        /^Package: / {on = ($2 == p)}
        on && /^Version: / {v = $2}
        on && /^Filename: / {f = $2}
        on && /^SHA256: / {s = $2}
        /^$/ && on && f != "" {print f, s, v; exit}' "$work/Packages") || true
    [ -n "${file:-}" ] || fail "$SUITE has no package $package"
    get "$file" "$work/$package.deb"
    echo "$sum  $work/$package.deb" | sha256sum -c --quiet - || fail "$file does not match $SUITE's Packages"
    dpkg-deb -x "$work/$package.deb" "$work/root"
    [ "$package" = nginx ] && version=${ver%%-*}
done

dir="$CACHE/nginx-$version"
lib="$dir/root/usr/lib/$triplet"
mkdir -p "$CACHE"
rm -rf "$dir.tmp" && mkdir "$dir.tmp"
mv "$work/root" "$dir.tmp/root"
[ -e "$dir.tmp/root/usr/lib/$triplet/$loader" ] || fail "no $loader in $SUITE's libc6"
# Debian testing's nginx with Debian testing's libraries, through their own loader: this machine's are older.
cat >"$dir.tmp/nginx" <<SH
#!/bin/sh
# nginx $version from Debian $SUITE, run with its own libraries (written by scripts/fetch-nginx.sh).
exec "$lib/$loader" --library-path "$lib" "$dir/root/usr/sbin/nginx" "\$@"
SH
chmod 755 "$dir.tmp/nginx"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
new_enough "$dir/nginx" || fail "$dir/nginx does not run, or is older than $MIN: $("$dir/nginx" -v 2>&1 | head -3)"
echo "$dir/nginx"
