package dev.llmproxy.support;

/** A configured secret. Its {@code toString} never shows the value, so it cannot leak through a log line. */
public record Secret(String value) {
    @Override
    public String toString() {
        return "[redacted]";
    }
}
