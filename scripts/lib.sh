# Shared by ./gateway and .ci/run. Finds a JDK >= 21 and exports JAVA_HOME, or explains what to install.

java_major() {   # prints the major version of the java binary $1, or nothing
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}

find_jdk21() {
    local candidates=()
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    command -v java >/dev/null 2>&1 && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
    # Newest first: the system JVM folder often holds a default JDK 17 beside a newer one.
    for d in $(ls -d /usr/lib/jvm/* /opt/java/* /opt/jdk* 2>/dev/null | sort -rV); do candidates+=("$d"); done
    local home v
    for home in "${candidates[@]}"; do
        [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || continue
        v=$(java_major "$home/bin/java")
        if [ -n "$v" ] && [ "$v" -ge 21 ]; then
            export JAVA_HOME="$home"
            export PATH="$JAVA_HOME/bin:$PATH"
            # Maven's own libraries use sun.misc.Unsafe, which JDK 24+ warns about on every run: allowed for
            # Maven's JVM only (the option does not exist before JDK 23, so it is set only where it does).
            if [ "$v" -ge 24 ] && [[ "${MAVEN_OPTS:-}" != *sun-misc-unsafe-memory-access* ]]; then
                export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
            fi
            return 0
        fi
    done
    cat >&2 <<'MSG'
llm-proxy needs a JDK 21 or newer (found none in JAVA_HOME, on PATH or under /usr/lib/jvm).
Install one, for example:
  Debian 13 / Ubuntu 24.04:  sudo apt-get install openjdk-21-jdk-headless
  Debian 12:                 Eclipse Temurin 21 (https://adoptium.net/installation/linux/)
or point JAVA_HOME at an existing JDK 21+.
MSG
    return 1
}

find_nginx() {   # prints the nginx binary; fails with install advice when nginx is missing
    local bin=${NGINX_BIN:-}
    [ -z "$bin" ] && bin=$(command -v nginx 2>/dev/null || true)
    [ -z "$bin" ] && [ -x /usr/sbin/nginx ] && bin=/usr/sbin/nginx
    if [ -z "$bin" ]; then
        echo "nginx is needed: sudo apt-get install nginx" >&2
        return 1
    fi
    echo "$bin"
}

nginx_resolves_names() {   # whether nginx $1 resolves upstream host names while it runs (server ... resolve: 1.27.3+)
    local v
    v=$("$1" -v 2>&1 | sed -n 's|^nginx version: nginx/\([0-9.]*\).*|\1|p')
    [ -n "$v" ] && [ "$(printf '%s\n%s\n' 1.27.3 "$v" | sort -V | head -1)" = 1.27.3 ]
}

dotenv_value() {   # NAME FILE: NAME's value in the .env FILE as the sidecar reads it (dotenv-java), quotes removed
    # A line: NAME = value # comment; the value quoted ('..' or "..") or not (then up to a '#'); the last line wins.
    # config/DotenvParityTest holds this to the sidecar's reading.
    [ -f "$2" ] || return 0
    sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*('[^']*'|\"[^\"]*\"|[^#]*)?[[:space:]]*(#.*)?\$/\1/p" "$2" |
        tail -1 | sed -E "s/[[:space:]]+\$//; s/^'(.*)'\$/\1/; s/^\"(.*)\"\$/\1/"
}
