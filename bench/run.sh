#!/usr/bin/env bash
# The gateway benchmark, one command:  bench/run.sh [--quick | --streams-only | --gateway-only | --prompts-only]
# Plain nginx proxying to the same upstream is the baseline, measured in the same run; the gateway
# (nginx + sidecar, memory store, then Redis store) is measured against it: requests/s, latency,
# errors, CPU per request, sequential added latency, streaming time-to-first-byte and chunk gaps, large
# prompts (1 KB to 4 MB and a base64 image), and streams while large prompts arrive.
# Loopback only, bounded in time (about 16 minutes; --quick: about 4). Needs wrk, nginx and
# redis-server (apt-get install wrk nginx redis-server) and 2 cores for taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
find_jdk21
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
find_nginx >/dev/null
./mvnw -q -B -DskipTests package
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
exec taskset -c 1 java ${BENCH_JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" dev.llmproxy.bench.Benchmark "$@"
