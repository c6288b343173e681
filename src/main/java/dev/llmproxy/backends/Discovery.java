package dev.llmproxy.backends;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each backend's models and health, refreshed at start and then every period: every replica of a backend
 * without configured models is asked what it serves, and the union goes to {@link Backends#discovered}, so
 * routing follows a model that moves; a backend with configured models is only probed. Never on a request's
 * path: calls and {@code /v1/models} read what the last refresh left.
 */
public final class Discovery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);

    /** The calls a refresh makes; they live at the edge (relay), so that this package does no I/O. */
    public interface Replicas {
        /** What the replica serves ({@code GET /v1/models}, {@code GET /api/tags}); throws when it cannot say. */
        List<DiscoveredModel> models(BackendSpec backend, UpstreamUrl replica) throws Exception;

        /** Returns when the replica can be reached, throws when not: a light check, no model listed. */
        void probe(BackendSpec backend, UpstreamUrl replica) throws Exception;
    }

    /**
     * One refresh's outcome.
     *
     * @param newlyShared models that more than one backend serves, each reported by the first refresh that
     *     finds it shared only (model to backends, in list order: calls go to the first)
     * @param newlyShadowed models a backend serves whose name starts with a backend's {@code name:} prefix, each
     *     reported by the first refresh that finds it only
     */
    public record Refresh(
            List<BackendStatus> backends,
            Map<String, List<String>> newlyShared,
            Map<String, Backends.Shadowed> newlyShadowed) {}

    private final Backends backends;
    private final Replicas replicas;
    private final InstantSource clock;
    private volatile List<BackendStatus> statuses;
    private final Set<String> reportedShared = new HashSet<>(); // guarded by this
    private final Set<String> reportedShadowed = new HashSet<>(); // guarded by this
    private volatile ScheduledExecutorService scheduler;

    public Discovery(Backends backends, Replicas replicas, InstantSource clock) {
        this.backends = backends;
        this.replicas = replicas;
        this.clock = clock;
        this.statuses = backends.all().stream()
                .map(b -> new BackendStatus(
                        b,
                        b.urls().stream()
                                .map(u -> ReplicaStatus.unknown(u.authority()))
                                .toList(),
                        Optional.empty()))
                .toList();
    }

    /** Every backend in configured order, as the last refresh left it. */
    public List<BackendStatus> statuses() {
        return statuses;
    }

    /**
     * Refreshes once, then every {@code every}. The first refresh is done before this returns, so that the
     * gateway routes by what its backends serve from its first call; it takes at most one listing's timeout,
     * the replicas being asked at once.
     */
    public synchronized void start(Duration every) {
        if (scheduler != null) {
            throw new IllegalStateException("already started");
        }
        refreshNow();
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofVirtual().name("model-discovery").factory());
        scheduler.scheduleWithFixedDelay(
                this::refreshQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks every replica now (tests call this instead of waiting for the period). */
    public synchronized Refresh refreshNow() {
        List<BackendStatus> before = statuses;
        List<BackendStatus> after = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<List<Future<ReplicaStatus>>> asked = new ArrayList<>();
            for (BackendStatus b : before) {
                List<Future<ReplicaStatus>> answers = new ArrayList<>();
                for (int i = 0; i < b.replicas().size(); i++) {
                    UpstreamUrl url = b.backend().urls().get(i);
                    ReplicaStatus last = b.replicas().get(i);
                    answers.add(pool.submit(() -> ask(b.backend(), url, last)));
                }
                asked.add(answers);
            }
            for (int i = 0; i < before.size(); i++) {
                BackendStatus b = before.get(i);
                List<ReplicaStatus> now = new ArrayList<>();
                for (int r = 0; r < b.replicas().size(); r++) {
                    now.add(outcome(asked.get(i).get(r), b.replicas().get(r)));
                }
                after.add(new BackendStatus(b.backend(), now, Optional.of(clock.instant())));
            }
        }
        statuses = List.copyOf(after);
        for (int i = 0; i < after.size(); i++) {
            logChanges(before.get(i), after.get(i));
            if (after.get(i).backend().discovers()) {
                backends.discovered(
                        after.get(i).name(),
                        after.get(i).discovered().stream()
                                .map(DiscoveredModel::name)
                                .toList());
            }
        }
        Map<String, List<String>> newlyShared = newlyFound(
                backends.sharedModels(),
                reportedShared,
                (model, names) -> LOG.warn(
                        "model \"{}\" is served by backends {}: calls for it go to {} (write {}:{} for another)",
                        model,
                        names,
                        names.get(0),
                        names.get(1),
                        model));
        Map<String, Backends.Shadowed> newlyShadowed = newlyFound(
                backends.shadowedModels(),
                reportedShadowed,
                (model, shadowed) -> LOG.warn(
                        "model \"{}\" of backend {} cannot be called by that name: \"{}:\" names backend {}"
                                + " (call it {}:{}, or rename backend {})",
                        model,
                        shadowed.servedBy(),
                        shadowed.takenBy(),
                        shadowed.takenBy(),
                        shadowed.servedBy(),
                        model,
                        shadowed.takenBy()));
        return new Refresh(statuses, newlyShared, newlyShadowed);
    }

    /** The entries of {@code now} not {@code reported} before, each warned about once and then reported. */
    private static <V> Map<String, V> newlyFound(
            Map<String, V> now, Set<String> reported, java.util.function.BiConsumer<String, V> warn) {
        Map<String, V> fresh = new LinkedHashMap<>();
        now.forEach((model, value) -> {
            if (reported.add(model)) {
                fresh.put(model, value);
                warn.accept(model, value);
            }
        });
        return fresh;
    }

    private void refreshQuietly() {
        try {
            refreshNow();
        } catch (RuntimeException e) { // a scheduled task that throws is never run again
            LOG.error("model discovery failed; trying again next period", e);
        }
    }

    private ReplicaStatus ask(BackendSpec backend, UpstreamUrl url, ReplicaStatus last) {
        try {
            if (backend.discovers()) {
                List<DiscoveredModel> found = replicas.models(backend, url);
                return last.listed(found, clock.instant());
            }
            replicas.probe(backend, url);
            return last.reached(clock.instant());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return last.failed("interrupted", clock.instant());
        } catch (Exception e) {
            return last.failed(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), clock.instant());
        }
    }

    private ReplicaStatus outcome(Future<ReplicaStatus> answer, ReplicaStatus last) {
        try {
            return answer.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return last.failed("interrupted", clock.instant());
        } catch (ExecutionException e) {
            return last.failed(e.getCause().toString(), clock.instant());
        }
    }

    /** A replica going down or coming back is logged once, not at every refresh. */
    private static void logChanges(BackendStatus before, BackendStatus after) {
        for (int r = 0; r < after.replicas().size(); r++) {
            ReplicaStatus was = before.replicas().get(r);
            ReplicaStatus is = after.replicas().get(r);
            if (was.up() && !is.up() || was.checkedAt().isEmpty() && !is.up()) {
                LOG.warn("backend {} replica {} is down: {}", after.name(), is.replica(), is.error());
            } else if (!was.up() && is.up()) {
                LOG.info(
                        "backend {} replica {} is up{}",
                        after.name(),
                        is.replica(),
                        after.backend().discovers()
                                ? " and serves " + is.models().size()
                                        + (is.models().size() == 1 ? " model" : " models")
                                : "");
            }
        }
    }

    /** Stops the periodic refresh; a refresh in progress is interrupted (not waited for: the lock it holds). */
    @Override
    public void close() {
        ScheduledExecutorService s = scheduler;
        if (s != null) {
            s.shutdownNow();
        }
    }
}
