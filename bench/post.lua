-- wrk script: a small chat completion, the way an OpenAI SDK sends it. Prints one machine-readable line.
wrk.method = "POST"
local file = os.getenv("BENCH_BODY_FILE")   -- large bodies: an environment variable holds at most 128 KiB
if file then
  local f = assert(io.open(file, "rb"))
  wrk.body = f:read("*a")
  f:close()
else
  wrk.body = os.getenv("BENCH_BODY") or '{"model":"vllm:llama3","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'
end
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "none")

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d seconds=%.3f p50=%.3f p99=%.3f p999=%.3f socket_errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
