package dev.llmproxy.backends;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A backend as the last refresh found it: each replica's status, in configured order.
 *
 * @param refreshedAt when its last refresh ended; empty before the first
 */
public record BackendStatus(BackendSpec backend, List<ReplicaStatus> replicas, Optional<Instant> refreshedAt) {

    public BackendStatus {
        replicas = List.copyOf(replicas);
    }

    public String name() {
        return backend.name();
    }

    /** Whether it can serve: a replica answered the last refresh, or it has none to ask (echo). */
    public boolean up() {
        return replicas.isEmpty() || replicas.stream().anyMatch(ReplicaStatus::up);
    }

    /**
     * The union of what its replicas listed last, in replica order, each name once (the first replica's
     * {@code created} wins). Replicas of one backend should serve the same models; while one is being
     * changed the union keeps every model reachable somewhere, and a call that lands on a replica without
     * it gets that replica's own 404.
     */
    public List<DiscoveredModel> discovered() {
        Set<String> seen = new LinkedHashSet<>();
        List<DiscoveredModel> out = new ArrayList<>();
        for (ReplicaStatus r : replicas) {
            for (DiscoveredModel m : r.models()) {
                if (seen.add(m.name())) {
                    out.add(m);
                }
            }
        }
        return out;
    }
}
