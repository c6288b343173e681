package dev.llmproxy.auth;

import dev.llmproxy.ratelimit.Quota;

/** One registered client: its label (the only name logs and metrics use), its limits and its models. */
public record Token(String label, TokenDigest digest, Quota quota, ModelAllowlist models) {}
