package dev.llmproxy.backends;

/** A model a replica listed: its name there, and when it was made or pulled (seconds since 1970; 0 unknown). */
public record DiscoveredModel(String name, long created) {}
