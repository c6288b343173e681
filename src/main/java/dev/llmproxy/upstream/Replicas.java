package dev.llmproxy.upstream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One backend's replicas, balanced as nginx balances the OpenAI-type ones ({@code least_conn}, {@code max_fails=1
 * fail_timeout=10s}): a call goes to the replica with the fewest calls in flight (ties in turn); a replica that
 * refused a connection rests for {@link #REST} and gets no calls meanwhile; a call that could not connect goes to
 * the next replica, and one that failed later does not (the replica may have acted on it).
 *
 * <p>A call is in flight from its pick until its answer's body is read to the end or closed.
 */
public final class Replicas<T> {
    /** How long a replica that refused a connection gets no calls: nginx's default {@code fail_timeout}. */
    public static final Duration REST = Duration.ofSeconds(10);

    /** One attempt of a call on one replica. */
    @FunctionalInterface
    public interface Attempt<T> {
        Http1Client.Response send(T replica) throws IOException;
    }

    private final List<T> replicas;
    private final InstantSource clock;
    private final int[] inFlight;
    private final long[] calls;
    private final long[] refused;
    private final Instant[] restUntil;
    private int turn;

    public Replicas(List<T> replicas, InstantSource clock) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("no replicas");
        }
        this.replicas = List.copyOf(replicas);
        this.clock = clock;
        this.inFlight = new int[replicas.size()];
        this.calls = new long[replicas.size()];
        this.refused = new long[replicas.size()];
        this.restUntil = new Instant[replicas.size()];
        Arrays.fill(restUntil, Instant.MIN);
    }

    public List<T> all() {
        return replicas;
    }

    /**
     * Sends the call with {@code attempt} on the picked replica, then on the next for as long as it could not
     * connect. Replicas at rest are tried only when every replica was at rest as the call began: a backend is
     * never refused without a try (one replica, or all of them down a moment ago).
     *
     * @throws Http1Client.ConnectFailedException when no replica could be reached
     */
    public Http1Client.Response execute(Attempt<T> attempt) throws IOException {
        boolean[] tried = new boolean[replicas.size()];
        boolean lastResort = noneLive();
        Http1Client.ConnectFailedException failure = null;
        for (int i; (i = pickOrLastResort(tried, lastResort)) >= 0; ) {
            tried[i] = true;
            Http1Client.Response response;
            try {
                response = attempt.send(replicas.get(i));
            } catch (Http1Client.ConnectFailedException e) {
                rest(i);
                failure = e;
                continue; // nothing was sent: the next replica may take it
            } catch (IOException e) {
                reached(i);
                release(i);
                throw e; // it may have been received: never sent twice
            } catch (RuntimeException e) {
                release(i);
                throw e;
            }
            reached(i);
            return withRelease(response, i);
        }
        if (failure == null) { // cannot happen: the first pick always finds a replica (see pickOrLastResort)
            throw new Http1Client.ConnectFailedException("no replica to try", null);
        }
        throw failure;
    }

    /**
     * The next replica to try. A first pick that finds every replica at rest (another call rested the last live
     * one meanwhile) takes a resting one: a call is never refused without a try.
     */
    private synchronized int pickOrLastResort(boolean[] tried, boolean lastResort) {
        int i = pick(tried, lastResort);
        if (i < 0 && !lastResort && !anyTried(tried)) {
            i = pick(tried, true);
        }
        return i;
    }

    private static boolean anyTried(boolean[] tried) {
        for (boolean t : tried) {
            if (t) {
                return true;
            }
        }
        return false;
    }

    /** Calls in flight on replica {@code i}, for tests and metrics. */
    public synchronized int inFlight(int i) {
        return inFlight[i];
    }

    /**
     * What replica {@code i} has had, for metrics.
     *
     * @param inFlight calls sent to it and not yet answered to the end
     * @param calls calls sent to it (it accepted the connection), since start
     * @param refused calls it refused the connection to (each then tried on another replica), since start
     * @param resting whether it gets no calls now, for a refused connection in the last {@link #REST}
     */
    public record Load(int inFlight, long calls, long refused, boolean resting) {}

    public synchronized Load load(int i) {
        return new Load(inFlight[i], calls[i], refused[i], clock.instant().isBefore(restUntil[i]));
    }

    private synchronized boolean noneLive() {
        Instant now = clock.instant();
        for (Instant until : restUntil) {
            if (!now.isBefore(until)) {
                return false;
            }
        }
        return true;
    }

    /** The untried replica with the fewest calls in flight, counted as one more; -1 when none is left. */
    private synchronized int pick(boolean[] tried, boolean includeResting) {
        Instant now = clock.instant();
        int n = replicas.size();
        int start = Math.floorMod(turn++, n);
        int best = -1;
        for (int k = 0; k < n; k++) {
            int i = (start + k) % n;
            if (tried[i] || (!includeResting && now.isBefore(restUntil[i]))) {
                continue;
            }
            if (best < 0 || inFlight[i] < inFlight[best]) {
                best = i;
            }
        }
        if (best >= 0) {
            inFlight[best]++;
        }
        return best;
    }

    private synchronized void rest(int i) {
        inFlight[i]--;
        refused[i]++;
        restUntil[i] = clock.instant().plus(REST);
    }

    private synchronized void reached(int i) {
        calls[i]++;
        restUntil[i] = Instant.MIN;
    }

    private synchronized void release(int i) {
        inFlight[i]--;
    }

    /** The same answer, its body counting the call out of flight once, when read to the end or closed. */
    private Http1Client.Response withRelease(Http1Client.Response r, int i) {
        AtomicBoolean released = new AtomicBoolean();
        Runnable done = () -> {
            if (released.compareAndSet(false, true)) {
                release(i);
            }
        };
        InputStream body = new FilterInputStream(r.body()) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b < 0) {
                    done.run();
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n < 0) {
                    done.run();
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    done.run();
                }
            }
        };
        return new Http1Client.Response(r.status(), r.headers(), body);
    }
}
