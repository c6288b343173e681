package dev.llmproxy.bench.jmh;

import dev.llmproxy.auth.ModelAllowlist;
import dev.llmproxy.auth.Token;
import dev.llmproxy.auth.TokenDigest;
import dev.llmproxy.auth.TokenRegistry;
import dev.llmproxy.ollama.OllamaWire;
import dev.llmproxy.ratelimit.Decision;
import dev.llmproxy.ratelimit.MemoryRateLimiter;
import dev.llmproxy.ratelimit.Quota;
import dev.llmproxy.support.Json;
import dev.llmproxy.translate.ChatStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The pure code on every request: the limit decision, the token lookup, one NDJSON line to one SSE frame. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class HotPathBenchmarks {
    MemoryRateLimiter limiter;
    Quota quota;
    TokenRegistry registry;
    String presented;
    String ndjsonLine;

    @Setup
    public void setUp() {
        limiter = new MemoryRateLimiter(Clock.systemUTC());
        quota = new Quota(1_000_000, 1_000_000_000);
        List<Token> tokens = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            tokens.add(new Token("team-" + i, TokenDigest.of("sk-llmp-token-number-" + i), quota, ModelAllowlist.ANY));
        }
        registry = new TokenRegistry(tokens);
        presented = "sk-llmp-token-number-537";
        ndjsonLine =
                "{\"model\":\"llama3.2\",\"created_at\":\"2026-11-30T10:00:00.123456789Z\",\"message\":{\"role\":\"assistant\",\"content\":\" world\"},\"done\":false}";
    }

    @Benchmark
    public Decision limiterDecision() {
        return limiter.acquire("team-537", quota);
    }

    @Benchmark
    public Object tokenLookup() {
        return registry.find(presented).orElseThrow();
    }

    /** Parse one native line, translate it, serialise the chunk: the Ollama path's per-token work. */
    @Benchmark
    public byte[] ndjsonLineToSseChunk() throws Exception {
        ChatStream stream = new ChatStream("chatcmpl-bench", 1764496800L, "ollama:llama3.2", false);
        stream.next(Json.MAPPER.readValue(
                "{\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"done\":false}", OllamaWire.Chunk.class));
        var chunks = stream.next(Json.MAPPER.readValue(ndjsonLine, OllamaWire.Chunk.class));
        return Json.bytes(chunks.get(0));
    }
}
