package dev.llmproxy.ratelimit;

/** What a shared store's outage means for requests: admit them uncounted (open) or refuse them (closed). */
public enum FailureMode {
    OPEN,
    CLOSED
}
