package dev.llmproxy.contract;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationTest {
    @ParameterizedTest
    @CsvSource({
        "0, 0ms",
        "1, 1ms",
        "120000000, 120ms",
        "120000, 1ms",
        "999000001, 1s",
        "1000000000, 1s",
        "1000000001, 2s",
        "12000000000, 12s",
        "360000000000, 6m0s",
        "3723000000000, 1h2m3s",
        "86400000000000, 24h0m0s",
    })
    void formatsLikeOpenAiResetHeadersRoundingUp(long nanos, String expected) {
        assertEquals(expected, GoDuration.format(Duration.ofNanos(nanos)));
    }
}
