package dev.llmproxy.backends;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One replica as the last refresh found it.
 *
 * @param replica {@code host:port}, the label it has in metrics
 * @param up whether it answered the last refresh (its model list, or a connection for a backend with configured models)
 * @param checkedAt when it was last asked; empty before the first refresh
 * @param listedAt when it last listed its models; empty if it never did
 * @param models what it listed last: a failed refresh keeps them, so a blip does not move calls elsewhere
 * @param error why the last refresh failed; empty when it did not
 */
public record ReplicaStatus(
        String replica,
        boolean up,
        Optional<Instant> checkedAt,
        Optional<Instant> listedAt,
        List<DiscoveredModel> models,
        String error) {

    public ReplicaStatus {
        models = List.copyOf(models);
    }

    /** Not asked yet. */
    public static ReplicaStatus unknown(String replica) {
        return new ReplicaStatus(replica, false, Optional.empty(), Optional.empty(), List.of(), "not asked yet");
    }

    /** It listed {@code found}. */
    public ReplicaStatus listed(List<DiscoveredModel> found, Instant now) {
        return new ReplicaStatus(replica, true, Optional.of(now), Optional.of(now), found, "");
    }

    /** It was reached (a backend whose models are configured is only probed). */
    public ReplicaStatus reached(Instant now) {
        return new ReplicaStatus(replica, true, Optional.of(now), listedAt, models, "");
    }

    /** It could not be asked: down, but what it listed before is kept. */
    public ReplicaStatus failed(String why, Instant now) {
        return new ReplicaStatus(replica, false, Optional.of(now), listedAt, models, why);
    }
}
