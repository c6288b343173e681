# Sourced by fetch-nginx.sh and fetch-compose.sh: downloads packages of another Debian release than this
# machine's, for tools the tests run (never installed, never mixed with the machine's packages). apt does the work
# with a private configuration and state: it checks Debian's signatures and every file's checksum, and uses the
# machine's mirror and proxy settings.

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/llm-proxy
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

fail() { echo "$(basename "$0"): $*" >&2; exit 1; }

# Sets arch (Debian's name), triplet and loader (the C library's) for this machine.
debian_arch() {
    case "$(dpkg --print-architecture 2>/dev/null || uname -m)" in
        amd64 | x86_64) arch=amd64 triplet=x86_64-linux-gnu loader=ld-linux-x86-64.so.2 ;;
        arm64 | aarch64) arch=arm64 triplet=aarch64-linux-gnu loader=ld-linux-aarch64.so.1 ;;
        *) return 1 ;;
    esac
}

# Makes $work (a fresh directory in the cache, removed on exit) and sets apt_options for SUITE, updated.
debian_suite() {
    local suite=$1 tool mirror
    for tool in apt-get apt-cache dpkg-deb; do
        command -v "$tool" >/dev/null 2>&1 || fail "needs $tool (Debian or Ubuntu)"
    done
    [ -f "$KEYRING" ] || fail "needs Debian's archive keys: apt-get install debian-archive-keyring"
    # The machine's Debian mirror (it may be a local one), else Debian's own.
    mirror=${DEBIAN_MIRROR:-$(sed -n 's|^URIs: *\(http[^ ]*/debian\)/* *$|\1|p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
    mirror=${mirror:-$(sed -n 's|^deb \(\[[^]]*\] \)\{0,1\}\(http[^ ]*/debian\)/* .*|\2|p' /etc/apt/sources.list 2>/dev/null | head -1)}
    mirror=${mirror:-http://deb.debian.org/debian}

    mkdir -p "$CACHE"
    work=$(mktemp -d "$CACHE/.fetch.XXXXXX")
    # shellcheck disable=SC2064  # $work now
    trap "rm -rf '$work'" EXIT
    mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/parts" "$work/debs" "$work/root"
    echo "deb [signed-by=$KEYRING] $mirror $suite main" >"$work/sources.list"
    : >"$work/status"
    apt_options=(
        -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/parts"
        -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$work/parts"
        -o "Dir::State::Lists=$work/lists" -o "Dir::State::Status=$work/status"
        -o "Dir::Cache::Archives=$work/archives" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
        -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" -o "Acquire::Languages=none"
        -o "APT::Sandbox::User=$(id -un)" -o "Debug::NoLocking=true"
    )
    apt-get -qq "${apt_options[@]}" update >"$work/apt.log" 2>&1 ||
        fail "apt-get update of Debian $suite failed: $(cat "$work/apt.log")"
}

# The suite's version of PACKAGE (upstream part only).
debian_version() {
    apt-cache "${apt_options[@]}" show "$1" | sed -n 's/^Version: \([0-9]*:\)\{0,1\}\([0-9.]*\).*/\2/p' | head -1
}

# Downloads PACKAGES and unpacks them all into $work/root.
debian_unpack() {
    # shellcheck disable=SC2068  # one package a word
    (cd "$work/debs" && apt-get -qq "${apt_options[@]}" download $@ >"$work/apt.log" 2>&1) ||
        fail "apt-get download failed: $(cat "$work/apt.log")"
    local deb
    for deb in "$work"/debs/*.deb; do
        dpkg-deb -x "$deb" "$work/root"
    done
}

# Moves $work/dir to DIR in the cache; another run that finished first wrote an equal one.
debian_keep() {
    mv -T "$work/dir" "$1" 2>/dev/null || [ -d "$1" ] || fail "could not write $1"
}
