#!/usr/bin/env bash
# JMH microbenchmarks of the hot pure code (limit decision, token lookup, NDJSON→SSE chunk).
#   bench/jmh.sh [JMH options, e.g. -f 1 -wi 3 -i 5]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
find_jdk21
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" org.openjdk.jmh.Main "dev.llmproxy.bench.jmh" "$@"
