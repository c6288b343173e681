#!/usr/bin/env bash
# Soak: a bounded mixed load on the whole gateway (nginx + sidecar + Redis store), default 10 minutes.
#   bench/soak.sh [--minutes N | --seconds N]
# Reports errors by class, 429s, latency, and the sidecar's RSS, heap and threads at start and end.
# Not part of the test suite. Needs nginx and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
find_jdk21
find_nginx >/dev/null
./mvnw -q -B -DskipTests package
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec taskset -c 1 java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" dev.llmproxy.bench.Soak "$@"
