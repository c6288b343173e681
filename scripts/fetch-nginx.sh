#!/usr/bin/env bash
# Prints the path of an nginx that resolves upstream host names while it runs (`server ... resolve`, nginx 1.27.3
# or newer), as the official nginx image does: NGINX_RESOLVE_BIN or the machine's own nginx when new enough, else
# Debian testing's, downloaded once with the libraries it links into ~/.cache/llm-proxy and run with them through
# their own loader (Debian 12's nginx is 1.22, its libraries older than testing's nginx needs).
# The tests of NGINX_RESOLVER run it; nothing else does.
#
# scripts/debian-packages.sh downloads (apt, with Debian's signatures and checksums checked).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debian-packages.sh"
SUITE=${NGINX_RESOLVE_SUITE:-testing}

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

debian_arch || fail "no Debian nginx for this architecture: set NGINX_RESOLVE_BIN to an nginx 1.27.3 or newer"
debian_suite "$SUITE"

# nginx and the libraries it links, with theirs, as the suite's dependencies say (not its configuration package).
linked=$(apt-cache "${apt_options[@]}" depends nginx | sed -n 's/^ *\(Pre\)\{0,1\}Depends: \(lib[^ <]*\|zlib1g\)$/\2/p')
[ -n "$linked" ] || fail "$SUITE has no nginx"
# shellcheck disable=SC2086  # one package a word
packages="nginx $(apt-cache "${apt_options[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $linked | grep -E '^(lib[^ <]*|zlib1g)$' | sort -u | tr '\n' ' ')"
version=$(debian_version nginx)
# shellcheck disable=SC2086  # one package a word
debian_unpack $packages
[ -e "$work/root/usr/lib/$triplet/$loader" ] || fail "no $loader in $SUITE's libc6"

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
debian_keep "$dir"
nginx_resolves_names "$dir/nginx" || fail "$dir/nginx does not run: $("$dir/nginx" -v 2>&1 | head -3)"
echo "$dir/nginx"
