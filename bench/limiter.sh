#!/usr/bin/env bash
# Benchmark of the sidecar's decision as nginx asks for it: a small chat call with the shared secret, which the
# sidecar parses, authenticates, limits and hands back (204 + X-Accel-Redirect), on one sidecar, memory store
# and then Redis store (a local redis-server), same load, same run. Loopback only, bounded in time.
#   bench/limiter.sh [seconds per run, default 10] [connections, default 32]
# Needs wrk and redis-server (apt-get install wrk redis-server). The sidecar and Redis share core 0; wrk
# runs on core 1 (taskset), so the load generator does not steal the system under test's CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
find_jdk21
DURATION=${1:-10}
CONNS=${2:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server is needed: apt-get install redis-server" >&2; exit 1; }
[ -f target/llm-proxy.jar ] && [ -z "$(find pom.xml src/main -newer target/llm-proxy.jar -print -quit)" ] || ./mvnw -q -B -DskipTests package

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

REDIS_PORT=$(free_port)
taskset -c 0 redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
wait_port "$REDIS_PORT"

SECRET=bench-secret-0123456789abcdef0123456789
TOKEN=sk-bench-0123456789
# Limits far above what the run can reach: every decision runs the full check-and-commit path.
export TOKENS_JSON="[{\"token\":\"$TOKEN\",\"label\":\"bench\",\"rpm\":1000000,\"rpd\":1000000000}]"
export GATEWAY_SECRET=$SECRET REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

cat > "$work/authz.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"model":"vllm:llama3","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["X-Gateway-Secret"] = "$SECRET"
LUA

run() {   # $1 = store
    local port pid out
    port=$(free_port)
    RATE_LIMIT_STORE=$1 SIDECAR_PORT=$port taskset -c 0 java -Xmx512m -jar target/llm-proxy.jar serve >"$work/$1.log" 2>&1 &
    pid=$!
    wait_port "$port"
    taskset -c 1 wrk -t1 -c"$CONNS" -d5s -s "$work/authz.lua" "http://127.0.0.1:$port/v1/chat/completions" >/dev/null   # warm-up (JIT)
    local cpu0 cpu1
    cpu0=$(awk '{print $14+$15}' /proc/$pid/stat)
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s "$work/authz.lua" "http://127.0.0.1:$port/v1/chat/completions")
    cpu1=$(awk '{print $14+$15}' /proc/$pid/stat)
    kill $pid; wait $pid 2>/dev/null || true
    local rps p50 p99 non2xx reqs
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    local cpu_us=$(( (cpu1 - cpu0) * 10000 / reqs ))   # clock ticks (1/100 s) -> µs per request
    printf '| %-6s | %9.0f | %7s | %7s | %6s | %s |\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}" "$cpu_us"
    echo "$rps" > "$work/$1.rps"
}

echo "llm-proxy limiter benchmark, $(date -u +%F), $(nproc) cores, ${DURATION}s x ${CONNS} connections, wrk on core 1, sidecar+redis on core 0"
echo
echo "| store  | decisions/s | p50 | p99 | errors | sidecar CPU µs/decision |"
echo "|--------|------------:|----:|----:|-------:|------------------------:|"
run memory
run redis
echo
awk -v m="$(cat "$work/memory.rps")" -v r="$(cat "$work/redis.rps")" 'BEGIN { printf "redis / memory throughput: %.2f\n", r / m }'
