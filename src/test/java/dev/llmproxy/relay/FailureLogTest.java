package dev.llmproxy.relay;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class FailureLogTest {
    @Test
    void aFailingBackendIsLoggedOnceAMinuteNotOnceACall() {
        assertTrue(FailureLog.failed("failure-log-test", "is unreachable"), "the first failure is logged");
        for (int i = 0; i < 100; i++) {
            assertFalse(FailureLog.failed("failure-log-test", "is unreachable"), "call " + i);
        }
        assertTrue(FailureLog.failed("failure-log-test-other", "is unreachable"), "each backend on its own");
    }
}
